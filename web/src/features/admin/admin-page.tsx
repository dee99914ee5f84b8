/**
 * Administration: users, access requests, the audit log, calibration profiles and retention. Each
 * section talks to its own API and says plainly when the server does not offer it yet.
 */
import { useState } from 'react';
import {
  createProfile,
  decideAccessRequest,
  deleteProfile,
  getRetention,
  listAccessRequests,
  listAudit,
  listProfiles,
  listUsers,
  putRetention,
  verifyAudit,
  type Retention,
} from '../../api/admin';
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
  const users = useResource((s) => listUsers(s), []);
  return (
    <ResourceView resource={users} feature={t('admin.users')}>
      {(list) =>
        list.length === 0 ? (
          <p>{t('admin.noUsers')}</p>
        ) : (
          <table className="table">
            <thead>
              <tr>
                <th scope="col">{t('admin.name')}</th>
                <th scope="col">{t('admin.email')}</th>
                <th scope="col">{t('admin.roles')}</th>
                <th scope="col">{t('admin.status')}</th>
                <th scope="col">{t('admin.secondFactor')}</th>
                <th scope="col">{t('admin.lastSignIn')}</th>
              </tr>
            </thead>
            <tbody>
              {list.map((u) => (
                <tr key={u.id}>
                  <td>{u.name}</td>
                  <td>{u.email ?? '—'}</td>
                  <td>{u.roles.join(', ')}</td>
                  <td>{u.status ?? '—'}</td>
                  <td>{u.secondFactor ? t('common.yes') : t('common.no')}</td>
                  <td>{u.lastSignInAt ? formatDateTime(u.lastSignInAt, lng) : '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )
      }
    </ResourceView>
  );
}

function AccessRequests() {
  const { t, lng } = useI18n();
  const requests = useResource((s) => listAccessRequests(s), []);
  const [error, setError] = useState<unknown>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const decide = async (id: string, approve: boolean) => {
    setError(null);
    try {
      await decideAccessRequest(id, approve);
      setNotice(t('admin.decided'));
      requests.reload();
    } catch (err) {
      setError(err);
    }
  };
  return (
    <>
      {notice && <p role="status">{notice}</p>}
      {error !== null && <ErrorMessage error={error} />}
      <ResourceView resource={requests} feature={t('admin.accessRequests')}>
        {(list) =>
          list.length === 0 ? (
            <p>{t('admin.noRequests')}</p>
          ) : (
            <table className="table">
              <thead>
                <tr>
                  <th scope="col">{t('admin.name')}</th>
                  <th scope="col">{t('admin.email')}</th>
                  <th scope="col">{t('admin.roles')}</th>
                  <th scope="col">{t('admin.reason')}</th>
                  <th scope="col">{t('admin.requested')}</th>
                  <th scope="col">{t('admin.status')}</th>
                </tr>
              </thead>
              <tbody>
                {list.map((r) => (
                  <tr key={r.id}>
                    <td>{r.name}</td>
                    <td>{r.email ?? '—'}</td>
                    <td>{r.requestedRoles?.join(', ') ?? '—'}</td>
                    <td>{r.reason ?? '—'}</td>
                    <td>{r.createdAt ? formatDateTime(r.createdAt, lng) : '—'}</td>
                    <td>
                      {r.status && r.status !== 'pending' ? (
                        r.status
                      ) : (
                        <span className="row-buttons">
                          <button type="button" onClick={() => void decide(r.id, true)}>
                            {t('admin.approve')}
                          </button>
                          <button type="button" onClick={() => void decide(r.id, false)}>
                            {t('admin.reject')}
                          </button>
                        </span>
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
  const [cursor, setCursor] = useState<string | null>(null);
  const [filter, setFilter] = useState('');
  const page = useResource((s) => listAudit({ limit: 100, cursor }, s), [cursor]);
  const [verdict, setVerdict] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const verify = async () => {
    setError(null);
    try {
      const v = await verifyAudit();
      setVerdict(
        v.ok
          ? t('admin.auditVerified', { count: v.count })
          : t('admin.auditBroken', { at: String(v.firstBad ?? '?') }),
      );
    } catch (err) {
      setError(err);
    }
  };
  const needle = filter.trim().toLowerCase();
  return (
    <ResourceView resource={page} feature={t('admin.audit')}>
      {(data) => (
        <>
          <div className="filters-bar">
            <label>
              {t('admin.auditFilter')}
              <input type="search" value={filter} onChange={(e) => setFilter(e.target.value)} />
            </label>
            <button type="button" onClick={() => void verify()}>
              {t('admin.auditVerify')}
            </button>
          </div>
          {verdict && <p role="status">{verdict}</p>}
          {error !== null && <ErrorMessage error={error} />}
          <table className="table">
            <thead>
              <tr>
                <th scope="col">#</th>
                <th scope="col">{t('admin.auditWhen')}</th>
                <th scope="col">{t('admin.auditWho')}</th>
                <th scope="col">{t('admin.auditAction')}</th>
                <th scope="col">{t('admin.auditRecord')}</th>
                <th scope="col">{t('admin.auditFrom')}</th>
              </tr>
            </thead>
            <tbody>
              {data.items
                .filter((e) => !needle || `${e.action} ${e.actor ?? ''}`.toLowerCase().includes(needle))
                .map((e) => (
                  <tr key={e.seq}>
                    <td>{e.seq}</td>
                    <td>{formatDateTime(e.at, lng)}</td>
                    <td>{e.actor ?? '—'}</td>
                    <td>{e.action}</td>
                    <td>{e.record ?? '—'}</td>
                    <td>{e.from ?? '—'}</td>
                  </tr>
                ))}
            </tbody>
          </table>
          {data.next && (
            <button type="button" onClick={() => setCursor(data.next)}>
              {t('common.next')}
            </button>
          )}
        </>
      )}
    </ResourceView>
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
      {(r) => <RetentionForm initial={r} onSaved={retention.set} />}
    </ResourceView>
  );
}

function RetentionForm({ initial, onSaved }: { initial: Retention; onSaved: (r: Retention) => void }) {
  const { t } = useI18n();
  const [draft, setDraft] = useState(() => ({
    analysesDays: initial.analysesDays?.toString() ?? '',
    imagesDays: initial.imagesDays?.toString() ?? '',
    auditDays: initial.auditDays?.toString() ?? '',
  }));
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState(false);
  const parse = (s: string) => (s.trim() === '' ? null : Math.max(0, Math.floor(Number(s))));
  const save = async () => {
    setError(null);
    setSaved(false);
    try {
      onSaved(
        await putRetention({
          analysesDays: parse(draft.analysesDays),
          imagesDays: parse(draft.imagesDays),
          auditDays: parse(draft.auditDays),
        }),
      );
      setSaved(true);
    } catch (err) {
      setError(err);
    }
  };
  const fields = [
    ['analysesDays', 'admin.retentionAnalyses'],
    ['imagesDays', 'admin.retentionImages'],
    ['auditDays', 'admin.retentionAudit'],
  ] as const;
  return (
    <form
      className="form-grid"
      style={{ maxWidth: '24rem' }}
      onSubmit={(e) => {
        e.preventDefault();
        void save();
      }}
    >
      {fields.map(([key, label]) => (
        <div key={key} className="form-grid">
          <label htmlFor={`ret-${key}`}>{t(label)}</label>
          <input
            id={`ret-${key}`}
            type="number"
            min={0}
            inputMode="numeric"
            value={draft[key]}
            placeholder={t('admin.forever')}
            aria-describedby="ret-help"
            onChange={(e) => setDraft({ ...draft, [key]: e.target.value })}
          />
        </div>
      ))}
      <small id="ret-help" className="help">
        {t('admin.days_input')}
      </small>
      <div className="row-buttons">
        <button type="submit" className="primary">
          {t('common.save')}
        </button>
        {saved && <span role="status">✓</span>}
      </div>
      {error !== null && <ErrorMessage error={error} />}
    </form>
  );
}
