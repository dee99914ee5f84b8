/**
 * Your account: who you are signed in as and with what, an authenticator app as second factor
 * (needed to sign off results and to administer), your password, your API tokens, and sign-out.
 */
import qrcode from 'qrcode-generator';
import { useMemo, useState, type FormEvent } from 'react';
import {
  changePassword,
  confirmTotp,
  createToken,
  enrolTotp,
  listTokens,
  logout,
  revokeToken,
  type ApiToken,
} from '../../api/auth';
import { navigate } from '../../app/router';
import { useServer } from '../../app/server-context';
import { useResource } from '../../app/use-resource';
import { ErrorMessage } from '../../components/error-message';
import { ResourceView } from '../../components/resource-view';
import { formatDateTime, useI18n } from '../../i18n/i18n';

export default function AccountPage() {
  const { t } = useI18n();
  const { me, refresh } = useServer();
  const [error, setError] = useState<unknown>(null);
  if (!me) return <p className="page">{t('app.loading')}</p>;
  if (me.mode === 'single-user')
    return (
      <div className="page" data-testid="account">
        <h2>{t('auth.account')}</h2>
        <p>{t('auth.singleUserNoAccounts')}</p>
      </div>
    );
  const local = me.user?.method === 'local';
  return (
    <div className="page" data-testid="account">
      <h2>{t('auth.account')}</h2>
      <dl className="facts wide-facts">
        <dt>{t('auth.username')}</dt>
        <dd>{me.user?.name}</dd>
        <dt>{t('admin.roles')}</dt>
        <dd data-testid="account-role">{t(`roles.${me.role}`)}</dd>
        <dt>{t('auth.signedInWith')}</dt>
        <dd>
          {me.secondFactor ? t('auth.twoFactors') : t('auth.oneFactor')}
          {me.user?.method === 'oidc' ? ` (${t('auth.provider')})` : ''}
        </dd>
      </dl>
      {!me.secondFactor && <p className="warning">{t('auth.secondFactorNeeded')}</p>}
      <div className="row-buttons">
        <button
          type="button"
          onClick={() => {
            logout().then(
              () => {
                refresh();
                navigate('/analyze');
              },
              (err: unknown) => setError(err),
            );
          }}
        >
          {t('auth.signOut')}
        </button>
      </div>
      {error !== null && <ErrorMessage error={error} />}
      {local && <TotpSection enrolled={me.totpEnabled} secondFactor={me.secondFactor} onDone={refresh} />}
      {local && <PasswordSection onDone={refresh} />}
      <TokensSection />
    </div>
  );
}

function QrCode({ text, label }: { text: string; label: string }) {
  const src = useMemo(() => {
    const qr = qrcode(0, 'M');
    qr.addData(text);
    qr.make();
    return qr.createDataURL(5, 8);
  }, [text]);
  return <img src={src} alt={label} className="qr" data-testid="totp-qr" />;
}

function TotpSection({
  enrolled,
  secondFactor,
  onDone,
}: {
  enrolled: boolean;
  secondFactor: boolean;
  onDone: () => void;
}) {
  const { t } = useI18n();
  const [pending, setPending] = useState<{ secret: string; uri: string } | null>(null);
  const [code, setCode] = useState('');
  const [recovery, setRecovery] = useState<string[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const start = async () => {
    setError(null);
    try {
      setPending(await enrolTotp());
    } catch (err) {
      setError(err);
    }
  };
  const confirm = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    try {
      const answer = await confirmTotp(code);
      setRecovery(answer.recoveryCodes);
      setPending(null);
      onDone();
    } catch (err) {
      setError(err);
    }
  };
  return (
    <section className="panel" aria-labelledby="totp-h">
      <h3 id="totp-h">{t('auth.authenticator')}</h3>
      <p>{enrolled ? t('auth.totpEnrolled') : t('auth.totpIntro')}</p>
      {recovery ? (
        <div role="status" data-testid="recovery-codes">
          <p className="warning">{t('auth.recoveryCodes')}</p>
          <ul className="recovery-codes">
            {recovery.map((c) => (
              <li key={c}>
                <code>{c}</code>
              </li>
            ))}
          </ul>
        </div>
      ) : pending ? (
        <form className="form-grid narrow" onSubmit={(e) => void confirm(e)}>
          <p className="help">{t('auth.scanQr')}</p>
          <QrCode text={pending.uri} label={t('auth.qrLabel')} />
          <p className="help">
            {t('auth.orEnterSecret')} <code data-testid="totp-secret">{pending.secret}</code>
          </p>
          <label htmlFor="totp-code">{t('auth.code')}</label>
          <input
            id="totp-code"
            inputMode="numeric"
            autoComplete="one-time-code"
            pattern="\d{6}"
            required
            maxLength={6}
            value={code}
            onChange={(e) => setCode(e.target.value.trim())}
          />
          <div className="row-buttons">
            <button type="submit" className="primary">
              {t('auth.confirmCode')}
            </button>
          </div>
        </form>
      ) : (
        <button type="button" onClick={() => void start()} disabled={enrolled && !secondFactor}>
          {enrolled ? t('auth.replaceAuthenticator') : t('auth.setUpAuthenticator')}
        </button>
      )}
      {error !== null && <ErrorMessage error={error} />}
    </section>
  );
}

function PasswordSection({ onDone }: { onDone: () => void }) {
  const { t } = useI18n();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [done, setDone] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    setDone(false);
    try {
      await changePassword(current, next);
      setCurrent('');
      setNext('');
      setDone(true);
      onDone();
    } catch (err) {
      setError(err);
    }
  };
  return (
    <section className="panel" aria-labelledby="pw-h">
      <h3 id="pw-h">{t('auth.changePassword')}</h3>
      <form className="form-grid narrow" onSubmit={(e) => void submit(e)}>
        <label htmlFor="pw-current">{t('auth.currentPassword')}</label>
        <input
          id="pw-current"
          type="password"
          autoComplete="current-password"
          required
          value={current}
          onChange={(e) => setCurrent(e.target.value)}
        />
        <label htmlFor="pw-new">{t('auth.newPassword')}</label>
        <input
          id="pw-new"
          type="password"
          autoComplete="new-password"
          required
          value={next}
          onChange={(e) => setNext(e.target.value)}
        />
        <div className="row-buttons">
          <button type="submit">{t('auth.changePassword')}</button>
          {done && <span role="status">{t('auth.passwordChanged')}</span>}
        </div>
        {error !== null && <ErrorMessage error={error} />}
      </form>
    </section>
  );
}

const SCOPES = ['read', 'submit', 'metrics'] as const;

function TokensSection() {
  const { t, lng } = useI18n();
  const tokens = useResource((s) => listTokens(s), []);
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<string[]>(['read']);
  const [days, setDays] = useState(90);
  const [created, setCreated] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const create = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    try {
      const answer = await createToken({ name: name.trim(), scopes, expiresInDays: days });
      setCreated(answer.token);
      setName('');
      tokens.reload();
    } catch (err) {
      setError(err);
    }
  };
  const revoke = async (token: ApiToken) => {
    setError(null);
    try {
      await revokeToken(token.id);
      tokens.reload();
    } catch (err) {
      setError(err);
    }
  };
  return (
    <section className="panel" aria-labelledby="tokens-h">
      <h3 id="tokens-h">{t('auth.tokens')}</h3>
      <p className="help">{t('auth.tokensIntro')}</p>
      <ResourceView resource={tokens} feature={t('auth.tokens')}>
        {(list) =>
          list.length === 0 ? (
            <p>{t('auth.noTokens')}</p>
          ) : (
            <table className="table">
              <thead>
                <tr>
                  <th scope="col">{t('admin.name')}</th>
                  <th scope="col">{t('auth.scopes')}</th>
                  <th scope="col">{t('auth.expires')}</th>
                  <th scope="col">{t('auth.lastUsed')}</th>
                  <th scope="col">
                    <span className="visually-hidden">{t('auth.revoke')}</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {list.map((tk) => (
                  <tr key={tk.id}>
                    <td>
                      {tk.name} <code>{tk.prefix}…</code>
                    </td>
                    <td>{tk.scopes.join(', ')}</td>
                    <td>{formatDateTime(tk.expiresAt, lng)}</td>
                    <td>{tk.lastUsedAt ? formatDateTime(tk.lastUsedAt, lng) : '—'}</td>
                    <td>
                      {tk.revokedAt ? (
                        t('auth.revoked')
                      ) : (
                        <button
                          type="button"
                          onClick={() => void revoke(tk)}
                          aria-label={`${t('auth.revoke')}: ${tk.name}`}
                        >
                          {t('auth.revoke')}
                        </button>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </ResourceView>
      {created && (
        <p role="status" className="warning">
          {t('auth.tokenOnce')} <code data-testid="new-token">{created}</code>
        </p>
      )}
      <form className="form-columns" onSubmit={(e) => void create(e)}>
        <label>
          {t('admin.name')}
          <input required maxLength={100} value={name} onChange={(e) => setName(e.target.value)} />
        </label>
        <fieldset className="scopes">
          <legend>{t('auth.scopes')}</legend>
          {SCOPES.map((s) => (
            <label key={s} className="check">
              <input
                type="checkbox"
                checked={scopes.includes(s)}
                onChange={(e) => setScopes(e.target.checked ? [...scopes, s] : scopes.filter((x) => x !== s))}
              />
              {t(`auth.scope.${s}`)}
            </label>
          ))}
        </fieldset>
        <label>
          {t('auth.expiresInDays')}
          <input
            type="number"
            min={1}
            max={3650}
            required
            value={days}
            onChange={(e) => setDays(Number(e.target.value))}
          />
        </label>
        <div className="row-buttons">
          <button type="submit" disabled={scopes.length === 0}>
            {t('auth.createToken')}
          </button>
        </div>
      </form>
      {error !== null && <ErrorMessage error={error} />}
    </section>
  );
}
