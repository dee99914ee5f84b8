/**
 * Administration: users, access requests, the audit log, calibration profiles and retention. Each
 * section talks to its own API and says plainly when the server does not offer it yet.
 */
import { useEffect, useState, type FormEvent } from 'react';
import {
  approveAccessRequest,
  createProfile,
  createUser,
  deleteProfile,
  endUserSessions,
  getRetention,
  listAccessRequests,
  listAudit,
  listProfiles,
  listUsers,
  purgeExpiredImages,
  putRetention,
  rejectAccessRequest,
  resetSecondFactor,
  updateUser,
  verifyAudit,
  type AuditQuery,
  type RetentionSettings as RetentionSettingsInfo,
} from '../../api/admin';
import { GRANTABLE_ROLES, ROLES, type AccessRequest, type Role } from '../../api/auth';
import { apiUrl } from '../../api/client';
import { useServer } from '../../app/server-context';
import { Link } from '../../app/router';
import { useResource } from '../../app/use-resource';
import { ErrorMessage } from '../../components/error-message';
import { ResourceView } from '../../components/resource-view';
import { formatDateTime, useI18n } from '../../i18n/i18n';

const SECTIONS = ['users', 'access-requests', 'audit', 'profiles', 'retention'] as const;
type Section = (typeof SECTIONS)[number];
const TITLE_KEY = {
  users: 'admin.users',
  'access-requests': 'admin.accessRequests',
  audit: 'admin.audit',
  profiles: 'admin.profiles',
  retention: 'admin.retention',
} as const;

export default function AdminPage({ params }: { params: Record<string, string> }) {
  const { t } = useI18n();
  const section: Section = (SECTIONS as readonly string[]).includes(params.section ?? '')
    ? (params.section as Section)
    : 'users';
  return (
    <div className="page" data-testid="admin">
      <h2>{t('admin.title')}</h2>
      <nav aria-label={t('admin.tabs')}>
        <ul className="tabs">
          {SECTIONS.map((s) => (
            <li key={s}>
              <Link to={`/admin/${s}`} aria-current={s === section ? 'page' : undefined}>
                {t(TITLE_KEY[s])}
              </Link>
            </li>
          ))}
        </ul>
      </nav>
      <h3>{t(TITLE_KEY[section])}</h3>
      {section === 'users' && <Users />}
      {section === 'access-requests' && <AccessRequests />}
      {section === 'audit' && <Audit />}
      {section === 'profiles' && <Profiles />}
      {section === 'retention' && <RetentionSettings />}
    </div>
  );
}

function Users() {
  const { t, lng } = useI18n();
  const { me, auth } = useServer();
  const users = useResource((s) => listUsers(s), []);
  const [error, setError] = useState<unknown>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const act = async (what: () => Promise<unknown>, done: string) => {
    setError(null);
    setNotice(null);
    try {
      await what();
      setNotice(done);
      users.reload();
    } catch (err) {
      setError(err);
    }
  };
  return (
    <>
      {notice && <p role="status">{notice}</p>}
      {error !== null && <ErrorMessage error={error} />}
      <ResourceView resource={users} feature={t('admin.users')}>
        {(list) =>
          list.length === 0 ? (
            <p>{t('admin.noUsers')}</p>
          ) : (
            <table className="table" data-testid="users">
              <thead>
                <tr>
                  <th scope="col">{t('admin.name')}</th>
                  <th scope="col">{t('admin.email')}</th>
                  <th scope="col">{t('admin.roles')}</th>
                  <th scope="col">{t('admin.secondFactor')}</th>
                  <th scope="col">{t('admin.lastSignIn')}</th>
                  <th scope="col">{t('admin.status')}</th>
                  <th scope="col">{t('admin.actions')}</th>
                </tr>
              </thead>
              <tbody>
                {list.map((u) => {
                  const self = me?.user?.id === u.id;
                  return (
                    <tr key={u.id} data-username={u.username}>
                      <td>
                        {u.displayName}
                        <br />
                        <small>
                          {u.username} · {u.source}
                        </small>
                      </td>
                      <td>{u.email ?? '—'}</td>
                      <td>
                        <select
                          aria-label={`${t('admin.roles')}: ${u.username}`}
                          value={u.role}
                          disabled={self}
                          onChange={(e) =>
                            void act(() => updateUser(u.id, { role: e.target.value }), t('admin.saved'))
                          }
                        >
                          {ROLES.map((r) => (
                            <option key={r} value={r}>
                              {t(`roles.${r}`)}
                            </option>
                          ))}
                        </select>
                        {u.effectiveRole !== u.role && (
                          <small className="help">
                            {' '}
                            {t('admin.effective', { role: t(`roles.${u.effectiveRole as Role}`) })}
                          </small>
                        )}
                      </td>
                      <td>{u.totpEnabled ? t('common.yes') : t('common.no')}</td>
                      <td>{u.lastLoginAt ? formatDateTime(u.lastLoginAt, lng) : '—'}</td>
                      <td>{u.disabled ? t('admin.disabled') : t('admin.enabled')}</td>
                      <td>
                        <span className="row-buttons">
                          <button
                            type="button"
                            disabled={self}
                            onClick={() =>
                              void act(() => updateUser(u.id, { disabled: !u.disabled }), t('admin.saved'))
                            }
                          >
                            {u.disabled ? t('admin.enable') : t('admin.disable')}
                          </button>
                          <button
                            type="button"
                            onClick={() => void act(() => endUserSessions(u.id), t('admin.sessionsEnded'))}
                          >
                            {t('admin.endSessions')}
                          </button>
                          {u.totpEnabled && (
                            <button
                              type="button"
                              onClick={() =>
                                void act(() => resetSecondFactor(u.id), t('admin.secondFactorReset'))
                              }
                            >
                              {t('admin.resetSecondFactor')}
                            </button>
                          )}
                        </span>
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          )
        }
      </ResourceView>
      {auth?.methods.local && <NewUserForm onCreated={users.reload} minLength={auth.passwordMinLength} />}
    </>
  );
}

function NewUserForm({ onCreated, minLength }: { onCreated: () => void; minLength: number }) {
  const { t } = useI18n();
  const empty = { username: '', displayName: '', email: '', role: 'viewer', password: '' };
  const [draft, setDraft] = useState(empty);
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState<string | null>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    setDone(null);
    try {
      const user = await createUser({
        username: draft.username.trim(),
        ...(draft.displayName.trim() ? { displayName: draft.displayName.trim() } : {}),
        ...(draft.email.trim() ? { email: draft.email.trim() } : {}),
        role: draft.role,
        password: draft.password,
      });
      setDraft(empty);
      setDone(t('admin.userCreated', { name: user.username }));
      onCreated();
    } catch (err) {
      setError(err);
    }
  };
  return (
    <form className="profile-form" aria-labelledby="new-user-h" onSubmit={(e) => void submit(e)}>
      <h4 id="new-user-h">{t('admin.newUser')}</h4>
      <div className="form-columns">
        <label>
          {t('auth.username')}
          <input
            required
            maxLength={64}
            autoComplete="off"
            value={draft.username}
            onChange={(e) => setDraft({ ...draft, username: e.target.value })}
          />
        </label>
        <label>
          {t('auth.displayName')}
          <input
            maxLength={200}
            value={draft.displayName}
            onChange={(e) => setDraft({ ...draft, displayName: e.target.value })}
          />
        </label>
        <label>
          {t('auth.email')}
          <input
            type="email"
            maxLength={200}
            value={draft.email}
            onChange={(e) => setDraft({ ...draft, email: e.target.value })}
          />
        </label>
        <label>
          {t('admin.roles')}
          <select value={draft.role} onChange={(e) => setDraft({ ...draft, role: e.target.value })}>
            {GRANTABLE_ROLES.map((r) => (
              <option key={r} value={r}>
                {t(`roles.${r}`)}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('admin.initialPassword')}
          <input
            type="password"
            required
            minLength={minLength}
            autoComplete="new-password"
            value={draft.password}
            onChange={(e) => setDraft({ ...draft, password: e.target.value })}
          />
        </label>
      </div>
      <p className="help">{t('auth.passwordRule', { min: minLength })}</p>
      <div className="row-buttons">
        <button type="submit" className="primary">
          {t('admin.addUser')}
        </button>
        {done && <span role="status">{done}</span>}
      </div>
      {error !== null && <ErrorMessage error={error} />}
    </form>
  );
}

type RequestStatus = '' | 'pending' | 'approved' | 'rejected';

function AccessRequests() {
  const { t, lng } = useI18n();
  const [status, setStatus] = useState<RequestStatus>('pending');
  const requests = useResource((s) => listAccessRequests(status, s), [status]);
  const [roles, setRoles] = useState<Record<string, string>>({});
  const [notes, setNotes] = useState<Record<string, string>>({});
  const [error, setError] = useState<unknown>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const decide = async (r: AccessRequest, approve: boolean) => {
    setError(null);
    setNotice(null);
    const note = notes[r.id]?.trim();
    try {
      if (approve)
        await approveAccessRequest(r.id, { role: roles[r.id] ?? r.requestedRole, ...(note ? { note } : {}) });
      else await rejectAccessRequest(r.id, note);
      setNotice(t('admin.decided'));
      requests.reload();
    } catch (err) {
      setError(err);
    }
  };
  return (
    <>
      <div className="filters-bar">
        <label>
          {t('admin.status')}
          <select value={status} onChange={(e) => setStatus(e.target.value as RequestStatus)}>
            <option value="pending">{t('auth.status.pending')}</option>
            <option value="approved">{t('auth.status.approved')}</option>
            <option value="rejected">{t('auth.status.rejected')}</option>
            <option value="">{t('history.filterAll')}</option>
          </select>
        </label>
      </div>
      {notice && <p role="status">{notice}</p>}
      {error !== null && <ErrorMessage error={error} />}
      <ResourceView resource={requests} feature={t('admin.accessRequests')}>
        {(list) =>
          list.length === 0 ? (
            <p>{t('admin.noRequests')}</p>
          ) : (
            <table className="table" data-testid="access-requests">
              <thead>
                <tr>
                  <th scope="col">{t('admin.requested')}</th>
                  <th scope="col">{t('admin.name')}</th>
                  <th scope="col">{t('admin.reason')}</th>
                  <th scope="col">{t('admin.roles')}</th>
                  <th scope="col">{t('admin.status')}</th>
                </tr>
              </thead>
              <tbody>
                {list.map((r) => (
                  <tr key={r.id} data-username={r.username}>
                    <td>{formatDateTime(r.createdAt, lng)}</td>
                    <td>
                      {r.displayName}
                      <br />
                      <small>
                        {r.username}
                        {r.email ? ` · ${r.email}` : ''}
                      </small>
                    </td>
                    <td className="pre-wrap">{r.reason}</td>
                    <td>
                      {r.status === 'pending' ? (
                        <select
                          aria-label={`${t('admin.grantRole')}: ${r.username}`}
                          value={roles[r.id] ?? r.requestedRole}
                          onChange={(e) => setRoles({ ...roles, [r.id]: e.target.value })}
                        >
                          {GRANTABLE_ROLES.map((role) => (
                            <option key={role} value={role}>
                              {t(`roles.${role}`)}
                            </option>
                          ))}
                        </select>
                      ) : (
                        t(`roles.${r.requestedRole as Role}`)
                      )}
                    </td>
                    <td>
                      {r.status === 'pending' ? (
                        <div className="form-grid">
                          <input
                            aria-label={`${t('admin.note')}: ${r.username}`}
                            placeholder={t('admin.note')}
                            maxLength={2000}
                            value={notes[r.id] ?? ''}
                            onChange={(e) => setNotes({ ...notes, [r.id]: e.target.value })}
                          />
                          <span className="row-buttons">
                            <button type="button" className="primary" onClick={() => void decide(r, true)}>
                              {t('admin.approve')}
                            </button>
                            <button type="button" onClick={() => void decide(r, false)}>
                              {t('admin.reject')}
                            </button>
                          </span>
                        </div>
                      ) : (
                        <>
                          {t(`auth.status.${r.status as 'approved'}`)}
                          {r.decidedAt && (
                            <>
                              <br />
                              <small>
                                {formatDateTime(r.decidedAt, lng)}
                                {r.decisionNote ? ` · ${r.decisionNote}` : ''}
                              </small>
                            </>
                          )}
                        </>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </ResourceView>
    </>
  );
}

function Audit() {
  const { t, lng } = useI18n();
  const [filters, setFilters] = useState({ action: '', actor: '', target: '', from: '', to: '' });
  const [applied, setApplied] = useState(filters);
  const [before, setBefore] = useState<number | null>(null);
  const query: AuditQuery = {
    before,
    ...(applied.action ? { action: applied.action } : {}),
    ...(applied.actor ? { actor: applied.actor } : {}),
    ...(applied.target ? { target: applied.target } : {}),
    ...(applied.from ? { from: new Date(`${applied.from}T00:00:00`).toISOString() } : {}),
    ...(applied.to ? { to: new Date(`${applied.to}T23:59:59.999`).toISOString() } : {}),
  };
  const page = useResource((s) => listAudit(query, s), [JSON.stringify(query)]);
  const [verdict, setVerdict] = useState<{ ok: boolean; text: string } | null>(null);
  const [error, setError] = useState<unknown>(null);
  const verify = async () => {
    setError(null);
    try {
      const v = await verifyAudit();
      setVerdict({
        ok: v.ok,
        text: v.ok
          ? t('admin.auditVerified', { count: v.entries })
          : t('admin.auditBroken', { at: v.problem ? `#${v.problem.seq}: ${v.problem.message}` : '?' }),
      });
    } catch (err) {
      setError(err);
    }
  };
  const field = (key: keyof typeof filters, label: string, type = 'search') => (
    <label>
      {label}
      <input
        type={type}
        value={filters[key]}
        onChange={(e) => setFilters({ ...filters, [key]: e.target.value })}
      />
    </label>
  );
  return (
    <>
      <form
        className="filters-bar"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          setBefore(null);
          setApplied(filters);
        }}
      >
        {field('action', t('admin.auditAction'))}
        {field('actor', t('admin.auditWhoId'))}
        {field('target', t('admin.auditRecordId'))}
        {field('from', t('history.from'), 'date')}
        {field('to', t('history.to'), 'date')}
        <button type="submit">{t('admin.applyFilters')}</button>
      </form>
      <div className="row-buttons">
        <button type="button" onClick={() => void verify()} data-testid="audit-verify">
          {t('admin.auditVerify')}
        </button>
        <a href={apiUrl('/api/v1/audit/export')} download>
          {t('admin.auditExport')}
        </a>
      </div>
      {verdict && (
        <p role="status" className={verdict.ok ? 'ok' : 'error'} data-testid="audit-verdict">
          {verdict.text}
        </p>
      )}
      {error !== null && <ErrorMessage error={error} />}
      <ResourceView resource={page} feature={t('admin.audit')}>
        {(data) => (
          <>
            <table className="table" data-testid="audit">
              <thead>
                <tr>
                  <th scope="col">#</th>
                  <th scope="col">{t('admin.auditWhen')}</th>
                  <th scope="col">{t('admin.auditWho')}</th>
                  <th scope="col">{t('admin.auditAction')}</th>
                  <th scope="col">{t('admin.auditOutcome')}</th>
                  <th scope="col">{t('admin.auditRecord')}</th>
                  <th scope="col">{t('admin.auditFrom')}</th>
                </tr>
              </thead>
              <tbody>
                {data.items.map((e) => (
                  <tr key={e.seq} data-action={e.action}>
                    <td>{e.seq}</td>
                    <td>{formatDateTime(e.at, lng)}</td>
                    <td>{e.actor ? e.actor.name : '—'}</td>
                    <td>
                      <code>{e.action}</code>
                    </td>
                    <td>{e.outcome}</td>
                    <td>{e.target ? `${e.target.type} ${e.target.id}` : '—'}</td>
                    <td>{e.ip ?? '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            <div className="row-buttons">
              {before !== null && (
                <button type="button" onClick={() => setBefore(null)}>
                  {t('admin.newest')}
                </button>
              )}
              {data.nextBefore !== null && (
                <button type="button" onClick={() => setBefore(data.nextBefore)}>
                  {t('admin.older')}
                </button>
              )}
            </div>
          </>
        )}
      </ResourceView>
    </>
  );
}

function Profiles() {
  const { t } = useI18n();
  const profiles = useResource((s) => listProfiles(s), []);
  const [confirming, setConfirming] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const remove = async (id: string) => {
    setError(null);
    try {
      await deleteProfile(id);
      setConfirming(null);
      profiles.reload();
    } catch (err) {
      setError(err);
    }
  };
  return (
    <ResourceView resource={profiles} feature={t('admin.profiles')}>
      {(list) => (
        <>
          {error !== null && <ErrorMessage error={error} />}
          {list.length === 0 ? (
            <p>{t('admin.noProfiles')}</p>
          ) : (
            <table className="table" data-testid="profiles">
              <thead>
                <tr>
                  <th scope="col">{t('admin.profileName')}</th>
                  <th scope="col">{t('admin.microscope')}</th>
                  <th scope="col">{t('admin.camera')}</th>
                  <th scope="col">{t('admin.objective')}</th>
                  <th scope="col" className="num">
                    {t('admin.umPerPx')}
                  </th>
                  <th scope="col">{t('admin.notes')}</th>
                  <th scope="col">
                    <span className="visually-hidden">{t('common.remove')}</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {list.map((p) => (
                  <tr key={p.id}>
                    <td>{p.name}</td>
                    <td>{p.microscope}</td>
                    <td>{p.camera}</td>
                    <td>{p.objective}</td>
                    <td className="num">{p.micronsPerPixel}</td>
                    <td>{p.notes}</td>
                    <td>
                      {confirming === p.id ? (
                        <span className="row-buttons">
                          <button type="button" onClick={() => void remove(p.id)}>
                            {t('admin.confirmDelete', { name: p.name })}
                          </button>
                          <button type="button" onClick={() => setConfirming(null)}>
                            {t('common.cancel')}
                          </button>
                        </span>
                      ) : (
                        <button
                          type="button"
                          onClick={() => setConfirming(p.id)}
                          aria-label={`${t('common.remove')}: ${p.name}`}
                        >
                          {t('common.remove')}
                        </button>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <ProfileForm onCreated={profiles.reload} />
        </>
      )}
    </ResourceView>
  );
}

const EMPTY_PROFILE = { name: '', microscope: '', camera: '', objective: '', micronsPerPixel: '', notes: '' };

function ProfileForm({ onCreated }: { onCreated: () => void }) {
  const { t } = useI18n();
  const [draft, setDraft] = useState(EMPTY_PROFILE);
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState<string | null>(null);
  const submit = async () => {
    setError(null);
    setDone(null);
    try {
      const created = await createProfile({
        name: draft.name.trim(),
        microscope: draft.microscope.trim(),
        camera: draft.camera.trim(),
        objective: draft.objective.trim(),
        micronsPerPixel: Number(draft.micronsPerPixel),
        notes: draft.notes.trim(),
      });
      setDraft(EMPTY_PROFILE);
      setDone(t('admin.profileCreated', { name: created.name }));
      onCreated();
    } catch (err) {
      setError(err);
    }
  };
  const text = [
    ['name', 'admin.profileName'],
    ['microscope', 'admin.microscope'],
    ['camera', 'admin.camera'],
    ['objective', 'admin.objective'],
  ] as const;
  return (
    <form
      className="profile-form"
      aria-labelledby="new-profile-h"
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      <h4 id="new-profile-h">{t('admin.newProfile')}</h4>
      <div className="form-columns">
        {text.map(([key, label]) => (
          <label key={key}>
            {t(label)}
            <input
              required
              maxLength={key === 'name' ? 100 : 200}
              value={draft[key]}
              onChange={(e) => setDraft({ ...draft, [key]: e.target.value })}
            />
          </label>
        ))}
        <label>
          {t('admin.umPerPx')}
          <input
            required
            type="number"
            min={0.001}
            max={100}
            step="any"
            inputMode="decimal"
            value={draft.micronsPerPixel}
            onChange={(e) => setDraft({ ...draft, micronsPerPixel: e.target.value })}
          />
        </label>
        <label>
          {t('admin.notes')}
          <input
            maxLength={2000}
            value={draft.notes}
            onChange={(e) => setDraft({ ...draft, notes: e.target.value })}
          />
        </label>
      </div>
      <p className="help">{t('admin.profileHelp')}</p>
      <div className="row-buttons">
        <button type="submit" className="primary">
          {t('admin.addProfile')}
        </button>
        {done && <span role="status">{done}</span>}
      </div>
      {error !== null && <ErrorMessage error={error} />}
    </form>
  );
}

function RetentionSettings() {
  const { t } = useI18n();
  const retention = useResource((s) => getRetention(s), []);
  return (
    <ResourceView resource={retention} feature={t('admin.retention')}>
      {(r) => <RetentionForm current={r} onSaved={retention.set} />}
    </ResourceView>
  );
}

/**
 * Only original images expire (the server's rule, src/store/image-retention.service.ts): analyses,
 * detections, reviews and the audit log are always kept, and the form says so rather than offering
 * settings the server would not honour.
 */
function RetentionForm({
  current,
  onSaved,
}: {
  current: RetentionSettingsInfo;
  onSaved: (r: RetentionSettingsInfo) => void;
}) {
  const { t, lng } = useI18n();
  const [days, setDays] = useState(String(current.imagesDays));
  // The server's answer (after a save or a return to the default) replaces what was typed.
  useEffect(() => setDays(String(current.imagesDays)), [current.imagesDays]);
  const [error, setError] = useState<unknown>(null);
  // What the last action did, kept as data so it is shown in the language chosen now.
  const [done, setDone] = useState<{ saved: true } | { purged: number } | null>(null);
  const valid = /^\d{1,5}$/.test(days.trim()) && Number(days) <= 36_500;
  const act = async (run: () => Promise<{ saved: true } | { purged: number }>) => {
    setError(null);
    setDone(null);
    try {
      setDone(await run());
    } catch (err) {
      setError(err);
    }
  };
  const save = (value: number | null) =>
    act(async () => {
      onSaved(await putRetention(value));
      return { saved: true as const };
    });
  const purge = () =>
    act(async () => {
      const report = await purgeExpiredImages();
      onSaved(await getRetention());
      return { purged: report.purged };
    });
  const last = current.lastPurge;
  return (
    <div className="retention" data-testid="retention">
      {!current.retainImages && (
        <p className="warning" data-testid="retention-off">
          {t('admin.retentionImagesOff')}
        </p>
      )}
      <form
        className="form-grid"
        style={{ maxWidth: '32rem' }}
        onSubmit={(e) => {
          e.preventDefault();
          if (valid) void save(Number(days));
        }}
      >
        <label htmlFor="ret-images">{t('admin.retentionImages')}</label>
        <div className="row-buttons">
          <input
            id="ret-images"
            type="number"
            min={0}
            max={36500}
            step={1}
            inputMode="numeric"
            required
            style={{ width: '8rem' }}
            value={days}
            aria-describedby="ret-help ret-source"
            aria-invalid={!valid}
            onChange={(e) => setDays(e.target.value)}
          />
          <span>{t('admin.daysUnit')}</span>
        </div>
        <small id="ret-help" className="help">
          {t('admin.retentionHelp', { days: current.imagesDaysConfigured })}
        </small>
        <p id="ret-source" className="help" data-testid="retention-source">
          {current.source === 'administrator'
            ? t('admin.retentionSetBy', {
                by: current.updatedBy ?? '—',
                at: current.updatedAt ? formatDateTime(current.updatedAt, lng) : '—',
              })
            : t('admin.retentionFromConfig')}
        </p>
        <div className="row-buttons">
          <button type="submit" className="primary" disabled={!valid}>
            {t('common.save')}
          </button>
          {current.source === 'administrator' && (
            <button type="button" onClick={() => void save(null)}>
              {t('admin.retentionUseDefault', { days: current.imagesDaysConfigured })}
            </button>
          )}
          <button type="button" onClick={() => void purge()} data-testid="retention-purge">
            {t('admin.retentionPurge')}
          </button>
        </div>
        {done && (
          <p role="status" data-testid="retention-done">
            {'purged' in done ? t('admin.retentionPurgedNow', { count: done.purged }) : t('admin.saved')}
          </p>
        )}
        {error !== null && <ErrorMessage error={error} />}
      </form>
      <p data-testid="retention-last">
        {last
          ? t('admin.retentionLast', {
              at: formatDateTime(last.at, lng),
              trigger: t(`admin.retentionTrigger.${last.trigger}`),
              count: last.purged,
              failed: last.failed,
            })
          : t('admin.retentionNever')}
      </p>
      <p className="help" data-testid="retention-kept">
        {t('admin.retentionKept')}
      </p>
    </div>
  );
}
