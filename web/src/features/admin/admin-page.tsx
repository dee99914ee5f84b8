/**
 * Administration: users, access requests, the audit log, calibration profiles and retention. Each
 * section talks to its own API and says plainly when the server does not offer it yet.
 */
import { useState } from 'react';
import {
  decideAccessRequest,
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
  return (
    <ResourceView resource={profiles} feature={t('admin.profiles')}>
      {(list) =>
        list.length === 0 ? (
          <p>{t('admin.noProfiles')}</p>
        ) : (
          <table className="table">
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
                </tr>
              ))}
            </tbody>
          </table>
        )
      }
    </ResourceView>
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
