/**
 * "How your data is handled", in plain language, generated from the running server's configuration
 * (GET /about), so what it says is true of this installation today. Facts the server does not
 * report are said to be unreported, never assumed.
 */
import type { ReactNode } from 'react';
import { getAbout, type About } from '../../api/admin';
import type { AuthConfig } from '../../api/auth';
import { useServer } from '../../app/server-context';
import { useResource } from '../../app/use-resource';
import { ResourceView } from '../../components/resource-view';
import { useI18n } from '../../i18n/i18n';

export default function DataHandlingPage() {
  const { t } = useI18n();
  const { auth, capabilities } = useServer();
  const resource = useResource((s) => getAbout(s), []);
  return (
    <div className="page data-handling" data-testid="data-handling">
      <h2>{t('data.title')}</h2>
      <ResourceView resource={resource} feature={t('data.title')}>
        {(d) => <Facts d={withAuthFacts(d, auth, capabilities?.has('get', '/audit') ?? null)} />}
      </ResourceView>
    </div>
  );
}

/**
 * Fills what /about does not (yet) report from the sign-in configuration (GET /auth/config): the
 * mode decides who can reach the server and how people sign in; the audit API's presence says
 * whether access is audited. Facts /about reports itself always win.
 */
function withAuthFacts(d: About, auth: AuthConfig | null, auditApi: boolean | null): About {
  if (!auth) return d;
  const single = auth.mode === 'single-user';
  const identity: About['identity'] = single
    ? { kind: 'none' }
    : auth.methods.oidc
      ? { kind: 'oidc', issuer: null }
      : { kind: 'local' };
  return {
    ...d,
    identity: d.identity ?? identity,
    network: d.network ?? { host: window.location.host, loopbackOnly: single },
    ...(d.audit || auditApi === null ? {} : { audit: { enabled: auditApi } }),
    ...(d.roles || single ? {} : { roles: ['viewer', 'analyst', 'reviewer', 'admin'] }),
  };
}

function Section({ title, children }: { title: string; children: ReactNode }) {
  return (
    <section>
      <h3>{title}</h3>
      {children}
    </section>
  );
}

function Facts({ d }: { d: About }) {
  const { t } = useI18n();
  const unreported = <p className="help">{t('data.unreported')}</p>;
  const mb = Math.round(d.limits.maxBytes / (1024 * 1024));
  const mpx = Math.round(d.limits.maxPixels / 1_000_000);
  const singleUser = d.identity?.kind === 'none';
  return (
    <>
      <p className="help">
        {t('data.intro')} {t('data.version', { version: d.version })}
      </p>
      <Section title={t('data.whatStored')}>
        <p>{t('data.resultsStored')}</p>
        <p data-testid="data-images">
          {d.storage.retainImages
            ? t('data.imagesRetained', {
                encrypted: d.storage.imagesEncrypted ? t('data.imagesEncrypted') : '',
              })
            : t('data.imagesNotRetained')}
        </p>
        <p>{t('data.limits', { mb, mpx })}</p>
      </Section>
      <Section title={t('data.where')}>
        <p>
          {d.storage.database === 'postgresql' || d.storage.database === 'postgres'
            ? t('data.postgresql')
            : t('data.sqlite')}
        </p>
        {d.storage.retainImages && (
          <p>
            {/* The store's kind: 'filesystem' or 's3', with '+aes-256-gcm' when encrypted. */}
            {d.storage.blobs.startsWith('s3') ? t('data.s3Storage') : t('data.localFiles')}
          </p>
        )}
      </Section>
      <Section title={t('data.howLong')}>
        {d.retention ? (
          <ul data-testid="data-retention">
            <li>{t('data.keepAnalyses', { period: t('admin.forever') })}</li>
            <li>
              {!d.storage.retainImages
                ? t('data.keepImages', { period: t('admin.notRetained') })
                : d.retention.imagesDays === 0
                  ? t('data.keepImages', { period: t('admin.forever') })
                  : t('data.keepImagesDays', { period: t('admin.days', { count: d.retention.imagesDays }) })}
            </li>
            <li>{t('data.keepAudit', { period: t('admin.forever') })}</li>
          </ul>
        ) : (
          unreported
        )}
      </Section>
      <Section title={t('data.whoSees')}>
        {!d.identity ? (
          unreported
        ) : singleUser ? (
          <p>{t('data.singleUserAccess')}</p>
        ) : (
          <>
            <p>{t('data.rolesIntro')}</p>
            <ul>
              {(['viewer', 'analyst', 'reviewer', 'admin'] as const)
                .filter((r) => !d.roles || d.roles.includes(r))
                .map((r) => (
                  <li key={r}>{t(`data.role.${r}`)}</li>
                ))}
            </ul>
          </>
        )}
      </Section>
      <Section title={t('data.network')}>
        {d.network ? (
          <p>
            {d.network.loopbackOnly
              ? t('data.loopback', { host: d.network.host })
              : t('data.networkHost', { host: d.network.host })}
          </p>
        ) : (
          unreported
        )}
      </Section>
      <Section title={t('data.signIn')}>
        {!d.identity ? (
          unreported
        ) : (
          <p>
            {d.identity.kind === 'oidc'
              ? t('data.identityOidc')
              : d.identity.kind === 'local'
                ? t('data.identityLocal')
                : t('data.identityNone')}
          </p>
        )}
      </Section>
      <Section title={t('data.audit')}>
        {d.audit ? <p>{d.audit.enabled ? t('data.auditOn') : t('data.auditOff')}</p> : unreported}
      </Section>
      <Section title={t('data.whichModel')}>
        <ul>
          {d.engines.map((e) => {
            const models = (d.models ?? []).filter((m) => m.engine === e);
            return (
              <li key={e}>
                {t('data.engineLine', { engine: e })}
                {e === d.defaultEngine && <> ({t('models.default')})</>}
                {models.map((m) => (
                  <span key={m.sha256}>
                    {' '}
                    {t('data.modelSuffix', { name: m.name, version: m.version, sha: m.sha256.slice(0, 12) })}
                  </span>
                ))}
              </li>
            );
          })}
        </ul>
        <p>{t('data.provenance')}</p>
      </Section>
    </>
  );
}
