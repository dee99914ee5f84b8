/**
 * Review: a qualified user moves, relabels, deletes and adds boxes, then saves or signs off through
 * PUT /analyses/{id}/review. Who may do it is decided by the server; the screen mirrors it.
 */
import { useCallback, useMemo, useState } from 'react';
import { putReview, reviewOf, type AnalysisResult, type ReviewedDetection } from '../../api/analyses';
import { ApiError } from '../../api/client';
import { hasRole } from '../../api/server';
import { useServer } from '../../app/server-context';
import { ErrorMessage } from '../../components/error-message';
import { formatScore, labelName, useI18n } from '../../i18n/i18n';
import { LABEL_LIST, LABELS, isLabelKey, type LabelKey } from '../../../../src/domain/taxonomy.js';
import type { Box } from '../../../../src/domain/geometry.js';
import type { ViewerEditing } from './field-viewer';

export interface ReviewEditor {
  detections: ReviewedDetection[];
  editing: ViewerEditing;
  selected: number | null;
  changes: number;
  undo: () => void;
  relabel: (index: number, label: LabelKey) => void;
  newLabel: LabelKey;
  setNewLabel: (label: LabelKey) => void;
  setAdding: (adding: boolean) => void;
}

/** A detection for a label, with the label's morphotype and Gram call from the shared taxonomy. */
function withLabel(d: ReviewedDetection, label: LabelKey): ReviewedDetection {
  return { ...d, label, morphotype: LABELS[label].morphotype, gram: LABELS[label].gram };
}

export function useReviewEditor(initial: readonly ReviewedDetection[]): ReviewEditor {
  const [detections, setDetections] = useState<ReviewedDetection[]>(() => initial.map((d) => ({ ...d })));
  const [history, setHistory] = useState<ReviewedDetection[][]>([]);
  const [selected, setSelected] = useState<number | null>(null);
  const [adding, setAdding] = useState(false);
  const [newLabel, setNewLabel] = useState<LabelKey>(() => {
    const first = initial.find((d) => d.label !== 'rbc' && isLabelKey(d.label));
    return first && isLabelKey(first.label) ? first.label : 's_aureus';
  });

  const snapshot = useCallback(() => setHistory((h) => [...h, detections]), [detections]);

  const editing: ViewerEditing = {
    selected,
    adding,
    onSelect: setSelected,
    onBeginChange: snapshot,
    onChange: (index: number, box: Box) =>
      setDetections((ds) => ds.map((d, i) => (i === index ? { ...d, box } : d))),
    onAdd: (box: Box) => {
      // Boxes a reviewer draws carry score 1: they are the reviewer's call, not a model's.
      setDetections([
        ...detections,
        withLabel({ box, label: newLabel, score: 1, morphotype: null, gram: 'n/a', from: null }, newLabel),
      ]);
      setSelected(detections.length);
      setAdding(false);
    },
    onDelete: (index: number) => {
      setDetections((ds) => ds.filter((_, i) => i !== index));
      setSelected(null);
    },
  };

  return {
    detections,
    editing,
    selected,
    changes: history.length,
    undo: () => {
      const prev = history[history.length - 1];
      if (!prev) return;
      setDetections(prev);
      setHistory(history.slice(0, -1));
      setSelected(null);
    },
    relabel: (index, label) => {
      snapshot();
      setDetections((ds) => ds.map((d, i) => (i === index ? withLabel(d, label) : d)));
    },
    newLabel,
    setNewLabel,
    setAdding,
  };
}

export type ReviewGate =
  | { allowed: true }
  | { allowed: false; reason: 'unavailable' | 'notAllowed' | 'needSecondFactor' | 'signedOff' };

/** Whether the current user may review this result, and if not, why (shown to them). */
export function useReviewGate(result: AnalysisResult): ReviewGate {
  const { me, capabilities } = useServer();
  if (reviewOf(result).status === 'signed-off') return { allowed: false, reason: 'signedOff' };
  if (capabilities?.known && !capabilities.has('put', '/analyses/{id}/review'))
    return { allowed: false, reason: 'unavailable' };
  if (me && !hasRole(me, 'reviewer')) return { allowed: false, reason: 'notAllowed' };
  if (me && !me.secondFactor) return { allowed: false, reason: 'needSecondFactor' };
  return { allowed: true };
}

export function ReviewPanel({
  result,
  editor,
  onSaved,
  onClose,
}: {
  result: AnalysisResult;
  editor: ReviewEditor;
  onSaved: (r: AnalysisResult, signedOff: boolean) => void;
  onClose: () => void;
}) {
  const { t, lng } = useI18n();
  const [comment, setComment] = useState('');
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const sel = editor.selected === null ? undefined : editor.detections[editor.selected];
  const labelOptions = useMemo(() => LABEL_LIST.map((l) => ({ key: l.key, name: l[lng] })), [lng]);

  const save = async (signOff: boolean) => {
    setBusy(true);
    setError(null);
    try {
      const state = reviewOf(result);
      const updated = await putReview(result.id, {
        baseRevision: state.revision,
        // Send the list only when it changed, so a plain sign-off does not create an empty revision.
        ...(editor.changes > 0
          ? {
              detections: editor.detections.map((d) => ({
                box: d.box,
                label: d.label,
                morphotype: d.morphotype,
                from: d.from,
              })),
            }
          : {}),
        ...(signOff ? { signOff: true } : {}),
        ...(comment ? { comment } : {}),
      });
      setNotice(signOff ? t('review.signedOffNow') : t('review.saved'));
      setConfirming(false);
      onSaved(updated, signOff);
    } catch (err) {
      setError(err);
      if (err instanceof ApiError && err.unavailable) setNotice(t('review.unavailable'));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="panel review" aria-labelledby="review-h" data-testid="review-panel">
      <h3 id="review-h">{t('review.title')}</h3>
      <p className="help">{t('review.help')}</p>
      <div className="field-row">
        <label htmlFor="new-label">{t('review.newLabel')}</label>
        <select
          id="new-label"
          value={editor.newLabel}
          onChange={(e) => editor.setNewLabel(e.target.value as LabelKey)}
        >
          {labelOptions.map((o) => (
            <option key={o.key} value={o.key}>
              {o.name}
            </option>
          ))}
        </select>
        <button
          type="button"
          aria-pressed={editor.editing.adding}
          onClick={() => editor.setAdding(!editor.editing.adding)}
        >
          {t('review.add')}
        </button>
      </div>
      {editor.editing.adding && <p className="help">{t('review.addHelp')}</p>}
      <fieldset className="selected-box">
        <legend>{t('review.selected')}</legend>
        {sel && editor.selected !== null ? (
          <div className="field-row">
            <label htmlFor="relabel">{t('review.relabel')}</label>
            <select
              id="relabel"
              value={sel.label}
              onChange={(e) => editor.relabel(editor.selected!, e.target.value as LabelKey)}
            >
              {!isLabelKey(sel.label) && <option value={sel.label}>{sel.label}</option>}
              {labelOptions.map((o) => (
                <option key={o.key} value={o.key}>
                  {o.name}
                </option>
              ))}
            </select>
            <button
              type="button"
              onClick={() => {
                editor.editing.onBeginChange();
                editor.editing.onDelete(editor.selected!);
              }}
            >
              {t('review.delete')}
            </button>
          </div>
        ) : (
          <p>{t('review.nothingSelected')}</p>
        )}
      </fieldset>
      <details>
        <summary>
          {t('review.list')} ({editor.detections.length})
        </summary>
        <ul className="box-list">
          {editor.detections.map((d, i) => (
            <li key={i}>
              <button
                type="button"
                className="link-button"
                aria-pressed={editor.selected === i}
                onClick={() => editor.editing.onSelect(i)}
              >
                {t('review.boxItem', {
                  n: i + 1,
                  label: labelName(d.label, lng),
                  score: formatScore(d.score),
                })}
              </button>
            </li>
          ))}
        </ul>
      </details>
      <div className="field-row">
        <button type="button" onClick={editor.undo} disabled={editor.changes === 0}>
          {t('review.undo')}
        </button>
        <span role="status">{editor.changes > 0 ? t('review.changes', { count: editor.changes }) : ''}</span>
      </div>
      <label htmlFor="review-comment">{t('review.comment')}</label>
      <textarea id="review-comment" rows={2} value={comment} onChange={(e) => setComment(e.target.value)} />
      <div className="row-buttons">
        <button type="button" disabled={busy || editor.changes === 0} onClick={() => void save(false)}>
          {t('review.save')}
        </button>
        {confirming ? (
          <>
            <span className="confirm-text">{t('review.confirmSignOff')}</span>
            <button type="button" className="primary" disabled={busy} onClick={() => void save(true)}>
              {t('review.signOff')}
            </button>
            <button type="button" onClick={() => setConfirming(false)}>
              {t('common.cancel')}
            </button>
          </>
        ) : (
          <button type="button" className="primary" disabled={busy} onClick={() => setConfirming(true)}>
            {t('review.signOff')}
          </button>
        )}
        <button type="button" onClick={onClose}>
          {t('review.stop')}
        </button>
      </div>
      {notice && <p role="status">{notice}</p>}
      {error !== null && <ErrorMessage error={error} />}
    </section>
  );
}
