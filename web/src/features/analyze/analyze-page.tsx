/** Analyze: add fields (drop, pick, paste, sample), watch each one's progress, read each result. */
import { useState } from 'react';
import { listProfiles } from '../../api/admin';
import { useServer } from '../../app/server-context';
import { useResource } from '../../app/use-resource';
import { Disclaimer } from '../../components/disclaimer';
import { useErrorText } from '../../components/error-message';
import { useI18n } from '../../i18n/i18n';
import { ResultView } from '../result/result-view';
import { DropZone } from './drop-zone';
import { Samples } from './samples';
import { SpecimenSummary } from './specimen-summary';
import { useSpecimen, type FieldEntry } from './specimen-store';

const SUMMARY = 'specimen-summary';

export default function AnalyzePage() {
  const { t } = useI18n();
  const store = useSpecimen();
  const { engines } = useServer();
  const profiles = useResource((signal) => listProfiles(signal), []);
  const [rejected, setRejected] = useState<string[]>([]);
  const done = store.fields.filter((f) => f.result);
  const selected = store.fields.find((f) => f.key === store.selected);

  return (
    <div className="analyze">
      <section className="analyze-side" aria-labelledby="analyze-h">
        {/* elementtiming lets scripts/measure-web.ts time the first meaningful paint. */}
        <h2 id="analyze-h" {...{ elementtiming: 'first-screen' }}>
          {t('analyze.title')}
        </h2>
        {store.fields.length === 0 && <p className="help">{t('analyze.intro')}</p>}
        <DropZone
          compact={store.fields.length > 0}
          onFiles={(files, bad) => {
            setRejected(bad);
            store.addFiles(files);
          }}
        />
        {rejected.length > 0 && (
          <p className="error" role="alert">
            {rejected.map((name) => t('analyze.notAnImage', { name })).join(' ')}
          </p>
        )}
        <div className="form-grid">
          <label htmlFor="specimen-id">{t('analyze.specimen')}</label>
          <input
            id="specimen-id"
            value={store.specimen}
            onChange={(e) => store.setSpecimen(e.target.value)}
            readOnly={store.locked}
            aria-describedby="specimen-help"
            maxLength={128}
            autoComplete="off"
          />
          <small id="specimen-help" className="help">
            {t('analyze.specimenHelp')}
          </small>
          {engines && engines.engines.length > 1 && (
            <>
              <label htmlFor="engine">{t('analyze.engine')}</label>
              <select
                id="engine"
                value={store.options.engine}
                onChange={(e) => store.setOptions({ ...store.options, engine: e.target.value })}
              >
                <option value="">
                  {t('analyze.engineDefault')}
                  {engines.defaultEngine ? ` (${engines.defaultEngine})` : ''}
                </option>
                {engines.engines.map((e) => (
                  <option key={e.name} value={e.name}>
                    {e.name}
                  </option>
                ))}
              </select>
            </>
          )}
          {profiles.data && profiles.data.length > 0 && (
            <>
              <label htmlFor="profile">{t('analyze.profile')}</label>
              <select
                id="profile"
                value={store.options.profile}
                onChange={(e) => store.setOptions({ ...store.options, profile: e.target.value })}
                aria-describedby="profile-help"
              >
                <option value="">{t('analyze.profileDefault')}</option>
                {profiles.data.map((p) => (
                  <option key={p.id} value={p.name}>
                    {p.name} ({p.micronsPerPixel} µm/px)
                  </option>
                ))}
              </select>
              <small id="profile-help" className="help">
                {t('analyze.profileHelp')}
              </small>
            </>
          )}
        </div>
        {store.fields.length > 0 && (
          <FieldList
            fields={store.fields}
            selected={store.selected}
            onSelect={store.select}
            onRetry={store.retry}
            onRemove={store.remove}
            showSummary={done.length >= 2}
          />
        )}
        {store.fields.length > 0 && (
          <button type="button" onClick={store.clear}>
            {t('analyze.clear')}
          </button>
        )}
        <Samples onPick={(f) => store.addFiles([f])} />
      </section>
      <section className="analyze-main" aria-label={t('result.title')}>
        {store.selected === SUMMARY && done.length >= 2 ? (
          <SpecimenSummary specimen={store.specimen} fields={done} />
        ) : selected?.result ? (
          <ResultView
            result={selected.result}
            imageUrl={selected.url}
            onUpdated={(r) => store.setResult(selected.key, r)}
          />
        ) : (
          <div className="empty-result">
            <p>{t('analyze.empty')}</p>
            <Disclaimer />
          </div>
        )}
      </section>
    </div>
  );
}

function FieldList({
  fields,
  selected,
  onSelect,
  onRetry,
  onRemove,
  showSummary,
}: {
  fields: FieldEntry[];
  selected: string | null;
  onSelect: (key: string) => void;
  onRetry: (key: string) => void;
  onRemove: (key: string) => void;
  showSummary: boolean;
}) {
  const { t } = useI18n();
  const errorText = useErrorText();
  return (
    <section aria-labelledby="fields-h">
      <h3 id="fields-h">{t('analyze.filesTitle')}</h3>
      <ul className="field-list" data-testid="field-list">
        {showSummary && (
          <li className={selected === SUMMARY ? 'selected' : ''}>
            <button
              type="button"
              className="field-name"
              aria-pressed={selected === SUMMARY}
              onClick={() => onSelect(SUMMARY)}
              data-testid="specimen-summary-button"
            >
              {t('analyze.specimenSummary', { count: fields.filter((f) => f.result).length })}
            </button>
          </li>
        )}
        {fields.map((f) => (
          <li
            key={f.key}
            className={selected === f.key ? 'selected' : ''}
            data-status={f.status}
            data-testid="field"
          >
            {f.result ? (
              <button
                type="button"
                className="field-name"
                aria-pressed={selected === f.key}
                aria-label={t('analyze.view', { name: f.name })}
                onClick={() => onSelect(f.key)}
              >
                {f.name}
              </button>
            ) : (
              <span className="field-name">{f.name}</span>
            )}
            <FieldStatusLine field={f} />
            {(f.status === 'uploading' || f.status === 'analysing') && (
              <progress
                max={1}
                value={f.status === 'analysing' ? undefined : f.progress}
                aria-label={`${f.name}: ${t(`analyze.status.${f.status}`, { percent: Math.round(f.progress * 100) })}`}
              />
            )}
            {f.status === 'failed' && (
              <p className="error" role="alert">
                {errorText(f.error)}{' '}
                <button type="button" className="link-button" onClick={() => onRetry(f.key)}>
                  {t('common.retry')}
                </button>
              </p>
            )}
            {(f.status === 'failed' || f.status === 'done' || f.status === 'queued') && (
              <button
                type="button"
                className="icon-button"
                onClick={() => onRemove(f.key)}
                aria-label={`${t('common.remove')}: ${f.name}`}
              >
                ×
              </button>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}

function FieldStatusLine({ field }: { field: FieldEntry }) {
  const { t } = useI18n();
  const text =
    field.status === 'done'
      ? t('analyze.status.done', { ms: Math.round(field.result?.timings.totalMs ?? 0) })
      : t(`analyze.status.${field.status}`, { percent: Math.round(field.progress * 100) });
  return (
    <span className={`field-status status-${field.status}`} role="status">
      {text}
    </span>
  );
}
