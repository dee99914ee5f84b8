/**
 * A reviewer's corrections to one field: validate the corrected boxes against the image, work out
 * what changed relative to the engine's output, and summarise the corrected detections.
 */
import type { AnalysisResult, Summary } from '../domain/analysis-result.js';
import type { CorrectedDetection, ReviewChanges, ReviewedDetection } from '../domain/specimen.js';
import { iou } from '../domain/geometry.js';
import { LABELS, MORPHOTYPES, isLabelKey, isMorphotypeKey } from '../domain/taxonomy.js';
import { AppError } from '../errors.js';
import { summarise } from './summarise.js';

/** A box counts as moved when any edge shifts by more than this many pixels. */
const MOVE_TOLERANCE_PX = 0.5;
/** A corrected box without `from` is taken as the engine detection it overlaps at least this much. */
const MATCH_MIN_IOU = 0.3;

/**
 * Fills in `from` for entries that omit it: each is matched to the unused engine detection it
 * overlaps most (IoU ≥ 0.3), exact matches first; entries that match nothing count as added.
 */
function inferOrigins(result: AnalysisResult, corrected: readonly CorrectedDetection[]): (number | null)[] {
  const origins: (number | null)[] = corrected.map((c) => (c.from === undefined ? null : c.from));
  const taken = new Set(origins.filter((o): o is number => o !== null));
  const candidates: { i: number; j: number; overlap: number }[] = [];
  corrected.forEach((c, i) => {
    if (c.from !== undefined) return;
    result.detections.forEach((d, j) => {
      const overlap = iou(c.box, d.box);
      if (overlap >= MATCH_MIN_IOU) candidates.push({ i, j, overlap });
    });
  });
  candidates.sort((a, b) => b.overlap - a.overlap || a.i - b.i);
  const matched = new Set<number>();
  for (const { i, j } of candidates) {
    if (matched.has(i) || taken.has(j)) continue;
    origins[i] = j;
    matched.add(i);
    taken.add(j);
  }
  return origins;
}

export interface AppliedCorrections {
  detections: ReviewedDetection[];
  changes: ReviewChanges;
  summary: Summary;
}

/** The engine's detections as a revision-0 list (each its own origin). */
export function originalAsReviewed(result: AnalysisResult): ReviewedDetection[] {
  return result.detections.map((d, i) => ({ ...d, from: i }));
}

/** Nothing changed yet: every engine detection kept. */
export function unchanged(result: AnalysisResult): ReviewChanges {
  return { kept: result.detections.length, moved: 0, relabelled: 0, deleted: 0, added: 0 };
}

/**
 * Applies a full corrected list to a field. Each entry either names the engine detection it
 * corrects (`from`) or is a box the reviewer added; engine detections no entry names are deleted.
 * Throws ERR_VALIDATION naming the first bad entry.
 *
 * @example
 * applyCorrections(result, [{ box: [10, 10, 20, 20], label: 's_aureus', from: 0 }]);
 * // { detections: [...], changes: { kept: 1, moved: 0, relabelled: 0, deleted: n - 1, added: 0 }, summary }
 */
export function applyCorrections(
  result: AnalysisResult,
  corrected: readonly CorrectedDetection[],
): AppliedCorrections {
  const { width, height } = result.image;
  const used = new Set<number>();
  const changes: ReviewChanges = { kept: 0, moved: 0, relabelled: 0, deleted: 0, added: 0 };
  if (corrected.length * Math.max(1, result.detections.length) > 50_000_000)
    throw new AppError('ERR_VALIDATION', 'Too many detections to match; send `from` with each one');
  const origins = inferOrigins(result, corrected);
  const detections = corrected.map((c, i): ReviewedDetection => {
    const where = `detections[${i}]`;
    const [x1, y1, x2, y2] = c.box;
    if (![x1, y1, x2, y2].every(Number.isFinite) || !(x1 < x2 && y1 < y2))
      throw new AppError('ERR_VALIDATION', `${where}.box must be [x1, y1, x2, y2] with x1 < x2 and y1 < y2`);
    if (x1 < 0 || y1 < 0 || x2 > width || y2 > height)
      throw new AppError('ERR_VALIDATION', `${where}.box lies outside the ${width}x${height} image`);
    if (!isLabelKey(c.label)) throw new AppError('ERR_VALIDATION', `${where}.label is not a known label`);
    if (c.morphotype !== undefined && c.morphotype !== null && !isMorphotypeKey(c.morphotype))
      throw new AppError('ERR_VALIDATION', `${where}.morphotype is not a known morphotype`);
    const label = LABELS[c.label];
    const morphotype = c.morphotype === undefined ? label.morphotype : c.morphotype;
    const gram = morphotype ? MORPHOTYPES[morphotype].gram : label.gram;
    const box: [number, number, number, number] = [x1, y1, x2, y2].map((v) => Math.round(v * 10) / 10) as [
      number,
      number,
      number,
      number,
    ];
    const from = origins[i] ?? null;
    if (from === null) {
      changes.added += 1;
      // A reviewer's box is an assertion, not a guess: full score, no engine explanation.
      return { box, label: c.label, score: 1, morphotype, gram, from: null };
    }
    const source = result.detections[from];
    if (!source) throw new AppError('ERR_VALIDATION', `${where}.from names no engine detection`);
    if (used.has(from)) throw new AppError('ERR_VALIDATION', `${where}.from repeats detection ${from}`);
    used.add(from);
    const moved = source.box.some((v, k) => Math.abs(v - box[k]) > MOVE_TOLERANCE_PX);
    const relabelled = source.label !== c.label || source.morphotype !== morphotype;
    if (moved) changes.moved += 1;
    if (relabelled) changes.relabelled += 1;
    if (!moved && !relabelled) {
      changes.kept += 1;
      return { ...source, from };
    }
    return {
      box,
      label: c.label,
      score: relabelled ? 1 : source.score,
      morphotype,
      gram,
      ...(source.explanation && !relabelled ? { explanation: source.explanation } : {}),
      from,
    };
  });
  changes.deleted = result.detections.length - used.size;
  // The reviewer has looked at the field, so it is assessed whatever the engine concluded.
  const summary = summarise(detections);
  return { detections, changes, summary };
}
