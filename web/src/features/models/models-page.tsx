/** Models and engines: what can analyse a field here, each model's card, and activation for admins. */
import { useState, type ReactNode } from 'react';
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
  const { t } = useI18n();
  const { me, capabilities } = useServer();
  const canActivate = capabilities?.has('post', '/models/{id}/activate') ?? false;
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
      <p className="help">
        {canActivate ? (isAdmin ? '' : t('models.adminOnly')) : t('models.activateByCli')}
      </p>
      <div className="cards wide">
        {models.map((m) => (
          <ModelCardView
            key={m.id}
            model={m}
            action={
              !m.active && canActivate ? (
                <button
                  type="button"
                  disabled={!isAdmin || busy !== null}
                  onClick={() => void activate(m.id)}
                >
                  {busy === m.id ? t('models.activating') : t('models.activate')}
                </button>
              ) : null
            }
          />
        ))}
      </div>
    </>
  );
}

function ModelCardView({ model: m, action }: { model: ModelInfo; action: ReactNode }) {
  const { t, lng } = useI18n();
  const { card } = m;
  const format =
    card.format.kind === 'detector'
      ? `${card.format.layout} · ${card.format.inputWidth}×${card.format.inputHeight}`
      : `classifier · ${card.format.inputSize}×${card.format.inputSize}`;
  return (
    <div className="card model-card" data-testid="model">
      <h4>
        {m.name} <small>{m.version}</small>{' '}
        {m.active && <span className="badge signed-off">{t('models.active')}</span>}
      </h4>
      {card.description && <p>{card.description}</p>}
      <dl className="facts">
        <dt>{t('models.engine')}</dt>
        <dd>{m.engine}</dd>
        <dt>{t('models.format')}</dt>
        <dd>{format}</dd>
        <dt>{t('models.intendedUse')}</dt>
        <dd>{card.intendedUse || '—'}</dd>
        <dt>{t('models.training')}</dt>
        <dd>
          {card.training.description || '—'}
          {card.training.micronsPerPixel !== null && (
            <> ({t('result.scaleValue', { value: card.training.micronsPerPixel })})</>
          )}
        </dd>
        <dt>{t('models.validation')}</dt>
        <dd>
          {card.validation.description || '—'}
          {Object.keys(card.validation.metrics).length > 0 && (
            <>
              <br />
              {Object.entries(card.validation.metrics)
                .map(([k, v]) => `${k} ${v.toFixed(3)}`)
                .join(' · ')}
            </>
          )}
        </dd>
        <dt>{t('models.labels')}</dt>
        <dd>
          {m.labels.map((l) => labelName(l, lng)).join(', ')}
          {m.unmappedLabels.length > 0 && (
            <>
              <br />
              <span className="warning">{t('models.unmapped', { names: m.unmappedLabels.join(', ') })}</span>
            </>
          )}
        </dd>
        <dt>SHA-256</dt>
        <dd>
          <code>{m.sha256.slice(0, 16)}…</code> ({(card.sizeBytes / 1_000_000).toFixed(1)} MB)
        </dd>
        <dt>{t('models.uploaded')}</dt>
        <dd>
          {formatDateTime(m.createdAt, lng)}
          {card.addedBy ? ` · ${card.addedBy}` : ''}
        </dd>
      </dl>
      {action}
    </div>
  );
}
