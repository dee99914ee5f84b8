/** Models and engines: what can analyse a field here, each model's card, and activation for admins. */
import { useState } from 'react';
import { activateModel, listModels, type ModelInfo } from '../../api/admin';
import { getEngines, hasRole } from '../../api/server';
import { useServer } from '../../app/server-context';
import { useResource } from '../../app/use-resource';
import { ErrorMessage } from '../../components/error-message';
import { ResourceView } from '../../components/resource-view';
import { formatDateTime, labelName, useI18n } from '../../i18n/i18n';

export default function ModelsPage() {
  const { t } = useI18n();
  const engines = useResource((s) => getEngines(s), []);
  const models = useResource((s) => listModels(s), []);
  return (
    <div className="page" data-testid="models">
      <h2>{t('models.title')}</h2>
      <h3>{t('models.engines')}</h3>
      <ResourceView resource={engines} feature={t('models.engines')}>
        {(list) => (
          <div className="cards">
            {list.engines.map((e) => (
              <div className="card" key={e.name} data-testid="engine">
                <h4>
                  {e.name}{' '}
                  {list.defaultEngine === e.name && <span className="badge">{t('models.default')}</span>}
                </h4>
                {e.description && <p>{e.description}</p>}
                {e.needsModel !== undefined && (
                  <p className="help">{e.needsModel ? t('models.needsModel') : t('models.noWeights')}</p>
                )}
              </div>
            ))}
          </div>
        )}
      </ResourceView>
      <h3 style={{ marginTop: '1rem' }}>{t('models.models')}</h3>
      <ResourceView resource={models} feature={t('models.models')}>
        {(list) =>
          list.length === 0 ? (
            <p>{t('models.noModels')}</p>
          ) : (
            <ModelCards models={list} onChanged={models.reload} />
          )
        }
      </ResourceView>
    </div>
  );
}

function ModelCards({ models, onChanged }: { models: ModelInfo[]; onChanged: () => void }) {
  const { t, lng } = useI18n();
  const { me } = useServer();
  const isAdmin = hasRole(me, 'admin');
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const activate = async (id: string) => {
    setBusy(id);
    setError(null);
    try {
      await activateModel(id);
      onChanged();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(null);
    }
  };
  return (
    <>
      {error !== null && <ErrorMessage error={error} />}
      {!isAdmin && <p className="help">{t('models.adminOnly')}</p>}
      <div className="cards">
        {models.map((m) => (
          <div className="card" key={m.id} data-testid="model">
            <h4>
              {m.name} <small>{m.version}</small>{' '}
              {m.active && <span className="badge signed-off">{t('models.active')}</span>}
            </h4>
            <dl className="facts">
              <dt>{t('models.engine')}</dt>
              <dd>{m.engine}</dd>
              {m.sha256 && (
                <>
                  <dt>SHA-256</dt>
                  <dd>
                    <code>{m.sha256.slice(0, 16)}…</code>
                  </dd>
                </>
              )}
              {m.createdAt && (
                <>
                  <dt>{t('models.uploaded')}</dt>
                  <dd>{formatDateTime(m.createdAt, lng)}</dd>
                </>
              )}
              {m.labels && (
                <>
                  <dt>{t('models.labels')}</dt>
                  <dd>{m.labels.map((l) => labelName(l, lng)).join(', ')}</dd>
                </>
              )}
            </dl>
            {m.card && (
              <details>
                <summary>{t('models.card')}</summary>
                <dl className="facts">
                  {Object.entries(m.card).map(([k, v]) => (
                    <div key={k} style={{ display: 'contents' }}>
                      <dt>{k}</dt>
                      <dd>{typeof v === 'string' ? v : JSON.stringify(v)}</dd>
                    </div>
                  ))}
                </dl>
              </details>
            )}
            {!m.active && (
              <button type="button" disabled={!isAdmin || busy !== null} onClick={() => void activate(m.id)}>
                {busy === m.id ? t('models.activating') : t('models.activate')}
              </button>
            )}
          </div>
        ))}
      </div>
    </>
  );
}
