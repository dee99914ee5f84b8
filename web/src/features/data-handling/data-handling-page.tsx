/**
 * "How your data is handled", in plain language, generated from the running server's configuration
 * (GET /data-handling), so what it says is true of this installation today.
 */
import { getDataHandling, type DataHandling, type Retention } from '../../api/admin';
import { useResource } from '../../app/use-resource';
import { ResourceView } from '../../components/resource-view';
import { formatDateTime, useI18n } from '../../i18n/i18n';

export default function DataHandlingPage() {
  const { t } = useI18n();
  const resource = useResource((s) => getDataHandling(s), []);
  return (
    <div className="page data-handling" data-testid="data-handling">
      <h2>{t('data.title')}</h2>
      <ResourceView resource={resource} feature={t('data.title')}>
        {(d) => <Facts d={d} />}
      </ResourceView>
    </div>
  );
}

function Facts({ d }: { d: DataHandling }) {
  const { t, lng } = useI18n();
  const period = (days: number | null | undefined, kept = true) =>
    !kept ? t('admin.notRetained') : days == null ? t('admin.forever') : t('admin.days', { count: days });
  const keep = (r: Retention) => [
    t('data.keepAnalyses', { period: period(r.analysesDays) }),
    t('data.keepImages', { period: period(r.imagesDays, d.storage.retainImages) }),
    t('data.keepAudit', { period: period(r.auditDays, d.audit.enabled) }),
  ];
  return (
    <>
      <p className="help">
        {t('data.intro')} {t('data.generated', { at: formatDateTime(d.generatedAt, lng) })}
      </p>
      <section>
        <h3>{t('data.whatStored')}</h3>
        <p>{t('data.resultsStored')}</p>
        <p>
          {d.storage.retainImages
            ? t('data.imagesRetained', { encrypted: d.storage.imagesEncrypted ? t('data.imagesEncrypted') : '' })
            : t('data.imagesNotRetained')}
        </p>
      </section>
      <section>
        <h3>{t('data.where')}</h3>
        <p>
          {d.storage.database === 'postgresql'
            ? t('data.postgresql', { location: d.storage.location })
            : t('data.sqlite', { location: d.storage.location })}
        </p>
        {d.storage.retainImages && (
          <p>
            {d.storage.objectStore ? t('data.objectStore', { location: d.storage.objectStore }) : t('data.localFiles')}
          </p>
        )}
      </section>
      <section>
        <h3>{t('data.howLong')}</h3>
        <ul>
          {keep(d.retention).map((line) => (
            <li key={line}>{line}</li>
          ))}
        </ul>
      </section>
      <section>
        <h3>{t('data.whoSees')}</h3>
        {d.mode === 'single-user' ? (
          <p>{t('data.singleUserAccess')}</p>
        ) : (
          <>
            <p>{t('data.rolesIntro')}</p>
            <ul>
              {(['viewer', 'analyst', 'reviewer', 'admin'] as const)
                .filter((r) => d.roles.includes(r))
                .map((r) => (
                  <li key={r}>{t(`data.role.${r}`)}</li>
                ))}
            </ul>
          </>
        )}
      </section>
      <section>
        <h3>{t('data.network')}</h3>
        <p>{d.network.loopbackOnly ? t('data.loopback', { host: d.network.host }) : t('data.networkHost', { host: d.network.host })}</p>
      </section>
      <section>
        <h3>{t('data.signIn')}</h3>
        <p>
          {d.identity.kind === 'oidc'
            ? t('data.identityOidc', { issuer: d.identity.issuer ?? '' })
            : d.identity.kind === 'local'
              ? t('data.identityLocal')
              : t('data.identityNone')}
        </p>
      </section>
      <section>
        <h3>{t('data.audit')}</h3>
        <p>{d.audit.enabled ? t('data.auditOn') : t('data.auditOff')}</p>
      </section>
      <section>
        <h3>{t('data.whichModel')}</h3>
        <ul>
          {d.engines.map((e) => (
            <li key={e.name}>
              {t('data.modelLine', {
                engine: e.name,
                version: e.version,
                model: e.model
                  ? t('data.modelSuffix', { name: e.model.name, version: e.model.version, sha: e.model.sha256.slice(0, 12) })
                  : '',
              })}
            </li>
          ))}
        </ul>
      </section>
    </>
  );
}
