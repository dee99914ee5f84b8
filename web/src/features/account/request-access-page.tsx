/**
 * Apply for access: anyone may, with a reason. Signed in without a role (e.g. through the identity
 * provider), the application names only the role wanted; without an account, where local accounts
 * are enabled, it also carries the account to create. An administrator decides; the decision is
 * audited and shown here.
 */
import { useState, type FormEvent } from 'react';
import {
  applyForAccess,
  getAuthConfig,
  GRANTABLE_ROLES,
  myAccessRequests,
  type AccessRequest,
} from '../../api/auth';
import { useServer } from '../../app/server-context';
import { useResource } from '../../app/use-resource';
import { ErrorMessage } from '../../components/error-message';
import { formatDateTime, useI18n } from '../../i18n/i18n';

type GrantableRole = (typeof GRANTABLE_ROLES)[number];

export default function RequestAccessPage() {
  const { t, lng } = useI18n();
  const { me } = useServer();
  const config = useResource((s) => getAuthConfig(s), []);
  const signedIn = !!me?.user && me.mode === 'multi-user';
  const mine = useResource((s) => (signedIn ? myAccessRequests(s) : Promise.resolve([])), [signedIn]);
  const [form, setForm] = useState({
    reason: '',
    role: 'viewer' as GrantableRole,
    username: '',
    displayName: '',
    email: '',
    password: '',
  });
  const [sent, setSent] = useState<AccessRequest | null>(null);
  const [error, setError] = useState<unknown>(null);

  const anonymous = !signedIn;
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    try {
      const created = await applyForAccess({
        reason: form.reason.trim(),
        role: form.role,
        ...(anonymous
          ? {
              username: form.username.trim(),
              displayName: form.displayName.trim() || form.username.trim(),
              ...(form.email.trim() ? { email: form.email.trim() } : {}),
              password: form.password,
            }
          : {}),
      });
      setSent(created);
      mine.reload();
    } catch (err) {
      setError(err);
    }
  };

  const c = config.data;
  const allowed = c ? (anonymous ? c.accessRequests.anonymous : c.accessRequests.signedIn) : false;
  return (
    <div className="page" data-testid="request-access">
      <h2>{t('auth.requestAccess')}</h2>
      {me?.mode === 'single-user' ? (
        <p>{t('auth.singleUserNoAccounts')}</p>
      ) : !c ? (
        <p role="status">{t('app.loading')}</p>
      ) : !allowed ? (
        <p>{t('auth.requestsClosed')}</p>
      ) : sent ? (
        <p role="status" data-testid="request-sent">
          {t('auth.requestSent')}
        </p>
      ) : (
        <form className="form-grid narrow" onSubmit={(e) => void submit(e)}>
          <p className="help">{t('auth.requestIntro')}</p>
          {anonymous && (
            <>
              <label htmlFor="ra-username">{t('auth.username')}</label>
              <input
                id="ra-username"
                autoComplete="username"
                required
                maxLength={64}
                value={form.username}
                onChange={(e) => setForm({ ...form, username: e.target.value })}
              />
              <label htmlFor="ra-name">{t('auth.displayName')}</label>
              <input
                id="ra-name"
                autoComplete="name"
                maxLength={200}
                value={form.displayName}
                onChange={(e) => setForm({ ...form, displayName: e.target.value })}
              />
              <label htmlFor="ra-email">{t('auth.email')}</label>
              <input
                id="ra-email"
                type="email"
                autoComplete="email"
                maxLength={200}
                value={form.email}
                onChange={(e) => setForm({ ...form, email: e.target.value })}
              />
              <label htmlFor="ra-password">{t('auth.newPassword')}</label>
              <input
                id="ra-password"
                type="password"
                autoComplete="new-password"
                required
                minLength={c.passwordMinLength}
                maxLength={1024}
                aria-describedby="ra-password-help"
                value={form.password}
                onChange={(e) => setForm({ ...form, password: e.target.value })}
              />
              <small id="ra-password-help" className="help">
                {t('auth.passwordRule', { min: c.passwordMinLength })}
              </small>
            </>
          )}
          <label htmlFor="ra-role">{t('auth.roleWanted')}</label>
          <select
            id="ra-role"
            value={form.role}
            onChange={(e) => setForm({ ...form, role: e.target.value as GrantableRole })}
          >
            {GRANTABLE_ROLES.map((r) => (
              <option key={r} value={r}>
                {t(`roles.${r}`)}
              </option>
            ))}
          </select>
          <label htmlFor="ra-reason">{t('auth.reason')}</label>
          <textarea
            id="ra-reason"
            rows={3}
            required
            maxLength={2000}
            value={form.reason}
            onChange={(e) => setForm({ ...form, reason: e.target.value })}
          />
          <div className="row-buttons">
            <button type="submit" className="primary">
              {t('auth.apply')}
            </button>
          </div>
          {error !== null && <ErrorMessage error={error} />}
        </form>
      )}
      {signedIn && mine.data && mine.data.length > 0 && (
        <section aria-labelledby="mine-h">
          <h3 id="mine-h">{t('auth.myRequests')}</h3>
          <table className="table">
            <thead>
              <tr>
                <th scope="col">{t('admin.requested')}</th>
                <th scope="col">{t('admin.roles')}</th>
                <th scope="col">{t('admin.status')}</th>
                <th scope="col">{t('admin.note')}</th>
              </tr>
            </thead>
            <tbody>
              {mine.data.map((r) => (
                <tr key={r.id}>
                  <td>{formatDateTime(r.createdAt, lng)}</td>
                  <td>{t(`roles.${r.requestedRole as GrantableRole}`)}</td>
                  <td>{t(`auth.status.${r.status as 'pending'}`)}</td>
                  <td>{r.decisionNote ?? '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}
    </div>
  );
}
