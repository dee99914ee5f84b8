/**
 * Ultralytics detector outputs: which layout a model has, and how to turn its raw output into scored,
 * class-aware-suppressed boxes in model-input pixels. Pure functions, run inside the inference worker.
 *
 * Layouts:
 * - `yolov5`: `[batch, anchors, 5 + nc]` rows of (cx, cy, w, h, objectness, class scores…);
 *   confidence = objectness × class score.
 * - `yolov8` (also YOLO11): `[batch, 4 + nc, anchors]` columns of (cx, cy, w, h, class scores…).
 * - `end2end` (YOLOv10, YOLO26 exports): `[batch, k, 6]` rows of (x1, y1, x2, y2, score, class),
 *   already suppressed; recognised only when the metadata says `end2end: True`.
 */
import { AppError } from '../../errors.js';
import { cxcywhToBox, nms, type Box, type Scored } from '../../domain/geometry.js';

export type YoloLayout = 'yolov5' | 'yolov8' | 'end2end';

export interface OutputShape {
  /** Output dims as declared by the model: numbers, or strings for dynamic axes. */
  readonly shape: readonly (number | string | null)[];
}

/**
 * Works out the layout from the declared output shape and, when known, the number of class names.
 * Fixed axes decide; when both are fixed and the class count is unknown, the smaller axis is the
 * per-anchor vector (anchors always outnumber classes in a detector).
 *
 * @example
 * detectYoloLayout([1, 25200, 22], 17); // { layout: 'yolov5', classCount: 17 }
 * detectYoloLayout([1, 21, 8400], 17);  // { layout: 'yolov8', classCount: 17 }
 */
export function detectYoloLayout(
  shape: readonly (number | string | null)[],
  classCount: number | null,
  end2end = false,
): { layout: YoloLayout; classCount: number } {
  const fail = (why: string): never => {
    throw new AppError(
      'ERR_MODEL_LAYOUT',
      `Unsupported detector output [${shape.map((d) => d ?? '?').join(', ')}]: ${why}. ` +
        'Expected a YOLOv5 [1, N, 5+classes], YOLOv8/11 [1, 4+classes, N] or end-to-end [1, N, 6] output',
    );
  };
  if (shape.length !== 3) return fail(`rank ${shape.length}, expected 3`);
  const [batch, a, b] = shape;
  if (typeof batch === 'number' && batch !== 1) return fail('batch size must be 1 or dynamic');
  const fixedA = typeof a === 'number' ? a : null;
  const fixedB = typeof b === 'number' ? b : null;
  if (end2end) {
    if (fixedB !== 6) return fail('an end-to-end model must end in 6 values per box');
    if (classCount === null) return fail('an end-to-end model needs class names');
    return { layout: 'end2end', classCount };
  }
  if (classCount !== null) {
    if (fixedB === classCount + 5 && fixedA !== classCount + 4) return { layout: 'yolov5', classCount };
    if (fixedA === classCount + 4 && fixedB !== classCount + 5) return { layout: 'yolov8', classCount };
    if (fixedB === classCount + 5) return { layout: 'yolov5', classCount };
    return fail(`it matches neither layout for ${classCount} classes`);
  }
  if (fixedA !== null && fixedB !== null) {
    if (fixedB < fixedA && fixedB > 5) return { layout: 'yolov5', classCount: fixedB - 5 };
    if (fixedA < fixedB && fixedA > 4) return { layout: 'yolov8', classCount: fixedA - 4 };
    return fail('no class axis could be told apart');
  }
  if (fixedB !== null && fixedB > 5) return { layout: 'yolov5', classCount: fixedB - 5 };
  if (fixedA !== null && fixedA > 4) return { layout: 'yolov8', classCount: fixedA - 4 };
  return fail('no fixed class axis');
}

export interface DecodeParams {
  readonly layout: YoloLayout;
  readonly classCount: number;
  /** Minimum confidence per class (index → threshold). */
  readonly thresholds: Float32Array;
  readonly iou: number;
  readonly maxDetections: number;
  /** Most candidates entering NMS, highest confidence first (Ultralytics' max_nms). */
  readonly maxCandidates: number;
}

export interface Candidate extends Scored {
  box: Box;
  score: number;
  classIndex: number;
}

/**
 * Decodes one image's raw output (`dims` as returned by the runtime) into boxes in model-input pixels,
 * after per-class thresholds and class-aware NMS, highest score first.
 *
 * @example
 * const boxes = decodeYoloOutput(output.data as Float32Array, output.dims, params);
 */
export function decodeYoloOutput(
  data: Float32Array,
  dims: readonly number[],
  params: DecodeParams,
): Candidate[] {
  const { layout, classCount: nc, thresholds } = params;
  let minThreshold = Infinity;
  for (let c = 0; c < nc; c++) minThreshold = Math.min(minThreshold, thresholds[c]);
  const candidates: Candidate[] = [];
  if (layout === 'yolov5') {
    const no = dims[2];
    const n = dims[1];
    if (no !== nc + 5)
      throw new AppError('ERR_MODEL_LAYOUT', `output has ${no} values per anchor, expected ${nc + 5}`);
    for (let i = 0, o = 0; i < n; i++, o += no) {
      const obj = data[o + 4];
      if (!(obj > minThreshold)) continue;
      let best = -1;
      let bestScore = -Infinity;
      for (let c = 0; c < nc; c++) {
        const s = data[o + 5 + c];
        if (s > bestScore) {
          bestScore = s;
          best = c;
        }
      }
      const conf = obj * bestScore;
      if (conf > thresholds[best]) {
        candidates.push({
          box: cxcywhToBox(data[o], data[o + 1], data[o + 2], data[o + 3]),
          score: conf,
          classIndex: best,
        });
      }
    }
  } else if (layout === 'yolov8') {
    const rows = dims[1];
    const n = dims[2];
    if (rows !== nc + 4)
      throw new AppError('ERR_MODEL_LAYOUT', `output has ${rows} rows, expected ${nc + 4}`);
    // Column-major per anchor: find each anchor's best class by sweeping class rows.
    const bestScore = new Float32Array(n).fill(-Infinity);
    const best = new Int32Array(n).fill(-1);
    for (let c = 0; c < nc; c++) {
      const row = (4 + c) * n;
      for (let i = 0; i < n; i++) {
        const s = data[row + i];
        if (s > bestScore[i]) {
          bestScore[i] = s;
          best[i] = c;
        }
      }
    }
    for (let i = 0; i < n; i++) {
      const c = best[i];
      if (c >= 0 && bestScore[i] > thresholds[c]) {
        candidates.push({
          box: cxcywhToBox(data[i], data[n + i], data[2 * n + i], data[3 * n + i]),
          score: bestScore[i],
          classIndex: c,
        });
      }
    }
  } else {
    const n = dims[1];
    for (let i = 0, o = 0; i < n; i++, o += 6) {
      const c = Math.round(data[o + 5]);
      const score = data[o + 4];
      if (c >= 0 && c < nc && score > thresholds[c]) {
        candidates.push({ box: [data[o], data[o + 1], data[o + 2], data[o + 3]], score, classIndex: c });
      }
    }
    return candidates.sort((x, y) => y.score - x.score).slice(0, params.maxDetections);
  }
  let pool = candidates;
  if (pool.length > params.maxCandidates) {
    pool = pool.sort((x, y) => y.score - x.score).slice(0, params.maxCandidates);
  }
  return nms(pool, params.iou, true).slice(0, params.maxDetections);
}

/** Packs candidates as [x1, y1, x2, y2, score, class] rows, for transfer between threads. */
export function packCandidates(candidates: readonly Candidate[]): Float64Array {
  const out = new Float64Array(candidates.length * 6);
  candidates.forEach((c, i) => {
    out.set(c.box, i * 6);
    out[i * 6 + 4] = c.score;
    out[i * 6 + 5] = c.classIndex;
  });
  return out;
}

export function unpackCandidates(packed: Float64Array): Candidate[] {
  const out: Candidate[] = [];
  for (let o = 0; o + 6 <= packed.length; o += 6) {
    out.push({
      box: [packed[o], packed[o + 1], packed[o + 2], packed[o + 3]],
      score: packed[o + 4],
      classIndex: packed[o + 5],
    });
  }
  return out;
}
