/** Models and engines: what can analyse a field here, each model's card, and activation for admins. */
import { useState, type FormEvent, type ReactNode } from 'react';
import {
  activateModel,
  deactivateModel,
  listModels,
  rollbackModel,
  uploadModel,
  type ModelInfo,
} from '../../api/admin';
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
      <UploadForm onAdded={models.reload} />
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

/** Admins add a model from here: the browser sends the file with its sha256 and the card fields. */
function UploadForm({ onAdded }: { onAdded: () => void }) {
  const { t } = useI18n();
  const { me, capabilities } = useServer();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [added, setAdded] = useState<string | null>(null);
  if (!(capabilities?.has('post', '/models') ?? false) || !hasRole(me, 'admin')) return null;
  const submit = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const data = new FormData(e.currentTarget);
    const file = data.get('model');
    if (!(file instanceof File) || file.size === 0) return;
    const labels = data.get('labels');
    const text = (name: string): string => {
      const value = data.get(name);
      return typeof value === 'string' ? value.trim() : '';
    };
    setBusy(true);
    setError(null);
    setAdded(null);
    try {
      const model = await uploadModel(
        {
          file,
          engine: text('engine') || 'onnx-detector',
          name: text('name'),
          version: text('version'),
          labels: labels instanceof File && labels.size > 0 ? labels : undefined,
          activate: data.get('activate') === 'on',
        },
        () => undefined,
      );
      setAdded(model.id);
      onAdded();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <details className="card model-upload">
      <summary>{t('models.upload')}</summary>
      <form className="model-upload-form" onSubmit={(e) => void submit(e)}>
        <label>
          {t('models.file')}
          <input type="file" name="model" accept=".onnx" required />
        </label>
        <label>
          {t('models.engine')}
          <select name="engine" defaultValue="onnx-detector">
            <option value="onnx-detector">onnx-detector</option>
            <option value="onnx-crop-classifier">onnx-crop-classifier</option>
          </select>
        </label>
        <label>
          {t('models.name')}
          <input type="text" name="name" required maxLength={200} />
        </label>
        <label>
          {t('models.version')}
          <input type="text" name="version" maxLength={64} />
        </label>
        <label>
          {t('models.labelsFile')}
          <input type="file" name="labels" accept=".txt,.yaml,.yml,.json" />
        </label>
        <label>
          <input type="checkbox" name="activate" /> {t('models.activateNow')}
        </label>
        <button type="submit" disabled={busy}>
          {busy ? t('models.uploading') : t('models.upload')}
        </button>
      </form>
      {error !== null && <ErrorMessage error={error} />}
      {added && (
        <p className="help" role="status">
          {t('models.added', { id: added })}
        </p>
      )}
    </details>
  );
}

function ModelCards({ models, onChanged }: { models: ModelInfo[]; onChanged: () => void }) {
  const { t } = useI18n();
  const { me, capabilities } = useServer();
  const canActivate = capabilities?.has('post', '/models/{id}/activate') ?? false;
  const canDeactivate = capabilities?.has('post', '/models/{id}/deactivate') ?? false;
  const canRollback = capabilities?.has('post', '/models/rollback') ?? false;
  const isAdmin = hasRole(me, 'admin');
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const act = async (key: string, run: () => Promise<unknown>) => {
    setBusy(key);
    setError(null);
    try {
      await run();
      onChanged();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(null);
    }
  };
  const engines = [...new Set(models.map((m) => m.engine))];
  return (
    <>
      {error !== null && <ErrorMessage error={error} />}
      <p className="help">
        {canActivate ? (isAdmin ? '' : t('models.adminOnly')) : t('models.activateByCli')}
      </p>
      {canRollback && isAdmin && (
        <p className="help">
          {t('models.rollbackHelp')}{' '}
          {engines.map((engine) => (
            <button
              key={engine}
              type="button"
              disabled={busy !== null}
              onClick={() => void act(`rollback:${engine}`, () => rollbackModel(engine))}
            >
              {busy === `rollback:${engine}` ? t('models.working') : `${t('models.rollback')}: ${engine}`}
            </button>
          ))}
        </p>
      )}
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
                  onClick={() => void act(m.id, () => activateModel(m.id))}
                >
                  {busy === m.id ? t('models.activating') : t('models.activate')}
                </button>
              ) : m.active && canDeactivate && isAdmin ? (
                <button
                  type="button"
                  disabled={busy !== null}
                  onClick={() => void act(m.id, () => deactivateModel(m.id))}
                >
                  {busy === m.id ? t('models.working') : t('models.deactivate')}
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
