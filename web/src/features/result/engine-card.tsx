/** Which engine and model produced a result, at what scale, from which source — and when. */
import type { AnalysisResult } from '../../api/analyses';
import { Link } from '../../app/router';
import { formatDateTime, useI18n } from '../../i18n/i18n';

export function EngineCard({ result }: { result: AnalysisResult }) {
  const { t, lng } = useI18n();
  const { engine, image } = result;
  return (
    <section className="panel" aria-labelledby="engine-h">
      <h3 id="engine-h">{t('result.engineCard')}</h3>
      <dl className="facts" data-testid="engine-card">
        <dt>{t('result.engine')}</dt>
        <dd>
          {engine.name} {engine.version}
        </dd>
        <dt>{t('result.model')}</dt>
        <dd>
          {engine.model ? (
            <>
              {engine.model.name} {engine.model.version}
              <br />
              <small>
                {t('result.sha256')} <code>{engine.model.sha256.slice(0, 16)}…</code>
              </small>
              <br />
              {/* The card (training data, intended use, validation) is on the Models screen. */}
              <Link to="/models">{t('result.modelCardLink')}</Link>
            </>
          ) : (
            t('result.modelNone')
          )}
        </dd>
        <dt>{t('result.scale')}</dt>
        <dd data-testid="scale">
          {image.micronsPerPixel !== null
            ? t('result.scaleValue', { value: image.micronsPerPixel.toPrecision(3) })
            : t('result.scaleUnknown')}
          <br />
          <small>
            {t('result.source')}: {t(`result.scaleSource.${image.scaleSource}`)}
          </small>
        </dd>
        {result.profile && (
          <>
            <dt>{t('result.profile')}</dt>
            <dd>{result.profile}</dd>
          </>
        )}
        <dt>{t('result.image')}</dt>
        <dd>
          {t('result.imageSize', { width: image.width, height: image.height })} · {image.format}
        </dd>
        {result.specimen && (
          <>
            <dt>{t('result.specimen')}</dt>
            <dd>{result.specimen}</dd>
          </>
        )}
        <dt>{t('result.created')}</dt>
        <dd>{formatDateTime(result.createdAt, lng)}</dd>
        <dt>{t('result.timings')}</dt>
        <dd>{t('common.ms', { value: Math.round(result.timings.totalMs) })}</dd>
        <dt>{t('result.analysisId')}</dt>
        <dd>
          <code>{result.id}</code>
        </dd>
      </dl>
    </section>
  );
}
