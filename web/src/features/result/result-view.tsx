/**
 * One analysed field: the image with its boxes (zoom, pan, per-label toggles, score slider), the
 * finding, differential, counts, engine and model card, and the review step.
 */
import { useMemo, useState, type ReactNode } from 'react';
import {
  currentDetections,
  currentSummary,
  reviewOf,
  type AnalysisResult,
  type ReviewedDetection,
} from '../../api/analyses';
import { Disclaimer } from '../../components/disclaimer';
import { ExportLinks } from '../../components/export-links';
import { formatDateTime, formatScore, useI18n } from '../../i18n/i18n';
import { EngineCard } from './engine-card';
import { FieldViewer, type ViewerBox } from './field-viewer';
import { ReviewPanel, useReviewEditor, useReviewGate } from './review';
import {
  CountsTable,
  DifferentialPanel,
  FindingPanel,
  MorphotypesPanel,
  type LabelRow,
} from './summary-panels';

interface Props {
  result: AnalysisResult;
  /** The field's pixels, or null when the server did not keep them. */
  imageUrl: string | null;
  onUpdated?: (result: AnalysisResult) => void;
}

export function ResultView({ result, imageUrl, onUpdated }: Props) {
  const [reviewing, setReviewing] = useState(false);
  // Remount the editor (fresh working copy) per result and per review session.
  return reviewing ? (
    <ReviewingResult
      key={`${result.id}-review`}
      result={result}
      imageUrl={imageUrl}
      onClose={() => setReviewing(false)}
      onUpdated={(r, done) => {
        onUpdated?.(r);
        if (done) setReviewing(false);
      }}
    />
  ) : (
    <ResultLayout key={result.id} result={result} imageUrl={imageUrl} onReview={() => setReviewing(true)} />
  );
}

function ReviewingResult({
  result,
  imageUrl,
  onClose,
  onUpdated,
}: {
  result: AnalysisResult;
  imageUrl: string | null;
  onClose: () => void;
  onUpdated: (r: AnalysisResult, signedOff: boolean) => void;
}) {
  const editor = useReviewEditor(currentDetections(result));
  return (
    <ResultLayout
      result={result}
      imageUrl={imageUrl}
      detections={editor.detections}
      editing={editor.editing}
      review={<ReviewPanel result={result} editor={editor} onSaved={onUpdated} onClose={onClose} />}
    />
  );
}

function ResultLayout({
  result,
  imageUrl,
  detections: editedDetections,
  editing,
  review,
  onReview,
}: {
  result: AnalysisResult;
  imageUrl: string | null;
  /** The reviewer's working copy while editing; otherwise the result's current detections. */
  detections?: ReviewedDetection[];
  editing?: Parameters<typeof FieldViewer>[0]['editing'];
  review?: ReactNode;
  onReview?: () => void;
}) {
  const { t, lng } = useI18n();
  const [minScore, setMinScore] = useState(0);
  const [hidden, setHidden] = useState<ReadonlySet<string>>(new Set());
  const [captions, setCaptions] = useState(true);
  const [imageFailed, setImageFailed] = useState(false);
  const gate = useReviewGate(result);
  const state = reviewOf(result);
  const stored = useMemo(() => currentDetections(result), [result]);
  const detections = editedDetections ?? stored;
  const summary = currentSummary(result);

  const boxes: ViewerBox[] = useMemo(
    () =>
      detections.flatMap((d, index) =>
        d.score >= minScore && !hidden.has(d.label)
          ? [{ index, box: d.box, label: d.label, score: d.score }]
          : [],
      ),
    [detections, minScore, hidden],
  );

  const rows: LabelRow[] = useMemo(() => {
    const counts = new Map<string, { count: number; shown: number }>();
    for (const d of detections) {
      const c = counts.get(d.label) ?? { count: 0, shown: 0 };
      c.count += 1;
      if (d.score >= minScore) c.shown += 1;
      counts.set(d.label, c);
    }
    return [...counts.entries()]
      .map(([label, c]) => ({ label, count: c.count, shown: hidden.has(label) ? 0 : c.shown }))
      .sort((a, b) => b.count - a.count || a.label.localeCompare(b.label));
  }, [detections, minScore, hidden]);

  const toggle = (label: string) =>
    setHidden((h) => {
      const next = new Set(h);
      if (next.has(label)) next.delete(label);
      else next.add(label);
      return next;
    });

  const shownUrl = imageFailed ? null : imageUrl;

  return (
    <article className="result" data-testid="result" data-analysis-id={result.id}>
      <div className="result-main">
        <FieldViewer
          width={result.image.width}
          height={result.image.height}
          imageUrl={shownUrl}
          boxes={boxes}
          captions={captions}
          editing={editing}
          onImageError={() => setImageFailed(true)}
        />
        <p className="viewer-note" role="status">
          {t('result.detectionsShown', { shown: boxes.length, total: detections.length })}
          {!shownUrl && (
            <>
              {' — '}
              <span data-testid="image-note">
                {imageFailed
                  ? t('result.imageUnavailable')
                  : result.storedImage?.status === 'purged' && result.storedImage.purgedAt
                    ? t('result.imagePurged', { date: formatDateTime(result.storedImage.purgedAt, lng) })
                    : t('result.imageNotRetained')}
              </span>
            </>
          )}
        </p>
      </div>
      <aside className="result-side" aria-label={t('result.title')}>
        <Disclaimer />
        <p className={`review-status status-${state.status}`} data-testid="review-status">
          {state.status === 'signed-off'
            ? t('result.review.statusSignedOff', {
                by: state.reviewer ?? '—',
                at: state.signedOffAt ? formatDateTime(state.signedOffAt, lng) : '—',
              })
            : state.status === 'corrected'
              ? t('result.review.statusCorrected')
              : t('result.review.statusPreliminary')}
        </p>
        {state.changes && state.revision > 0 && (
          <p className="help" data-testid="review-changes">
            {t('result.review.changes', {
              revision: state.revision,
              ...state.changes,
              engine: result.detections.length,
            })}
          </p>
        )}
        <FindingPanel summary={summary} />
        <DifferentialPanel summary={summary} />
        {review}
        <section className="panel filters" aria-labelledby="filters-h">
          <h3 id="filters-h" className="visually-hidden">
            {t('result.labels')}
          </h3>
          <label htmlFor="min-score">{t('result.minScore', { value: formatScore(minScore) })}</label>
          <input
            id="min-score"
            type="range"
            min={0}
            max={1}
            step={0.05}
            value={minScore}
            onChange={(e) => setMinScore(Number(e.target.value))}
          />
          <label className="check">
            <input type="checkbox" checked={captions} onChange={(e) => setCaptions(e.target.checked)} />
            {t('result.showBoxText')}
          </label>
        </section>
        <CountsTable
          rows={rows}
          hidden={hidden}
          onToggle={toggle}
          onAll={(show) => setHidden(show ? new Set() : new Set(rows.map((r) => r.label)))}
        />
        <MorphotypesPanel summary={summary} />
        {onReview && (
          <section className="panel">
            {gate.allowed ? (
              <button type="button" className="primary" onClick={onReview} data-testid="start-review">
                {t('review.start')}
              </button>
            ) : (
              <>
                <button type="button" disabled aria-describedby="review-why">
                  {t('review.start')}
                </button>
                <p id="review-why" className="help">
                  {t(`review.${gate.reason}`)}
                </p>
              </>
            )}
          </section>
        )}
        <ExportLinks kind="analyses" id={result.id} original={result.storedImage?.status === 'retained'} />
        <EngineCard result={result} />
      </aside>
    </article>
  );
}
