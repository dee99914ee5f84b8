/**
 * Detection metrics as COCO computes them: greedy matching of score-ranked predictions to the
 * best-overlapping unmatched ground truth of the same class, precision made monotone, and average
 * precision as the mean of precision sampled at 101 recall points (0, 0.01, …, 1); mAP@0.5:0.95
 * averages ten IoU thresholds. Unlike COCO there is no cap of 100 detections per image: a
 * Gram-stain field holds hundreds of organisms. Also: precision / recall at a score threshold, a
 * confusion matrix with a background row and column, and Gram / morphotype agreement of matched
 * objects. Pure functions; checked in tests against hand-worked cases and a published example.
 */
import { iou, type Box } from '../../domain/geometry.js';

export interface EvalObject {
  readonly box: Box;
  /** Class at the level being evaluated (label, morphotype or Gram group). */
  readonly cls: string;
  /** Prediction confidence; ground truth has none. */
  readonly score?: number;
  readonly gram?: string | null;
  readonly morphotype?: string | null;
}

export interface EvalImage {
  readonly id: string;
  readonly truth: readonly EvalObject[];
  readonly predictions: readonly EvalObject[];
}

/** 0.5, 0.55, …, 0.95. */
export const COCO_IOU_THRESHOLDS: readonly number[] = Array.from(
  { length: 10 },
  (_, i) => Math.round((0.5 + 0.05 * i) * 100) / 100,
);
/** 0, 0.01, …, 1, computed as numpy.linspace does (i × step), so boundaries fall as in COCO. */
export const RECALL_POINTS: readonly number[] = Array.from({ length: 101 }, (_, i) => i * 0.01);

/**
 * COCO matching within one image and class: predictions in descending score order each take the
 * unmatched ground truth with the highest IoU at or above the threshold. Returns, per prediction
 * (in the given order), the index of its ground truth or -1.
 *
 * @example
 * matchByScore([[0, 0, 10, 10]], [[0, 0, 10, 10], [1, 1, 10, 10]], 0.5); // [0, -1]
 */
export function matchByScore(
  truth: readonly Box[],
  predictions: readonly Box[],
  threshold: number,
): number[] {
  const taken = new Uint8Array(truth.length);
  return predictions.map((p) => {
    let best = -1;
    // COCO: min(t, 1 - 1e-10), and a candidate must reach it; an equal IoU later wins, as in COCO.
    let bestIou = Math.min(threshold, 1 - 1e-10);
    for (let g = 0; g < truth.length; g++) {
      if (taken[g]) continue;
      const v = iou(p, truth[g]);
      if (v < bestIou) continue;
      bestIou = v;
      best = g;
    }
    if (best >= 0) taken[best] = 1;
    return best;
  });
}

export interface PrCurve {
  /** Recall after each prediction, in descending score order. */
  readonly recall: number[];
  /** Precision after each prediction (raw, not yet made monotone). */
  readonly precision: number[];
  readonly scores: number[];
}

/** Average precision by 101-point interpolation over a raw precision–recall sequence. */
export function interpolatedAp(curve: PrCurve): { ap: number; sampled: number[] } {
  const n = curve.precision.length;
  const pr = [...curve.precision];
  for (let i = n - 1; i > 0; i--) if (pr[i] > pr[i - 1]) pr[i - 1] = pr[i];
  const sampled = RECALL_POINTS.map((r) => {
    // numpy.searchsorted(recall, r, side='left'): first index with recall >= r.
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (curve.recall[mid] < r) lo = mid + 1;
      else hi = mid;
    }
    return lo < n ? pr[lo] : 0;
  });
  return { ap: sampled.reduce((s, v) => s + v, 0) / sampled.length, sampled };
}

/**
 * Average precision with every-point interpolation (PASCAL VOC 2010+): the area under the monotone
 * precision envelope. Used to cross-check curves against published VOC-style examples.
 */
export function allPointAp(curve: PrCurve): number {
  const rec = [0, ...curve.recall, 1];
  const pre = [0, ...curve.precision, 0];
  for (let i = pre.length - 2; i >= 0; i--) pre[i] = Math.max(pre[i], pre[i + 1]);
  let ap = 0;
  for (let i = 1; i < rec.length; i++) if (rec[i] !== rec[i - 1]) ap += (rec[i] - rec[i - 1]) * pre[i];
  return ap;
}

/**
 * The precision–recall sequence of one class at one IoU threshold across all images. Predictions
 * are ranked by score with a stable sort (as COCO's mergesort), images in the given order.
 */
export function prCurve(
  images: readonly EvalImage[],
  cls: string,
  threshold: number,
): PrCurve & { positives: number } {
  const hits: { score: number; tp: boolean }[] = [];
  let positives = 0;
  for (const img of images) {
    const truth = img.truth.filter((t) => t.cls === cls).map((t) => t.box);
    positives += truth.length;
    const preds = img.predictions
      .filter((p) => p.cls === cls)
      .map((p, i) => ({ p, i }))
      .sort((a, b) => (b.p.score ?? 0) - (a.p.score ?? 0) || a.i - b.i)
      .map((x) => x.p);
    const match = matchByScore(
      truth,
      preds.map((p) => p.box),
      threshold,
    );
    preds.forEach((p, k) => hits.push({ score: p.score ?? 0, tp: match[k] >= 0 }));
  }
  const order = hits.map((h, i) => ({ h, i })).sort((a, b) => b.h.score - a.h.score || a.i - b.i);
  let tp = 0;
  let fp = 0;
  const recall: number[] = [];
  const precision: number[] = [];
  const scores: number[] = [];
  for (const { h } of order) {
    if (h.tp) tp++;
    else fp++;
    recall.push(positives > 0 ? tp / positives : 0);
    precision.push(tp / (tp + fp + Number.EPSILON));
    scores.push(h.score);
  }
  return { recall, precision, scores, positives };
}

export interface ClassMetrics {
  /** Ground-truth objects of this class. */
  support: number;
  predictions: number;
  /** AP at each COCO IoU threshold (null when the class has no ground truth). */
  ap: (number | null)[];
  ap50: number | null;
  ap50_95: number | null;
  /** At the score threshold and IoU 0.5. */
  precision: number | null;
  recall: number | null;
  f1: number | null;
  tp: number;
  fp: number;
  fn: number;
  /** Monotone precision at the 101 recall points, IoU 0.5, for PR plots. */
  pr50: number[];
}

export interface DetectionMetrics {
  classes: string[];
  map50: number | null;
  map50_95: number | null;
  perClass: Record<string, ClassMetrics>;
}

const mean = (values: readonly number[]): number | null =>
  values.length === 0 ? null : values.reduce((s, v) => s + v, 0) / values.length;

/**
 * mAP@0.5, mAP@0.5:0.95 and per-class figures. Classes are those of the ground truth and the
 * predictions (a prediction class with no ground truth has AP null and counts only as false
 * positives); `scoreThreshold` applies to precision / recall / F1 only, never to AP.
 *
 * @example
 * const m = evaluateDetections(images, { scoreThreshold: 0.25 });
 * m.map50; m.perClass.s_aureus.ap50_95;
 */
export function evaluateDetections(
  images: readonly EvalImage[],
  options: { scoreThreshold?: number; classes?: readonly string[] } = {},
): DetectionMetrics {
  const threshold = options.scoreThreshold ?? 0.25;
  const seen = new Set<string>(options.classes ?? []);
  for (const img of images) {
    for (const t of img.truth) seen.add(t.cls);
    for (const p of img.predictions) seen.add(p.cls);
  }
  const classes = [...seen];
  const perClass: Record<string, ClassMetrics> = {};
  for (const cls of classes) {
    let support = 0;
    let predictions = 0;
    const ap: (number | null)[] = [];
    let pr50: number[] = [];
    for (const t of COCO_IOU_THRESHOLDS) {
      const curve = prCurve(images, cls, t);
      support = curve.positives;
      predictions = curve.scores.length;
      if (curve.positives === 0) {
        ap.push(null);
        continue;
      }
      const { ap: value, sampled } = interpolatedAp(curve);
      ap.push(value);
      if (t === 0.5) pr50 = sampled;
    }
    // Counts at the operating point: predictions at or above the score threshold, IoU 0.5.
    let tp = 0;
    let fp = 0;
    for (const img of images) {
      const truth = img.truth.filter((x) => x.cls === cls).map((x) => x.box);
      const preds = img.predictions
        .filter((p) => p.cls === cls && (p.score ?? 0) >= threshold)
        .sort((a, b) => (b.score ?? 0) - (a.score ?? 0));
      const match = matchByScore(
        truth,
        preds.map((p) => p.box),
        0.5,
      );
      for (const m of match) {
        if (m >= 0) tp++;
        else fp++;
      }
    }
    const fn = support - tp;
    const precision = tp + fp > 0 ? tp / (tp + fp) : null;
    const recall = support > 0 ? tp / support : null;
    const valid = ap.filter((v): v is number => v !== null);
    perClass[cls] = {
      support,
      predictions,
      ap,
      ap50: ap[0],
      ap50_95: mean(valid),
      precision,
      recall,
      f1:
        precision !== null && recall !== null && precision + recall > 0
          ? (2 * precision * recall) / (precision + recall)
          : null,
      tp,
      fp,
      fn,
      pr50,
    };
  }
  const withTruth = classes.filter((c) => perClass[c].support > 0);
  return {
    classes,
    map50: mean(withTruth.map((c) => perClass[c].ap50!)),
    map50_95: mean(withTruth.map((c) => perClass[c].ap50_95!)),
    perClass,
  };
}

export const BACKGROUND = 'background';

export interface MatchedPair {
  truth: EvalObject;
  prediction: EvalObject;
  iou: number;
}

/**
 * Class-agnostic one-to-one matching of one image at an IoU threshold (highest IoU first), as
 * Ultralytics builds its confusion matrix. Predictions below `scoreThreshold` are ignored.
 */
export function matchAnyClass(
  image: EvalImage,
  iouThreshold = 0.5,
  scoreThreshold = 0.25,
): { pairs: MatchedPair[]; missed: EvalObject[]; spurious: EvalObject[] } {
  const preds = image.predictions.filter((p) => (p.score ?? 0) >= scoreThreshold);
  const candidates: { g: number; p: number; v: number }[] = [];
  for (let g = 0; g < image.truth.length; g++)
    for (let p = 0; p < preds.length; p++) {
      const v = iou(image.truth[g].box, preds[p].box);
      if (v >= iouThreshold) candidates.push({ g, p, v });
    }
  candidates.sort((a, b) => b.v - a.v || a.g - b.g || a.p - b.p);
  const gt = new Uint8Array(image.truth.length);
  const pt = new Uint8Array(preds.length);
  const pairs: MatchedPair[] = [];
  for (const c of candidates) {
    if (gt[c.g] || pt[c.p]) continue;
    gt[c.g] = 1;
    pt[c.p] = 1;
    pairs.push({ truth: image.truth[c.g], prediction: preds[c.p], iou: c.v });
  }
  return {
    pairs,
    missed: image.truth.filter((_, i) => !gt[i]),
    spurious: preds.filter((_, i) => !pt[i]),
  };
}

export interface ConfusionMatrix {
  /** Row and column names: the classes, then `background`. */
  labels: string[];
  /** matrix[truth][prediction]; the background row holds false positives, the column misses. */
  matrix: number[][];
}

/** A confusion matrix with background, from class-agnostic matching at IoU 0.5. */
export function confusionMatrix(
  images: readonly EvalImage[],
  classes: readonly string[],
  options: { iouThreshold?: number; scoreThreshold?: number } = {},
): ConfusionMatrix {
  const labels = [...classes];
  const index = new Map(labels.map((c, i) => [c, i]));
  const ensure = (c: string): number => {
    let i = index.get(c);
    if (i === undefined) {
      i = labels.length;
      labels.push(c);
      index.set(c, i);
    }
    return i;
  };
  const cells = new Map<string, number>();
  const bump = (t: string, p: string): void => {
    const key = `${ensure(t)}|${ensure(p)}`;
    cells.set(key, (cells.get(key) ?? 0) + 1);
  };
  for (const img of images) {
    const { pairs, missed, spurious } = matchAnyClass(
      img,
      options.iouThreshold ?? 0.5,
      options.scoreThreshold ?? 0.25,
    );
    for (const p of pairs) bump(p.truth.cls, p.prediction.cls);
    for (const m of missed) bump(m.cls, BACKGROUND);
    for (const s of spurious) bump(BACKGROUND, s.cls);
  }
  // Background last.
  const names = labels.filter((l) => l !== BACKGROUND).concat(BACKGROUND);
  const order = names.map((n) => index.get(n) ?? -1);
  const matrix = order.map((ti) =>
    order.map((pi) => (ti < 0 || pi < 0 ? 0 : (cells.get(`${ti}|${pi}`) ?? 0))),
  );
  return { labels: names, matrix };
}

export interface AttributeAgreement {
  /** Matched organisms whose truth has this attribute. */
  compared: number;
  correct: number;
  accuracy: number | null;
}

/**
 * Gram-call and morphotype agreement of matched organisms (red cells and objects without the
 * attribute are left out), from class-agnostic matching at IoU 0.5.
 */
export function attributeAgreement(
  images: readonly EvalImage[],
  options: { iouThreshold?: number; scoreThreshold?: number } = {},
): { gram: AttributeAgreement; morphotype: AttributeAgreement } {
  const gram = { compared: 0, correct: 0 };
  const morph = { compared: 0, correct: 0 };
  for (const img of images) {
    const { pairs } = matchAnyClass(img, options.iouThreshold ?? 0.5, options.scoreThreshold ?? 0.25);
    for (const { truth, prediction } of pairs) {
      if (truth.morphotype === 'rbc') continue;
      if (truth.gram === 'positive' || truth.gram === 'negative') {
        gram.compared++;
        if (prediction.gram === truth.gram) gram.correct++;
      }
      if (truth.morphotype) {
        morph.compared++;
        if (prediction.morphotype === truth.morphotype) morph.correct++;
      }
    }
  }
  const finish = (a: { compared: number; correct: number }): AttributeAgreement => ({
    ...a,
    accuracy: a.compared > 0 ? a.correct / a.compared : null,
  });
  return { gram: finish(gram), morphotype: finish(morph) };
}
