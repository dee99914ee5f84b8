/**
 * A specimen's fields pooled into one finding, differential and counts. The server's pooled summary
 * (GET /specimens/{id}) is used when it offers one, with specimen sign-off and report downloads;
 * otherwise the shared summarise() pools the fields' detections here.
 */
import { useMemo, useState } from 'react';
import { summarise } from '../../../../src/analysis/summarise.js';
import { currentDetections } from '../../api/analyses';
import { hasRole } from '../../api/server';
import { getSpecimen, signOffSpecimen, type SpecimenSummary as ServerSummary } from '../../api/specimens';
import { useServer } from '../../app/server-context';
import { useResource } from '../../app/use-resource';
import { Disclaimer } from '../../components/disclaimer';
import { ErrorMessage } from '../../components/error-message';
import { ExportLinks } from '../../components/export-links';
import { formatDateTime, localised, useI18n } from '../../i18n/i18n';
import { Link } from '../../app/router';
import { CountsTable, DifferentialPanel, FindingPanel, MorphotypesPanel } from '../result/summary-panels';
import type { FieldEntry } from './specimen-store';

type Summary = ServerSummary['pooled'];

function Pooled({ summary }: { summary: Summary }) {
  const rows = Object.entries(summary.counts)
    .map(([label, count]) => ({ label, count, shown: count }))
    .sort((a, b) => b.count - a.count);
  return (
    <div className="summary-grid">
      <FindingPanel summary={summary} />
      <DifferentialPanel summary={summary} />
      <CountsTable rows={rows} hidden={new Set()} />
      <MorphotypesPanel summary={summary} />
    </div>
  );
}

export function SpecimenSummary({ specimen, fields }: { specimen: string; fields: FieldEntry[] }) {
  const { t } = useI18n();
  const { capabilities } = useServer();
  const fromServer = capabilities?.has('get', '/specimens/{id}') ?? false;
  return (
    <article className="specimen-summary" data-testid="specimen-summary">
      <h2>
        {t('analyze.specimenSummary', { count: fields.length })}: {specimen}
      </h2>
      <p className="help">{t('analyze.pooledNote')}</p>
      <Disclaimer />
      {fromServer ? <ServerPooled specimen={specimen} fields={fields} /> : <LocalPooled fields={fields} />}
    </article>
  );
}

function LocalPooled({ fields }: { fields: FieldEntry[] }) {
  const summary = useMemo(
    () => summarise(fields.flatMap((f) => (f.result ? currentDetections(f.result) : []))),
    [fields],
  );
  return <Pooled summary={summary} />;
}

export function ServerPooled({
  specimen,
  fields,
  showFields = false,
}: {
  specimen: string;
  fields: FieldEntry[];
  /** List the specimen's fields with links (on the specimen page, where no upload list is beside it). */
  showFields?: boolean;
}) {
  const { t, lng } = useI18n();
  const { me, capabilities } = useServer();
  // Re-read when a field finishes or a review changes one.
  const revision = fields
    .map((f) => `${f.result?.id}:${JSON.stringify(f.result?.review ?? null).length}`)
    .join();
  const resource = useResource((s) => getSpecimen(specimen, s), [specimen, revision]);
  const [confirming, setConfirming] = useState(false);
  const [error, setError] = useState<unknown>(null);
  if (resource.error) return <ErrorMessage error={resource.error} onRetry={resource.reload} />;
  const data = resource.data;
  if (!data) return <p role="status">{t('app.loading')}</p>;
  const { specimen: sp } = data;
  const canSignOff =
    sp.status !== 'final' &&
    (capabilities?.has('put', '/specimens/{id}/review') ?? false) &&
    (!me || (hasRole(me, 'reviewer') && me.secondFactor));

  const signOff = async () => {
    setError(null);
    try {
      await signOffSpecimen(sp.id, sp.version);
      setConfirming(false);
      resource.reload();
    } catch (err) {
      setError(err);
    }
  };

  return (
    <>
      <p
        className={`review-status status-${sp.status === 'final' ? 'signed-off' : 'preliminary'}`}
        data-testid="specimen-status"
      >
        {sp.status === 'final' && sp.signOff
          ? t('result.review.statusSignedOff', {
              by: sp.signOff.by.name,
              at: formatDateTime(sp.signOff.at, lng),
            })
          : t('result.review.statusPreliminary')}
      </p>
      {data.excluded.length > 0 && (
        <p className="warning">{t('analyze.excluded', { count: data.excluded.length })}</p>
      )}
      <Pooled summary={data.pooled} />
      {showFields && (
        <section className="panel" aria-labelledby="specimen-fields-h">
          <h3 id="specimen-fields-h">{t('analyze.filesTitle')}</h3>
          <table className="table" data-testid="specimen-fields">
            <thead>
              <tr>
                <th scope="col">{t('history.when')}</th>
                <th scope="col">{t('history.finding')}</th>
                <th scope="col" className="num">
                  {t('history.detections')}
                </th>
                <th scope="col">{t('history.status')}</th>
                <th scope="col">
                  <span className="visually-hidden">{t('history.open')}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {data.fields.map((f) => (
                <tr key={f.analysisId}>
                  <td>{formatDateTime(f.createdAt, lng)}</td>
                  <td>{localised(f.finding, lng)}</td>
                  <td className="num">{f.detections}</td>
                  <td>
                    <span className={`badge ${f.status === 'final' ? 'signed-off' : ''}`}>
                      {f.status === 'final' ? t('history.statusSignedOff') : t('history.statusPreliminary')}
                    </span>
                  </td>
                  <td>
                    <Link to={`/analyses/${encodeURIComponent(f.analysisId)}`}>{t('history.open')}</Link>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}
      {sp.status !== 'final' && (
        <div className="row-buttons">
          {confirming ? (
            <>
              <span className="confirm-text">{t('analyze.confirmSpecimenSignOff')}</span>
              <button type="button" className="primary" onClick={() => void signOff()}>
                {t('analyze.signOffSpecimen')}
              </button>
              <button type="button" onClick={() => setConfirming(false)}>
                {t('common.cancel')}
              </button>
            </>
          ) : (
            <button
              type="button"
              className="primary"
              disabled={!canSignOff}
              onClick={() => setConfirming(true)}
            >
              {t('analyze.signOffSpecimen')}
            </button>
          )}
        </div>
      )}
      {error !== null && <ErrorMessage error={error} />}
      <ExportLinks kind="specimens" id={sp.id} />
    </>
  );
}
