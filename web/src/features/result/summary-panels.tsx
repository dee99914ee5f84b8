/** The parts of a result's side panel: finding, Gram counts, counts by label, morphotypes, differential. */
import type { AnalysisResult } from '../../api/analyses';
import { formatPercent, formatScore, labelName, localised, morphotypeName, useI18n } from '../../i18n/i18n';
import { labelColor } from './label-colors';

type Summary = AnalysisResult['summary'];

export function FindingPanel({ summary }: { summary: Summary }) {
  const { t, lng } = useI18n();
  return (
    <section className="panel finding" aria-labelledby="finding-h">
      <h3 id="finding-h">{t('result.finding')}</h3>
      <p className="finding-text" data-testid="finding">
        {localised(summary.finding, lng)}
      </p>
      {!summary.assessable && <p className="warning">{t('result.notAssessable')}</p>}
      <p className="gram-counts" data-testid="gram-counts">
        <span className="gram-pos">
          {t('result.gramPositive')}: <strong>{summary.gram.positive}</strong>
        </span>
        <span className="gram-neg">
          {t('result.gramNegative')}: <strong>{summary.gram.negative}</strong>
        </span>
      </p>
    </section>
  );
}

export interface LabelRow {
  label: string;
  count: number;
  shown: number;
}

export function CountsTable({
  rows,
  hidden,
  onToggle,
  onAll,
}: {
  rows: readonly LabelRow[];
  hidden: ReadonlySet<string>;
  onToggle?: (label: string) => void;
  onAll?: (show: boolean) => void;
}) {
  const { t, lng } = useI18n();
  return (
    <section className="panel" aria-labelledby="counts-h">
      <h3 id="counts-h">{t('result.counts')}</h3>
      {onAll && (
        <div className="row-buttons">
          <button type="button" className="small" onClick={() => onAll(true)}>
            {t('result.toggleAll')}
          </button>
          <button type="button" className="small" onClick={() => onAll(false)}>
            {t('result.toggleNone')}
          </button>
        </div>
      )}
      <table className="counts" data-testid="counts">
        <thead>
          <tr>
            {onToggle && <th scope="col">{t('result.labels')}</th>}
            <th scope="col">{t('result.label')}</th>
            <th scope="col" className="num">
              {t('result.count')}
            </th>
            {onToggle && (
              <th scope="col" className="num">
                {t('result.shown')}
              </th>
            )}
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => {
            const name = labelName(r.label, lng);
            return (
              <tr key={r.label} data-label={r.label}>
                {onToggle && (
                  <td>
                    <input
                      type="checkbox"
                      id={`toggle-${r.label}`}
                      checked={!hidden.has(r.label)}
                      onChange={() => onToggle(r.label)}
                      aria-label={`${t('result.labels')}: ${name}`}
                    />
                  </td>
                )}
                <th scope="row">
                  <span className="swatch" style={{ background: labelColor(r.label) }} aria-hidden="true" />
                  {onToggle ? <label htmlFor={`toggle-${r.label}`}>{name}</label> : name}
                </th>
                <td className="num">{r.count}</td>
                {onToggle && <td className="num">{r.shown}</td>}
              </tr>
            );
          })}
        </tbody>
      </table>
    </section>
  );
}

export function MorphotypesPanel({ summary }: { summary: Summary }) {
  const { t, lng } = useI18n();
  if (summary.morphotypes.length === 0) return null;
  return (
    <section className="panel" aria-labelledby="morph-h">
      <h3 id="morph-h">{t('result.morphotypes')}</h3>
      <table className="counts">
        <thead>
          <tr>
            <th scope="col">{t('result.morphotypes')}</th>
            <th scope="col" className="num">
              {t('result.count')}
            </th>
            <th scope="col" className="num">
              {t('result.share')}
            </th>
          </tr>
        </thead>
        <tbody>
          {summary.morphotypes.map((m) => (
            <tr key={m.morphotype}>
              <th scope="row">{morphotypeName(m.morphotype, lng)}</th>
              <td className="num">{m.count}</td>
              <td className="num">{formatPercent(m.share)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

export function DifferentialPanel({ summary }: { summary: Summary }) {
  const { t, lng } = useI18n();
  return (
    <section className="panel" aria-labelledby="diff-h">
      <h3 id="diff-h">{t('result.differential')}</h3>
      <p className="help">{t('result.differentialHelp')}</p>
      {summary.differential.length === 0 ? (
        <p>{t('result.noDifferential')}</p>
      ) : (
        <ol className="differential" data-testid="differential">
          {summary.differential.map((d) => (
            <li key={d.label} data-label={d.label} title={d.evidence}>
              <span className="diff-name">
                <span className="swatch" style={{ background: labelColor(d.label) }} aria-hidden="true" />
                {labelName(d.label, lng)}
              </span>
              <span className="diff-bar" aria-hidden="true">
                <span style={{ width: `${Math.round(d.score * 100)}%` }} />
              </span>
              <span className="diff-score">{formatScore(d.score)}</span>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
