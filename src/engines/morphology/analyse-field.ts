/**
 * The morphology pipeline for one field: working image → background → stain separation →
 * segmentation → splitting touching cells → measurement → classification → arrangement → detections.
 * Every stage is timed; every decision leaves its reasons in the detection's explanation.
 */
import type {
  Detection,
  DifferentialEntry,
  LocalisedText,
  ScaleSource,
} from '../../domain/analysis-result.js';
import type { RasterImage } from '../../domain/raster.js';
import { iou } from '../../domain/geometry.js';
import type { MorphotypeKey } from '../../domain/taxonomy.js';
import { differentialFromMorphologyEvidence, topLabelForMorphotype } from '../../analysis/differential.js';
import {
  arrangeRods,
  classifyCocciGroup,
  linkCells,
  morphotypeOfGroup,
  readCocciField,
  type Arrangement,
  type PlacedCell,
} from './arrangement.js';
import { estimateBackground, type BackgroundModel, type BackgroundSampler } from './background.js';
import {
  classifyCell,
  counterstainedBackgroundDensity,
  GRAM_POSITIVE_MIN_RATIO,
  type CellClass,
} from './classify.js';
import { measureCell, upperQuantile, type CellMeasure } from './measure.js';
import { findRedCells } from './red-cells.js';
import { FRESH_BUFFERS, KEPT_BUFFERS } from './scratch.js';
import { estimateScaleFromRedCells } from './scale.js';
import {
  findComponents,
  findHoles,
  labelComponents,
  smoothAndThreshold,
  type ComponentList,
  type Components,
} from './segment.js';
import {
  computeOpticalDensity,
  createBackgroundSampler,
  LOG10_LUT,
  createStainProbe,
  deconvolveStains,
  estimateStains,
  type StainMaps,
  type StainModel,
  type StainProbe,
} from './stain.js';
import { distanceTransform, splitAtWaist, splitByDensity, splitInHalf, splitObject } from './watershed.js';
import { splitAtJunction } from './rod-junction.js';
import {
  chooseWorkingFactor,
  downscaleRaster,
  downscaleWorking,
  type WorkingImage,
} from './working-image.js';

export interface FieldOptions {
  readonly micronsPerPixel: number | null;
  readonly scaleSource: ScaleSource;
  readonly signal?: AbortSignal | undefined;
  /** Keep intermediate layers (for docs and debugging); costs memory. */
  readonly keepLayers?: boolean;
}

export interface FieldLayers {
  readonly work: WorkingImage;
  readonly background: BackgroundModel;
  readonly stains: StainModel;
  readonly maps: StainMaps;
  readonly smoothed: Float32Array;
  readonly threshold: number;
  readonly components: Components;
  /** Cell index per working pixel (-1 none). */
  readonly cellMap: Int32Array;
  readonly cells: readonly AnalysedCell[];
}

export interface AnalysedCell {
  readonly measure: CellMeasure;
  cls: CellClass;
  morphotype: MorphotypeKey | null;
  arrangement: Arrangement;
  groupSize: number;
  /** Merged into another cell (a bud into its mother). */
  mergedInto: number;
  /** Field-level doubt about this cell being an organism (1: none), with the reason. */
  doubt?: { factor: number; reason: string };
  /** Left out of the result as doubtful (score below the reporting floor). */
  unreported?: boolean;
}

export interface FieldAnalysis {
  readonly detections: Detection[];
  readonly scale: { readonly micronsPerPixel: number | null; readonly source: ScaleSource };
  readonly assessable: { readonly ok: boolean; readonly reason?: LocalisedText };
  readonly differential?: DifferentialEntry[];
  readonly stages: Record<string, number>;
  /** CPU milliseconds per stage (process CPU time: steadier than wall time on a shared machine). */
  readonly stageCpu: Record<string, number>;
  readonly layers?: FieldLayers;
  /** Field-level facts behind the result (stain vectors, thresholds, counts). */
  readonly notes: Record<string, number | string>;
}

const reason = (en: string, ja: string): LocalisedText => ({ en, ja });

/** Absolute floor for the segmentation threshold (summed log10 OD), above sensor noise on clean fields. */
const MIN_THRESHOLD_OD = 0.1;
/**
 * Organisms scoring below this are left out of the result: the score is 0.3 × the Gram and shape
 * margins + 0.7 × how plausible the object is as an organism in its field (see the detections stage).
 */
const MIN_REPORTED_SCORE = 0.45;
/** Noise above this (summed OD) means the field has no usable signal. */
const MAX_NOISE_OD = 0.09;

/**
 * Wall time per stage, and the process's CPU time per stage: on a shared machine the CPU time is
 * what the stage itself cost (wall time also counts the time other processes held the core).
 */
function createStageTimer(): {
  mark: (name: string) => void;
  stages: Record<string, number>;
  stageCpu: Record<string, number>;
} {
  const stages: Record<string, number> = {};
  const stageCpu: Record<string, number> = {};
  let last = performance.now();
  let lastCpu = process.cpuUsage();
  return {
    stages,
    stageCpu,
    mark(name) {
      const now = performance.now();
      const cpu = process.cpuUsage();
      stages[name] = Math.round((now - last) * 100) / 100;
      stageCpu[name] = Math.round((cpu.user + cpu.system - lastCpu.user - lastCpu.system) / 10) / 100;
      last = now;
      lastCpu = cpu;
    },
  };
}

/** Fills holes (background pockets not connected to the crop border) larger than `minHole` pixels. */
function fillHoles(
  pixels: Int32Array,
  width: number,
  x0: number,
  y0: number,
  x1: number,
  y1: number,
  minHole: number,
): Int32Array {
  const w = x1 - x0 + 3;
  const h = y1 - y0 + 3;
  const mask = new Uint8Array(w * h);
  for (let k = 0; k < pixels.length; k++) {
    const p = pixels[k];
    const py = (p / width) | 0;
    mask[(py - y0 + 1) * w + (p - py * width - x0 + 1)] = 1;
  }
  // Most objects have no hole at all.
  const holes = findHoles(mask, w, h);
  let extraCount = 0;
  for (let k = 0; k < holes.count; k++) if (holes.area[k] >= minHole) extraCount += holes.area[k];
  if (extraCount === 0) return pixels;
  const out = new Int32Array(pixels.length + extraCount);
  out.set(pixels);
  let n = pixels.length;
  for (let k = 0; k < holes.count; k++) {
    if (holes.area[k] < minHole) continue;
    for (let i = holes.offsets[k]; i < holes.offsets[k + 1]; i++) {
      const q = holes.pixels[i];
      const qy = (q / w) | 0;
      out[n++] = (qy + y0 - 1) * width + (q - qy * w + x0 - 1);
    }
  }
  return out;
}

interface RawCell {
  readonly measure: CellMeasure;
  /**
   * Working-image pixels. A red cell read at the coarse level carries them only when the layers are
   * kept (the cell map is their one reader then); otherwise the list is empty.
   */
  readonly pixels: Int32Array;
  /** Equivalent diameter of the filled mask, working px. */
  readonly diameterPx: number;
  readonly roundness: number;
  /**
   * Set for a red cell read at the coarse level only (see `readCoarseRedCell`): the full-resolution
   * maps were never filled under it.
   */
  readonly coarse?: true;
  /** The density its region was cut at (what a piece cut from it is measured against). */
  readonly cut?: number;
}

/**
 * Two violet cocci fused by blur into one outline: coccus-wide, twice as long, too short for a
 * Gram-positive rod of that width (Bacillus is 3 µm or longer). At least 1.4 µm long (two of the
 * narrowest cocci): a lone pneumococcal lancet (1.0-1.3 µm, broad end and tip) is as elongated and
 * would be cut into two "cocci".
 */
function hasFusedPairProportions(m: CellMeasure, micronsPerPixel: number): boolean {
  const lengthUm = m.lengthPx * micronsPerPixel;
  const widthUm = m.widthPx * micronsPerPixel;
  const ar = m.lengthPx / m.widthPx;
  return widthUm >= 0.72 && widthUm <= 1.25 && lengthUm >= 1.4 && lengthUm <= 2.7 && ar >= 1.6 && ar <= 2.8;
}

/** Crystal-violet share of a sample of pixels (up to ~200). */
function sampledStainRatio(pixels: ArrayLike<number>, probe: StainProbe): number {
  const amounts = new Float64Array(2);
  let cv = 0;
  let saf = 0;
  const step = Math.max(1, Math.floor(pixels.length / 200));
  for (let i = 0; i < pixels.length; i += step) {
    probe.at(pixels[i], amounts);
    cv += Math.max(0, amounts[0]);
    saf += Math.max(0, amounts[1]);
  }
  return cv / (cv + saf || 1);
}

/**
 * A fibrin or protein strand: a long, thin, pink thread. Gram-negative rods lie singly or two end to
 * end (≤ ~6.5 µm); a thin safranin-stained object reaching across 9 µm or more is not one of them.
 */
function isStrand(pixels: Int32Array, width: number, mpp: number, probe: StainProbe): boolean {
  const b = boundsOf(pixels, width);
  const extentUm = Math.hypot(b.x1 - b.x0 + 1, b.y1 - b.y0 + 1) * mpp;
  if (extentUm < 9) return false;
  const meanWidthUm = (pixels.length * mpp * mpp) / extentUm;
  if (meanWidthUm > 1.4) return false;
  return sampledStainRatio(pixels, probe) < 0.45;
}

/**
 * Strands that wander, curl or run into a white cell or a red cell are not thin across their
 * bounding box, but every pixel of them lies within 0.85 µm of their outline (fibrin is up to ~1.5 µm
 * wide; the plumpest rods are 1 µm). The object is opened
 * (distance transform: the thick parts, grown back by the same radius); what the opening removes
 * falls into thin pieces, and thin pink pieces reaching across 9 µm are strands. Returns the object
 * without them, or null when it holds none.
 */
function stripStrands(pixels: Int32Array, width: number, mpp: number, probe: StainProbe): Int32Array | null {
  const b = boundsOf(pixels, width);
  if (Math.hypot(b.x1 - b.x0 + 1, b.y1 - b.y0 + 1) * mpp < 9) return null;
  const w = b.x1 - b.x0 + 3;
  const h = b.y1 - b.y0 + 3;
  // A thread reaching across 9 µm leaves most of its box empty; compact objects (red cells side by
  // side, a cluster) and mostly violet ones (chains, clusters) are not worth two distance transforms.
  if (pixels.length > 0.45 * (w - 2) * (h - 2)) return null;
  if (sampledStainRatio(pixels, probe) >= 0.6) return null;
  const local = new Int32Array(pixels.length);
  for (let i = 0; i < pixels.length; i++) {
    const p = pixels[i];
    const py = (p / width) | 0;
    local[i] = (py - b.y0 + 1) * w + (p - py * width - b.x0 + 1);
  }
  // The opening is read at half resolution (a half-resolution pixel is object when any of its four
  // is): its two distance transforms cost a quarter, and what it decides — thread or body — is
  // some 0.85 µm across, eight or nine full-resolution pixels.
  const thin = thinPixels(local, w, h, 0.85 / mpp, 9 / mpp);
  if (!thin) return null;
  const parts = findComponents(thin, w, h);
  const drop = new Uint8Array(w * h);
  let dropped = 0;
  for (let k = 0; k < parts.count; k++) {
    const extentUm = Math.hypot(parts.x1[k] - parts.x0[k] + 1, parts.y1[k] - parts.y0[k] + 1) * mpp;
    if (extentUm < 9) continue;
    const global = toGlobal(parts, k, w, b.x0 - 1, b.y0 - 1, width);
    if (sampledStainRatio(global, probe) >= 0.45) continue;
    for (let i = parts.offsets[k]; i < parts.offsets[k + 1]; i++) drop[parts.pixels[i]] = 1;
    dropped += parts.area[k];
  }
  if (dropped === 0) return null;
  const kept = new Int32Array(pixels.length - dropped);
  let n = 0;
  for (let i = 0; i < local.length; i++) if (!drop[local[i]]) kept[n++] = pixels[i];
  return kept;
}

/**
 * The object's thin pixels (those no disc of radius `radiusPx` inside the object, holes filled,
 * comes near), as a crop-sized mask, read on a half-resolution copy of the crop; null when they
 * cannot hold a piece reaching `extentPx`.
 */
function thinPixels(
  local: Int32Array,
  w: number,
  h: number,
  radiusPx: number,
  extentPx: number,
): Uint8Array | null {
  // The half-resolution crop keeps an empty one-pixel ring: fine crop pixel x (1 .. w - 2, the
  // fine ring excluded) lies in half pixel ((x - 1) >> 1) + 1.
  const hw = ((w - 1) >> 1) + 2;
  const hh = ((h - 1) >> 1) + 2;
  const half = new Uint8Array(hw * hh);
  const halfOf = new Int32Array(local.length);
  for (let i = 0; i < local.length; i++) {
    const q = local[i];
    const y = (q / w) | 0;
    const hq = (((y - 1) >> 1) + 1) * hw + (((q - y * w - 1) >> 1) + 1);
    halfOf[i] = hq;
    half[hq] = 1;
  }
  // Red cells' pale centres are filled first: a ring of red cells is not a thread.
  const solid = half.slice();
  const holes = findHoles(half, hw, hh);
  for (let i = 0; i < holes.pixels.length; i++) solid[holes.pixels[i]] = 1;
  const radius2 = (radiusPx / 2) ** 2;
  const inside = distanceTransform(solid, hw, hh);
  // Thick pixels, then everything within the radius of one (the opening).
  const notThick = new Uint8Array(hw * hh).fill(1);
  let thickCount = 0;
  for (let q = 0; q < inside.length; q++)
    if (solid[q] && inside[q] > radius2) {
      notThick[q] = 0;
      thickCount++;
    }
  // Thin pixels are object pixels that are not thick, and a thin piece lies inside one connected
  // stretch of those: unless such a stretch reaches across the extent (a red cell's rim does not),
  // no strand can be there and the second transform is skipped.
  const halfLocal = new Int32Array(local.length);
  let n = 0;
  for (let q = 0; q < half.length; q++) if (half[q]) halfLocal[n++] = q;
  if (!reachesAcross(notThick, halfLocal.subarray(0, n), hw, hh, extentPx / 2)) return null;
  const near = thickCount > 0 ? distanceTransform(notThick, hw, hh) : null;
  const thin = new Uint8Array(w * h);
  let thinCount = 0;
  for (let i = 0; i < local.length; i++) {
    if (!near || near[halfOf[i]] > radius2) {
      thin[local[i]] = 1;
      thinCount++;
    }
  }
  return thinCount < extentPx ? null : thin;
}

/** Whether the marked pixels among `local` form a connected stretch whose box reaches `extentPx`. */
function reachesAcross(
  marked: Uint8Array,
  local: Int32Array,
  w: number,
  h: number,
  extentPx: number,
): boolean {
  const mask = new Uint8Array(w * h);
  let count = 0;
  for (let i = 0; i < local.length; i++) {
    const q = local[i];
    if (marked[q]) {
      mask[q] = 1;
      count++;
    }
  }
  if (count < extentPx) return false;
  const parts = findComponents(mask, w, h);
  for (let k = 0; k < parts.count; k++)
    if (Math.hypot(parts.x1[k] - parts.x0[k] + 1, parts.y1[k] - parts.y0[k] + 1) >= extentPx) return true;
  return false;
}

/** A filled, round, smooth disc: bounding-box fill close to an ellipse's, aspect under 1.3. */
function isRoundDisc(pixels: Int32Array, width: number): boolean {
  const b = boundsOf(pixels, width);
  const w = b.x1 - b.x0 + 1;
  const h = b.y1 - b.y0 + 1;
  const fill = pixels.length / ((Math.PI / 4) * w * h);
  return Math.max(w, h) / Math.min(w, h) <= 1.3 && fill >= 0.85 && fill <= 1.12;
}

/** Pixels of piece k of a crop's components, as indices into the working image. */
function toGlobal(
  parts: ComponentList,
  k: number,
  cropWidth: number,
  x0: number,
  y0: number,
  width: number,
): Int32Array {
  const from = parts.offsets[k];
  const to = parts.offsets[k + 1];
  const out = new Int32Array(to - from);
  for (let i = from; i < to; i++) {
    const q = parts.pixels[i];
    const qy = (q / cropWidth) | 0;
    out[i - from] = (qy + y0) * width + (q - qy * cropWidth + x0);
  }
  return out;
}

/** Splits a pixel list by a per-pixel group index into one typed array per group. */
function groupPixels(pixels: Int32Array, groupOf: Int32Array, count: number): Int32Array[] {
  if (count === 1) return [pixels];
  const sizes = new Int32Array(count);
  for (let i = 0; i < groupOf.length; i++) sizes[groupOf[i]]++;
  const out = Array.from(sizes, (n) => new Int32Array(n));
  const fill = new Int32Array(count);
  for (let i = 0; i < pixels.length; i++) {
    const g = groupOf[i];
    out[g][fill[g]++] = pixels[i];
  }
  return out;
}

/** Square dilation (Chebyshev radius r) of a binary crop, separable. */
function dilateSquare(mask: Uint8Array, w: number, h: number, r: number): Uint8Array {
  const tmp = new Uint8Array(w * h);
  const out = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) {
    const o = y * w;
    for (let x = 0; x < w; x++) {
      if (!mask[o + x]) continue;
      for (let d = Math.max(0, x - r); d <= Math.min(w - 1, x + r); d++) tmp[o + d] = 1;
    }
  }
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      if (!tmp[y * w + x]) continue;
      for (let d = Math.max(0, y - r); d <= Math.min(h - 1, y + r); d++) out[d * w + x] = 1;
    }
  }
  return out;
}

/** The coarse component a full-resolution pixel belongs to: its coarse pixel's, else a neighbour's. */
function coarseOwner(labels: Int32Array, cw: number, ch: number, cx: number, cy: number): number {
  if (cx >= cw) cx = cw - 1;
  if (cy >= ch) cy = ch - 1;
  const own = labels[cy * cw + cx];
  if (own >= 0) return own;
  for (let dy = -1; dy <= 1; dy++) {
    for (let dx = -1; dx <= 1; dx++) {
      const x = cx + dx;
      const y = cy + dy;
      if (x < 0 || y < 0 || x >= cw || y >= ch) continue;
      const l = labels[y * cw + x];
      if (l >= 0) return l;
    }
  }
  return -1;
}

/**
 * Marks pixels[from..] in a box-sized mask (those whose map value reaches `level`, or all without a
 * map). Loops like this one ran measurably slower inside `analyseField`'s closures.
 */
function markInBox(
  mask: Uint8Array,
  pixels: Int32Array,
  from: number,
  width: number,
  x0: number,
  y0: number,
  boxWidth: number,
  map: Float32Array | null,
  level: number,
): void {
  for (let i = from; i < pixels.length; i++) {
    const p = pixels[i];
    if (map && !(map[p] >= level)) continue;
    const py = (p / width) | 0;
    mask[(py - y0) * boxWidth + (p - py * width - x0)] = 1;
  }
}

/** Counts the pixels a box-sized mask leaves unmarked, marking them in `out` when given. */
function unmarkedInBox(
  mask: Uint8Array,
  pixels: Int32Array,
  width: number,
  x0: number,
  y0: number,
  boxWidth: number,
  out: Uint8Array | null,
): number {
  let n = 0;
  for (let i = 0; i < pixels.length; i++) {
    const p = pixels[i];
    const py = (p / width) | 0;
    const q = (py - y0) * boxWidth + (p - py * width - x0);
    if (mask[q]) continue;
    n++;
    if (out) out[q] = 1;
  }
  return n;
}

/** How many of the pixels have a map value above a level. */
function countAbove(map: Float32Array, pixels: Int32Array, level: number): number {
  let n = 0;
  for (let i = 0; i < pixels.length; i++) if (map[pixels[i]] > level) n++;
  return n;
}

/** The pixels whose map value lies above a level. */
function pixelsAbove(map: Float32Array, pixels: Int32Array, level: number): Int32Array {
  const out = new Int32Array(countAbove(map, pixels, level));
  let n = 0;
  for (let i = 0; i < pixels.length; i++) if (map[pixels[i]] > level) out[n++] = pixels[i];
  return out;
}

/**
 * Row spans of the full-resolution pixels that can belong to coarse component k (its own coarse
 * pixels and their neighbours, `fineMask`'s rule): lo[y - y0]..hi[y - y0], empty when lo > hi.
 * A span runs from the row's first such pixel to its last, so a red cell's pale centre lies inside.
 * The maps are filled and read over these spans only: a chain or a strand lying diagonally leaves
 * most of its box empty. Coarse pixels are 2x2 full-resolution pixels.
 */
function componentSpans(
  components: ComponentList,
  k: number,
  coarseWidth: number,
  coarseHeight: number,
  box: readonly [number, number, number, number],
): { lo: Int32Array; hi: Int32Array } {
  const [x0, y0, x1, y1] = box;
  const cy0 = components.y0[k];
  const rows = components.y1[k] - cy0 + 1;
  if (spanRowMin.length < rows) {
    spanRowMin = new Int32Array(2 * rows);
    spanRowMax = new Int32Array(2 * rows);
  }
  const rowMin = spanRowMin;
  const rowMax = spanRowMax;
  rowMin.fill(coarseWidth, 0, rows);
  rowMax.fill(-1, 0, rows);
  for (let i = components.offsets[k]; i < components.offsets[k + 1]; i++) {
    const q = components.pixels[i];
    const cy = (q / coarseWidth) | 0;
    const cx = q - cy * coarseWidth;
    const r = cy - cy0;
    if (cx < rowMin[r]) rowMin[r] = cx;
    if (cx > rowMax[r]) rowMax[r] = cx;
  }
  const h = y1 - y0 + 1;
  const lo = new Int32Array(h);
  const hi = new Int32Array(h);
  for (let y = y0; y <= y1; y++) {
    // Rows past the coarse image's last row belong to it (as in `coarseOwner`).
    const r = Math.min(coarseHeight - 1, y >> 1) - cy0;
    let min = coarseWidth;
    let max = -1;
    for (let rr = Math.max(0, r - 1); rr <= Math.min(rows - 1, r + 1); rr++) {
      if (rowMin[rr] < min) min = rowMin[rr];
      if (rowMax[rr] > max) max = rowMax[rr];
    }
    if (max < 0) {
      lo[y - y0] = 1;
      hi[y - y0] = 0;
      continue;
    }
    lo[y - y0] = Math.max(x0, (min - 1) * 2);
    // Columns past the coarse image's last column belong to it too.
    hi[y - y0] = max + 1 >= coarseWidth - 1 ? x1 : Math.min(x1, (max + 2) * 2 - 1);
  }
  return { lo, hi };
}

let spanRowMin = new Int32Array(64);
let spanRowMax = new Int32Array(64);

/**
 * Full-resolution pixels of coarse component k above the threshold inside a box, as a mask over the
 * box: a pixel belongs to k when its coarse pixel does, or (at the rim) a neighbour of it does. Only
 * the component's spans are visited (the maps hold this field's values there only). Kept out of
 * `analyseField`: in that long function the loop ran measurably slower.
 */
function fineMask(
  smoothed: Float32Array,
  width: number,
  threshold: number,
  labels: Int32Array,
  coarseWidth: number,
  coarseHeight: number,
  k: number,
  box: readonly [number, number, number, number],
  spans: { lo: Int32Array; hi: Int32Array },
): Uint8Array {
  const [x0, y0, x1, y1] = box;
  const w = x1 - x0 + 1;
  const local = new Uint8Array(w * (y1 - y0 + 1));
  for (let y = y0; y <= y1; y++) {
    const cy = y >> 1;
    const hi = spans.hi[y - y0];
    for (let x = spans.lo[y - y0]; x <= hi; x++) {
      if (!(smoothed[y * width + x] > threshold)) continue;
      const cx = x >> 1;
      const own = cx < coarseWidth && cy < coarseHeight ? labels[cy * coarseWidth + cx] : -1;
      if ((own >= 0 ? own : coarseOwner(labels, coarseWidth, coarseHeight, cx, cy)) === k)
        local[(y - y0) * w + (x - x0)] = 1;
    }
  }
  return local;
}

/** Spans covering a whole box. */
function boxSpans(x0: number, y0: number, x1: number, y1: number): { lo: Int32Array; hi: Int32Array } {
  return { lo: new Int32Array(y1 - y0 + 1).fill(x0), hi: new Int32Array(y1 - y0 + 1).fill(x1) };
}

/**
 * Optical density and its 3x3 mean at full resolution over row spans (rows y0..y1), the density
 * also on a 1-pixel rim around them for the mean.
 */
function fillFineMaps(
  work: WorkingImage,
  sampler: BackgroundSampler,
  od: Float32Array,
  smoothed: Float32Array,
  y0: number,
  y1: number,
  spans: { lo: Int32Array; hi: Int32Array },
): void {
  const { width, height, rgb } = work;
  const { lo, hi } = spans;
  if (fineRow.length < width) fineRow = new Float32Array(width);
  const row = fineRow;
  const lut = LOG10_LUT;
  for (let y = Math.max(0, y0 - 1); y <= Math.min(height - 1, y1 + 1); y++) {
    // The union of the spans of this row and its neighbours, one pixel wider.
    let a = width;
    let b = -1;
    for (let r = Math.max(y0, y - 1); r <= Math.min(y1, y + 1); r++) {
      if (lo[r - y0] > hi[r - y0]) continue;
      if (lo[r - y0] < a) a = lo[r - y0];
      if (hi[r - y0] > b) b = hi[r - y0];
    }
    if (b < 0) continue;
    const ex0 = Math.max(0, a - 1);
    const ex1 = Math.min(width - 1, b + 1);
    sampler.sumRowRange(y, ex0, ex1, row);
    let i = (y * width + ex0) * 3;
    let p = y * width + ex0;
    for (let x = ex0; x <= ex1; x++, i += 3, p++)
      od[p] = row[x - ex0] - lut[rgb[i]] - lut[rgb[i + 1]] - lut[rgb[i + 2]];
  }
  // The 3x3 mean as column sums of three, then a sum of three column sums (six additions, not eight).
  if (fineColumns.length < width) fineColumns = new Float64Array(width);
  const columns = fineColumns;
  for (let y = y0; y <= y1; y++) {
    const x0 = lo[y - y0];
    const x1 = hi[y - y0];
    if (x0 > x1) continue;
    const up = (y > 0 ? y - 1 : y) * width;
    const mid = y * width;
    const dn = (y < height - 1 ? y + 1 : y) * width;
    const c0 = x0 > 0 ? x0 - 1 : x0;
    const c1 = x1 < width - 1 ? x1 + 1 : x1;
    for (let x = c0; x <= c1; x++) columns[x] = od[up + x] + od[mid + x] + od[dn + x];
    for (let x = x0; x <= x1; x++) {
      const l = x > 0 ? x - 1 : x;
      const r = x < width - 1 ? x + 1 : x;
      smoothed[mid + x] = (columns[l] + columns[x] + columns[r]) / 9;
    }
  }
}

let fineColumns = new Float64Array(256);

let fineRow = new Float32Array(256);

/** Full-resolution pixels of coarse pixels (each a step x step block, clipped to the image). */
function expandCoarse(
  pixels: Int32Array,
  coarseWidth: number,
  step: number,
  width: number,
  height: number,
): Int32Array {
  const out = new Int32Array(pixels.length * step * step);
  let n = 0;
  for (let i = 0; i < pixels.length; i++) {
    const q = pixels[i];
    const cy = (q / coarseWidth) | 0;
    const cx = q - cy * coarseWidth;
    for (let dy = 0; dy < step; dy++) {
      const y = cy * step + dy;
      if (y >= height) break;
      for (let dx = 0; dx < step; dx++) {
        const x = cx * step + dx;
        if (x < width) out[n++] = y * width + x;
      }
    }
  }
  return n === out.length ? out : out.slice(0, n);
}

function boundsOf(
  pixels: ArrayLike<number>,
  width: number,
): { x0: number; y0: number; x1: number; y1: number } {
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -Infinity;
  let y1 = -Infinity;
  for (let i = 0; i < pixels.length; i++) {
    const p = pixels[i];
    const y = (p / width) | 0;
    const x = p - y * width;
    if (x < x0) x0 = x;
    if (x > x1) x1 = x;
    if (y < y0) y0 = y;
    if (y > y1) y1 = y;
  }
  return { x0, y0, x1, y1 };
}

function toBox(
  m: CellMeasure,
  factor: number,
  width: number,
  height: number,
): [number, number, number, number] {
  return [
    Math.max(0, m.x0 * factor),
    Math.max(0, m.y0 * factor),
    Math.min(width, (m.x1 + 1) * factor),
    Math.min(height, (m.y1 + 1) * factor),
  ];
}

const NO_PIXELS = new Int32Array(0);

const round = (v: number, digits = 2): number => {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
};

/**
 * Blur radius (red-search pixels) of the red-cell search without a scale. Thresholded low, the blur
 * widens each disc by about 0.8 of it. Uncorrected, the scales estimated on 18 synthetic fields at
 * 0.05-0.2 µm/px read 10 % under to 3 % over the truth (median 3.8 % under); corrected, 4.5 % under
 * to 5 % over (median 0.8 % under).
 */
const RED_BLUR_NO_SCALE_PX = 2;

/** Width (µm) a field of yeast is read at without a scale: Candida cells are 3-6 µm across. */
const NOMINAL_YEAST_WIDTH_UM = 4;

/**
 * Whether a field without a scale is one of yeast, and if so its cells' width (working px). A yeast
 * is some five times as wide as a bacterium, and a field of it holds little else: its stained area
 * lies almost all (≥ 80 %) in objects at least three times as wide as the field's median object
 * (the rest are the slivers of halo and fragments that ring each cell), and those objects are not
 * safranin-stained (host nuclei, the other large objects of a smear, are). A bacterial field's area
 * lies in objects about as wide as its median one, clumps and all. Returns the area-weighted median
 * width of the large objects, or null.
 */
function nominalYeastWidthPx(sized: readonly RawCell[], medianWidthPx: number): number | null {
  let area = 0;
  let largeArea = 0;
  let largeViolet = 0;
  const large: RawCell[] = [];
  for (const c of sized) {
    area += c.measure.areaPx;
    if (c.measure.widthPx < 3 * medianWidthPx) continue;
    large.push(c);
    largeArea += c.measure.areaPx;
    largeViolet += c.measure.areaPx * c.measure.stainRatio;
  }
  if (large.length < 5 || largeArea < 0.8 * area || largeViolet < 0.25 * largeArea) return null;
  large.sort((a, b) => a.measure.widthPx - b.measure.widthPx);
  let acc = 0;
  for (const c of large) {
    acc += c.measure.areaPx;
    if (acc >= largeArea / 2) return c.measure.widthPx;
  }
  return null;
}

/**
 * Without a scale the split cannot tell a fused pair of cocci from a short rod, so fused pairs are
 * cut once the nominal scale is known (the same proportions as with a scale, see
 * `hasFusedPairProportions`), but only in a field of cocci: one whose violet objects are mostly round
 * (median length under 1.45 times the width). In a field of rods the nominal scale makes the typical
 * rod 0.8 µm wide, and its rods would be cut. Replaces the pairs in `raw` by their halves; returns
 * how many were cut.
 */
function cutFusedPairsAtNominalScale(
  raw: RawCell[],
  sized: readonly RawCell[],
  micronsPerPixel: number,
  measure: (pixels: Int32Array, component: number, cut: number) => CellMeasure | null,
  imageWidth: number,
  threshold: number,
): number {
  const aspects = sized
    .filter((c) => c.measure.stainRatio >= GRAM_POSITIVE_MIN_RATIO)
    .map((c) => c.measure.lengthPx / c.measure.widthPx)
    .sort((a, b) => a - b);
  if (aspects.length < 10 || aspects[aspects.length >> 1] >= 1.45) return 0;
  let cutCount = 0;
  const out: RawCell[] = [];
  for (const c of raw) {
    const m = c.measure;
    const halves =
      !c.coarse && m.stainRatio >= GRAM_POSITIVE_MIN_RATIO && hasFusedPairProportions(m, micronsPerPixel)
        ? splitInHalf(c.pixels, imageWidth, m.cx, m.cy, m.angle)
        : null;
    const parts = halves?.map((pixels) => {
      const hm = measure(pixels, m.component, c.cut ?? threshold);
      if (!hm) return null;
      const b = boundsOf(pixels, imageWidth);
      return {
        measure: hm,
        pixels,
        diameterPx: 2 * Math.sqrt(pixels.length / Math.PI),
        roundness: pixels.length / ((Math.PI / 4) * (b.x1 - b.x0 + 1) * (b.y1 - b.y0 + 1)),
        cut: c.cut,
      } satisfies RawCell;
    });
    if (parts && parts[0] && parts[1]) {
      out.push(parts[0], parts[1]);
      cutCount++;
    } else out.push(c);
  }
  raw.length = 0;
  raw.push(...out);
  return cutCount;
}

/**
 * Analyses one field. Never throws on a decodable image: fields that cannot be read return
 * `assessable.ok === false` with a reason instead.
 *
 * @example
 * const result = analyseField(raster, { micronsPerPixel: 0.1, scaleSource: 'profile' });
 * result.detections.filter((d) => d.gram === 'positive').length;
 */
export function analyseField(image: RasterImage, options: FieldOptions): FieldAnalysis {
  const timer = createStageTimer();
  const notes: Record<string, number | string> = {};
  const given = options.micronsPerPixel && options.micronsPerPixel > 0 ? options.micronsPerPixel : null;
  const givenSource: ScaleSource = given ? options.scaleSource : 'unknown';
  const factor = chooseWorkingFactor(image.width, image.height, given);
  const work = downscaleRaster(image, factor);
  notes.workingFactor = factor;
  timer.mark('downscale');
  const cannotAssess = (why: LocalisedText): FieldAnalysis => ({
    detections: [],
    scale: { micronsPerPixel: given, source: givenSource },
    assessable: { ok: false, reason: why },
    stages: timer.stages,
    stageCpu: timer.stageCpu,
    notes,
  });
  // Too little field to see arrangements or a background in: under 48 pixels or 8 µm on a side.
  const shortSide = Math.min(image.width, image.height);
  if (work.width < 24 || work.height < 24 || shortSide < 48 || (given !== null && shortSide * given < 8)) {
    return cannotAssess(
      reason(
        `The field is too small to assess (${image.width}x${image.height} pixels)`,
        `視野が小さすぎて評価できません（${image.width}x${image.height} ピクセル）`,
      ),
    );
  }
  // Micrometres per working pixel as given; without one, the red cells give it below.
  const givenWorkMpp = given ? given * factor : null;
  // Two levels: objects are found on a half-resolution copy (four times fewer pixels to unmix,
  // smooth and label), then examined at full working resolution inside their own boxes only.
  const coarseStep = work.width * work.height > 1_000_000 ? 2 : 1;
  // Field-sized arrays are kept for the next field unless the caller keeps the layers.
  const buffers = options.keepLayers ? FRESH_BUFFERS : KEPT_BUFFERS;
  const coarse = coarseStep === 1 ? work : downscaleWorking(work, coarseStep, buffers, 'coarse');
  // Blocks about three red cells wide, so that some glass shows in each.
  const blockPx = givenWorkMpp
    ? Math.min(320, Math.max(32, Math.round(22 / givenWorkMpp)))
    : Math.max(32, Math.round(Math.min(work.width, work.height) / 8));
  const background = estimateBackground(coarse, Math.max(16, Math.round(blockPx / coarseStep)));
  timer.mark('background');
  options.signal?.throwIfAborted();
  const stains = estimateStains(coarse, background);
  const coarseSampler = createBackgroundSampler(background, coarse.width);
  const coarseOd = computeOpticalDensity(
    coarse,
    coarseSampler,
    buffers.f32('coarseOd', coarse.width * coarse.height),
  );
  const fineBackground =
    coarseStep === 1 ? background : { ...background, block: background.block * coarseStep };
  const sampler = coarseStep === 1 ? coarseSampler : createBackgroundSampler(fineBackground, work.width);
  const probe = createStainProbe(work, sampler, stains);
  timer.mark('stain');
  notes.noiseOd = round(stains.noiseOd, 4);
  notes.chromaDeg = round(stains.chromaDeg, 1);
  notes.crystalViolet =
    stains.crystalViolet.map((v) => v.toFixed(3)).join(',') + ` (${stains.source.crystalViolet})`;
  notes.safranin = stains.safranin.map((v) => v.toFixed(3)).join(',') + ` (${stains.source.safranin})`;
  options.signal?.throwIfAborted();

  // Averaging four pixels halves the noise: the full-resolution threshold allows for it, and the
  // coarse one sits lower so thin faint rods, diluted by the averaging, are still found.
  const noiseMargin = Math.max(6 * stains.noiseOd * coarseStep, MIN_THRESHOLD_OD);
  const threshold = stains.backgroundOd + noiseMargin;
  const coarseThreshold = stains.backgroundOd + (coarseStep === 1 ? noiseMargin : 0.75 * noiseMargin);
  notes.threshold = round(threshold, 3);
  const coarseMask = buffers.u8('coarseMask', coarseOd.length);
  const coarseSmoothed = smoothAndThreshold(
    coarseOd,
    coarse.width,
    coarse.height,
    coarseThreshold,
    coarseMask,
    buffers,
  );
  const components = labelComponents(coarseMask, coarse.width, coarse.height, buffers);
  // Full-resolution maps are written component by component (over each one's row spans) and read
  // only where written, so a kept buffer's stale values elsewhere are never seen.
  const od = coarseStep === 1 ? coarseOd : buffers.f32('od', work.width * work.height);
  const smoothed = coarseStep === 1 ? coarseSmoothed : buffers.f32('smoothed', work.width * work.height);
  timer.mark('segment');
  let covered = 0;
  for (let k = 0; k < components.count; k++) covered += components.area[k];
  const coverage = covered / (coarse.width * coarse.height);
  notes.coverage = round(coverage, 3);

  // Fields that cannot be read: say so rather than guess.
  if (stains.noiseOd > MAX_NOISE_OD)
    return cannotAssess(
      reason('Cannot assess: the image is dominated by noise', '評価できません：画像のノイズが大きすぎます'),
    );
  if (coverage > 0.6 || background.coveredShare > 0.85)
    return cannotAssess(
      reason(
        'Cannot assess: the field is over-stained or too thick (no clear background)',
        '評価できません：過染色または塗抹が厚すぎます（背景が見えません）',
      ),
    );
  if (stains.samples >= 20 && stains.chromaDeg < 2.5)
    return cannotAssess(
      reason(
        'Cannot assess: the image has no stain colour (monochrome or not a Gram stain)',
        '評価できません：染色の色がありません（モノクロまたはグラム染色ではありません）',
      ),
    );
  if (components.count === 0)
    return cannotAssess(
      reason(
        'Cannot assess: no stained material in the field (blank or out of focus)',
        '評価できません：視野に染色された物質がありません（空白またはピンぼけ）',
      ),
    );

  // Red cells, found on their own at low contrast; they also give the scale when none was given.
  // A red cell is 7.5 µm across: at 0.4 µm/px it still spans some 19 pixels, so on large fields the
  // search runs on a further halved copy (a quarter of the coarse pixels to blur, label and split).
  // Without a scale the red cells are what gives it: they are then measured on the finer copy.
  const redHalf =
    coarse.width * coarse.height > 400_000 && givenWorkMpp !== null && givenWorkMpp * coarseStep <= 0.25;
  const redStep = coarseStep * (redHalf ? 2 : 1);
  const red = redHalf ? downscaleWorking(coarse, 2, buffers, 'red') : coarse;
  const redSampler = redHalf
    ? createBackgroundSampler({ ...background, block: background.block / 2 }, red.width)
    : coarseSampler;
  const redOd = redHalf
    ? computeOpticalDensity(red, redSampler, buffers.f32('redOd', red.width * red.height))
    : coarseOd;
  const redProbe = redHalf || coarseStep !== 1 ? createStainProbe(red, redSampler, stains) : probe;
  const redMpp = givenWorkMpp ? givenWorkMpp * redStep : null;
  const redDiscs = findRedCells(
    redOd,
    red.width,
    red.height,
    stains.backgroundOd + Math.max(1.5 * stains.noiseOd, 0.045),
    redMpp ? 4.2 / redMpp : Math.max(10, Math.min(red.width, red.height) / 40),
    redProbe,
    // Smoothing over about a micrometre.
    redMpp ? Math.max(1, Math.round(0.5 / redMpp)) : RED_BLUR_NO_SCALE_PX,
    buffers,
  );
  // Without a given scale, the red cells' median diameter gives it here, before the split, so that
  // the split, the strand rules, the coarse red-cell reading and the classification all run at a
  // scale rather than on pixel guesses. Only sure discs count: whole, round, pale and not violet.
  const estimate = givenWorkMpp
    ? null
    : estimateScaleFromRedCells(
        redDiscs
          .filter(
            (d) =>
              !d.edge && d.roundness >= 0.8 && d.aspect <= 1.25 && d.stainRatio < 0.45 && d.meanOd < 0.75,
          )
          // The blur before the low threshold widens each disc by about 0.8 of its radius.
          .map((d) => (d.diameterPx - 0.8 * RED_BLUR_NO_SCALE_PX) * redStep),
      );
  if (estimate) notes.redCellsForScale = estimate.redCells;
  const workMpp = givenWorkMpp ?? estimate?.micronsPerPixel ?? null;
  const coarseMpp = workMpp ? workMpp * coarseStep : null;
  timer.mark('redCells');

  // Split every object into cells, level by level: each region is cut at half its own peak density
  // (so blur halos of dense cells do not glue neighbours together), the core pieces are split by the
  // distance-transform watershed, and what lies outside the cores (a red cell under a cluster, a
  // faint rod beside a dark coccus) is examined again at its own level.
  const raw: RawCell[] = [];
  const minHolePx = workMpp ? Math.max(6, Math.round(2 / (workMpp * workMpp))) : 40;
  const large = workMpp ? Math.round(3 / workMpp) : 20;
  const haloPx = 2;
  const minSplitPx = workMpp ? Math.max(12, Math.round(0.25 / (workMpp * workMpp))) : 20;
  // Violet cells larger than two small cocci are tried for density saddles (blurred clusters).
  const minDensitySplitPx = workMpp ? Math.round(0.9 / (workMpp * workMpp)) : 60;
  // Smallest red cell worth testing as a disc: 5 µm across (or 14 px when the scale is unknown).
  const redCellMinPx = workMpp ? Math.round((Math.PI / 4) * (5 / workMpp) ** 2) : 150;
  const addCell = (component: number, cellPixels: Int32Array, cut: number, depth: number): void => {
    const m = measureCell(cellPixels, component, work.width, smoothed, od, probe, cut);
    if (!m) return;
    if (
      depth < 2 &&
      m.stainRatio >= GRAM_POSITIVE_MIN_RATIO &&
      cellPixels.length >= minDensitySplitPx &&
      !(m.lengthPx >= 2.2 * m.widthPx && m.fill >= 0.8)
    ) {
      const b = boundsOf(cellPixels, work.width);
      const parts = splitByDensity(cellPixels, work.width, b.x0, b.y0, b.x1, b.y1, smoothed);
      if (parts.count > 1) {
        for (const part of groupPixels(cellPixels, parts.cellOf, parts.count))
          if (part.length >= 3) addCell(component, part, cut, 2);
        return;
      }
    }
    // Rods end to end across a gap thinner than the blur (Bacillus boxcar chains), each part at least
    // 2 µm long: shorter rods (coryneforms, Listeria) are never cut at their granules.
    if (depth < 3 && m.stainRatio >= GRAM_POSITIVE_MIN_RATIO && m.lengthPx >= 2.2 * m.widthPx) {
      const minPart = workMpp ? 2 / workMpp : 1.6 * m.widthPx;
      const parts = splitAtJunction(
        cellPixels,
        work.width,
        m.cx,
        m.cy,
        m.angle,
        m.widthPx,
        smoothed,
        minPart,
      );
      if (parts) {
        addCell(component, parts[0], cut, depth + 1);
        addCell(component, parts[1], cut, depth + 1);
        return;
      }
    }
    if (depth < 3 && m.lengthPx >= 1.5 * m.widthPx && m.lengthPx >= 8) {
      const halves = splitAtWaist(cellPixels, work.width, m.cx, m.cy, m.angle);
      if (halves) {
        addCell(component, halves[0], cut, depth + 1);
        addCell(component, halves[1], cut, depth + 1);
        return;
      }
    }
    // Two violet cocci fused by blur into one outline: cut across the middle. (Without a scale this
    // is done once the nominal scale is known, in fields of cocci only: see there.)
    if (
      depth < 3 &&
      workMpp &&
      m.stainRatio >= GRAM_POSITIVE_MIN_RATIO &&
      hasFusedPairProportions(m, workMpp)
    ) {
      const halves = splitInHalf(cellPixels, work.width, m.cx, m.cy, m.angle);
      if (halves) {
        addCell(component, halves[0], cut, 3);
        addCell(component, halves[1], cut, 3);
        return;
      }
    }
    const b = boundsOf(cellPixels, work.width);
    const roundness = cellPixels.length / ((Math.PI / 4) * (b.x1 - b.x0 + 1) * (b.y1 - b.y0 + 1));
    raw.push({
      measure: m,
      pixels: cellPixels,
      diameterPx: 2 * Math.sqrt(cellPixels.length / Math.PI),
      roundness,
      cut,
    });
  };
  const processRegion = (component: number, region: Int32Array, base: number, depth: number): void => {
    let pixels = region;
    // A fibrin strand is one long thread at the detection threshold, however its density varies.
    if (depth === 0 && workMpp && isStrand(pixels, work.width, workMpp, probe)) {
      notes.strands = Number(notes.strands ?? 0) + 1;
      return;
    }
    if (depth === 0 && workMpp) {
      const rest = stripStrands(pixels, work.width, workMpp, probe);
      if (rest) {
        notes.strands = Number(notes.strands ?? 0) + 1;
        if (rest.length < 3) return;
        pixels = rest;
      }
    }
    // A robust peak: where cells overlap their densities add, and the true maximum would cut
    // the cells themselves away.
    const peak = upperQuantile(smoothed, pixels, 0.9);
    const cut = Math.max(base, 0.5 * peak);
    const box = boundsOf(pixels, work.width);
    const ww = work.width;
    const w = box.x1 - box.x0 + 1;
    const h = box.y1 - box.y0 + 1;
    const local = new Uint8Array(w * h);
    markInBox(local, pixels, 0, ww, box.x0, box.y0, w, smoothed, cut);
    const pieces = findComponents(local, w, h);
    for (let k = 0; k < pieces.count; k++) {
      if (pieces.area[k] < 3) continue;
      let piece = toGlobal(pieces, k, w, box.x0, box.y0, work.width);
      const x0 = pieces.x0[k] + box.x0;
      const y0 = pieces.y0[k] + box.y0;
      const x1 = pieces.x1[k] + box.x0;
      const y1 = pieces.y1[k] + box.y0;
      if (x1 - x0 >= large && y1 - y0 >= large) {
        const filled = fillHoles(piece, work.width, x0, y0, x1, y1, minHolePx);
        // A filled hole (a red cell's pale centre) belongs to its piece: it is not left over for a
        // second look as if it were a separate faint object.
        markInBox(local, filled, piece.length, ww, box.x0, box.y0, w, null, 0);
        piece = filled;
      }
      if (workMpp && isStrand(piece, work.width, workMpp, probe)) {
        notes.strands = Number(notes.strands ?? 0) + 1;
        continue;
      }
      if (piece.length >= redCellMinPx && isRoundDisc(piece, work.width)) {
        // A red cell (or another large disc): one cell, never cut up; organisms on it are found later.
        addCell(component, piece, cut, 3);
        continue;
      }
      // Pieces too small to hold two cells (two coccobacilli, 0.25 µm²) skip the watershed.
      const split =
        piece.length < minSplitPx
          ? { cellOf: new Int32Array(piece.length), count: 1 }
          : splitObject(piece, work.width, x0, y0, x1, y1);
      for (const cellPixels of groupPixels(piece, split.cellOf, split.count))
        addCell(component, cellPixels, cut, 0);
    }
    if (depth >= 2 || cut <= base * 1.05) return;
    // What lies outside the cores and their halos gets its own look. Most regions (a rod, a coccus)
    // have almost nothing below their cut: then there is nothing to dilate and label.
    if (unmarkedInBox(local, pixels, ww, box.x0, box.y0, w, null) < 6) return;
    const near = dilateSquare(local, w, h, haloPx);
    const rest = new Uint8Array(w * h);
    const restCount = unmarkedInBox(near, pixels, ww, box.x0, box.y0, w, rest);
    if (restCount < 6) return;
    const restParts = findComponents(rest, w, h);
    for (let k = 0; k < restParts.count; k++) {
      if (restParts.area[k] < 6) continue;
      const part = toGlobal(restParts, k, w, box.x0, box.y0, work.width);
      processRegion(component, part, base, depth + 1);
    }
  };
  // A lone red cell is most of a field's stained pixels and nothing in it needs full resolution:
  // at 0.2 µm/px it still spans some 37 pixels. A component that is one pale round disc of red-cell
  // size with nothing dense on it (or a pale pair or raft the coarse watershed cuts into such discs)
  // is measured on the coarse maps and never revisited. Red cells touching an organism, or carrying
  // one, take the full path.
  const coarseProbe =
    coarseStep === 1 ? probe : redHalf ? createStainProbe(coarse, coarseSampler, stains) : redProbe;
  const redAreaMin = coarseMpp ? (Math.PI / 4) * (5 / coarseMpp) ** 2 : Infinity;
  const redAreaMax = coarseMpp ? (Math.PI / 4) * (10 / coarseMpp) ** 2 : 0;
  /** A red cell's filled coarse pixels as a cell (measured over the whole disc), or null. */
  const coarseRedCell = (k: number, filled: Int32Array): RawCell | null => {
    if (filled.length < redAreaMin || filled.length > redAreaMax || !isRoundDisc(filled, coarse.width))
      return null;
    if (sampledStainRatio(filled, coarseProbe) >= 0.45) return null;
    // Anything dense on the disc sends it down the full path, which cuts the organism out at half
    // its own peak, whole (read against the cell's density instead, a rod falls into short pieces).
    // A large dense object (a yeast, a cluster) is tested against the disc's median: it would pass
    // for the cell's own rim in the upper quantile.
    const middle = upperQuantile(coarseSmoothed, filled, 0.5);
    if (countAbove(coarseSmoothed, filled, middle + Math.max(0.15, 0.6 * middle)) > 0.12 * filled.length)
      return null;
    // A small one (a rod, a few cocci) stands above the rim, found a little below the full-resolution
    // cut because averaging over 0.6 µm dilutes its peak.
    const rim = upperQuantile(coarseSmoothed, filled, 0.85);
    if (countAbove(coarseSmoothed, filled, rim + 0.5 * Math.max(0.15, 0.6 * rim)) > 0) return null;
    const m = measureCell(filled, k, coarse.width, coarseSmoothed, coarseOd, coarseProbe, threshold, true);
    if (!m || m.meanOd >= 0.75 || m.stainRatio >= 0.45) return null;
    const s = coarseStep;
    const fine: CellMeasure = {
      ...m,
      x0: m.x0 * s,
      y0: m.y0 * s,
      x1: Math.min(work.width - 1, m.x1 * s + s - 1),
      y1: Math.min(work.height - 1, m.y1 * s + s - 1),
      cx: m.cx * s + (s - 1) / 2,
      cy: m.cy * s + (s - 1) / 2,
      areaPx: m.areaPx * s * s,
      lengthPx: m.lengthPx * s,
      widthPx: m.widthPx * s,
    };
    const b = boundsOf(filled, coarse.width);
    const pixelCount = filled.length * s * s;
    return {
      measure: fine,
      pixels: options.keepLayers ? expandCoarse(filled, coarse.width, s, work.width, work.height) : NO_PIXELS,
      diameterPx: 2 * Math.sqrt(pixelCount / Math.PI),
      roundness: filled.length / ((Math.PI / 4) * (b.x1 - b.x0 + 1) * (b.y1 - b.y0 + 1)),
      coarse: true,
    };
  };
  // Red cells touching in pairs or short rafts are split at their necks on the coarse map, as the
  // red-cell search splits them; the object stays coarse only if every piece is a red cell.
  const redNeck = { neckRatio: 0.8, minDepth: coarseMpp ? 0.8 / coarseMpp : 2 };
  const readCoarseRedCell = (k: number): boolean => {
    if (!workMpp || coarseStep === 1) return false;
    const area = components.area[k];
    if (area < 0.5 * redAreaMin || area > 4 * redAreaMax) return false;
    const own = components.pixels.subarray(components.offsets[k], components.offsets[k + 1]);
    // Violet objects of red-cell size (clusters, chains) are turned away before any hole filling.
    if (sampledStainRatio(own, coarseProbe) >= 0.45) return false;
    const x0 = components.x0[k];
    const y0 = components.y0[k];
    const x1 = components.x1[k];
    const y1 = components.y1[k];
    const filled = fillHoles(own, coarse.width, x0, y0, x1, y1, 1);
    const single = filled.length <= redAreaMax ? coarseRedCell(k, filled) : null;
    if (single) {
      keepCoarse([single]);
      return true;
    }
    // Only pale objects are worth a watershed here (a cluster of cocci is the size of a red cell too).
    if (filled.length < 1.6 * redAreaMin || sampledStainRatio(filled, coarseProbe) >= 0.45) return false;
    const split = splitObject(filled, coarse.width, x0, y0, x1, y1, redNeck);
    if (split.count < 2 || split.count > 6) return false;
    const cells: RawCell[] = [];
    for (const part of groupPixels(filled, split.cellOf, split.count)) {
      const cell = coarseRedCell(k, part);
      if (!cell) return false;
      cells.push(cell);
    }
    keepCoarse(cells);
    return true;
  };
  const keepCoarse = (cells: RawCell[]): void => {
    raw.push(...cells);
    // Pictures of the layers show red cells too: their full-resolution maps are filled only then.
    if (options.keepLayers)
      for (const c of cells)
        fillFineMaps(
          work,
          sampler,
          od,
          smoothed,
          c.measure.y0,
          c.measure.y1,
          boxSpans(c.measure.x0, c.measure.y0, c.measure.x1, c.measure.y1),
        );
  };
  for (let k = 0; k < components.count; k++) {
    if (components.area[k] < 2) continue;
    if (coarseStep === 1) {
      processRegion(
        k,
        components.pixels.subarray(components.offsets[k], components.offsets[k + 1]),
        threshold,
        0,
      );
      continue;
    }
    if (readCoarseRedCell(k)) {
      notes.coarseRedCells = Number(notes.coarseRedCells ?? 0) + 1;
      continue;
    }
    // The component's box at full resolution, one coarse pixel wider on each side.
    const x0 = Math.max(0, (components.x0[k] - 1) * coarseStep);
    const y0 = Math.max(0, (components.y0[k] - 1) * coarseStep);
    const x1 = Math.min(work.width - 1, (components.x1[k] + 2) * coarseStep - 1);
    const y1 = Math.min(work.height - 1, (components.y1[k] + 2) * coarseStep - 1);
    const box = [x0, y0, x1, y1] as const;
    const spans = componentSpans(components, k, coarse.width, coarse.height, box);
    fillFineMaps(work, sampler, od, smoothed, y0, y1, spans);
    const w = x1 - x0 + 1;
    const h = y1 - y0 + 1;
    const local = fineMask(
      smoothed,
      work.width,
      threshold,
      components.labels,
      coarse.width,
      coarse.height,
      k,
      box,
      spans,
    );
    const parts = findComponents(local, w, h);
    for (let j = 0; j < parts.count; j++) {
      if (parts.area[j] < 3) continue;
      processRegion(k, toGlobal(parts, j, w, x0, y0, work.width), threshold, 0);
    }
  }
  timer.mark('split');
  options.signal?.throwIfAborted();

  // Red cells among the cells: large, round, pale, not violet.
  const isRedCellShape = (c: RawCell): boolean =>
    c.diameterPx >= 14 &&
    c.roundness >= 0.78 &&
    c.roundness <= 1.15 &&
    c.measure.stainRatio < 0.45 &&
    c.measure.meanOd < 0.75;
  // Without a scale nothing is called a red cell (a disc of unknown size could be anything).
  let rbcCandidates: RawCell[] = [];
  const mpp = workMpp;
  const source: ScaleSource = estimate ? 'estimated' : givenSource;
  // Once the scale is known, red cells cut by the field's edge, split from an overlapping neighbour
  // or reduced to a ghost's rim still count: pale, not violet, and of red-cell size.
  const isRedCellAtScale = (c: RawCell, scale: number): boolean =>
    c.measure.stainRatio < 0.45 &&
    c.measure.meanOd < 0.75 &&
    c.roundness >= 0.55 &&
    c.diameterPx * scale >= 4.2 &&
    c.diameterPx * scale <= 10.5 &&
    Math.max(c.measure.lengthPx, c.measure.widthPx) * scale <= 11;
  if (mpp) {
    const scale = mpp;
    rbcCandidates = raw.filter((c) => isRedCellAtScale(c, scale));
  }
  // Without any scale, sizes are read against a nominal width (reported as unknown): 0.8 µm for the
  // median object of a bacterial field, 4 µm for the cells of a field of yeast.
  let classifyMpp = mpp;
  let yeastField = false;
  if (!classifyMpp) {
    const sized = raw.filter((c) => !isRedCellShape(c) && c.measure.areaPx >= 6);
    const widths = sized.map((c) => c.measure.widthPx).sort((a, b) => a - b);
    const w = widths.length ? widths[widths.length >> 1] : 6;
    const yeastWidth = nominalYeastWidthPx(sized, w);
    yeastField = yeastWidth !== null;
    if (yeastWidth !== null) {
      classifyMpp = NOMINAL_YEAST_WIDTH_UM / yeastWidth;
      notes.nominalReading = 'yeast';
    } else {
      classifyMpp = 0.8 / Math.max(w, 2);
      const pairs = cutFusedPairsAtNominalScale(
        raw,
        sized,
        classifyMpp,
        (pixels, component, cut) => measureCell(pixels, component, work.width, smoothed, od, probe, cut),
        work.width,
        threshold,
      );
      if (pairs) notes.fusedPairsCutAtNominalScale = pairs;
    }
    notes.nominalMicronsPerPixel = round(classifyMpp / factor, 4);
  }
  const redSet = new Set(rbcCandidates);
  const organismMinDensity = Math.max(0.2, threshold + 0.1);
  notes.organismMinDensity = round(organismMinDensity, 3);

  // Organisms lying on red cells: clearly denser than the cell itself. A red cell read coarsely
  // has nothing dense on it (that was its condition) and is passed over.
  const redCellCount = raw.length;
  for (const rbc of rbcCandidates) {
    if (rbc.coarse) continue;
    const rim = upperQuantile(smoothed, rbc.pixels, 0.85);
    const inner = rim + Math.max(0.15, 0.6 * rim);
    const sub = pixelsAbove(smoothed, rbc.pixels, inner);
    if (sub.length < 3) continue;
    processRegion(rbc.measure.component, sub, inner, 2);
  }
  const extra = raw.splice(redCellCount);
  const allRaw = raw.concat(extra);
  const cells: AnalysedCell[] = allRaw.map((c) => ({
    measure: c.measure,
    cls: classifyCell(c.measure, classifyMpp, redSet.has(c), organismMinDensity),
    morphotype: null,
    arrangement: 'single',
    groupSize: 1,
    mergedInto: -1,
  }));
  // In a field read as yeast (without a scale), a large cell whose stain is mixed rather than
  // safranin (crystal-violet share ≥ 0.25) is one of the field's yeast, unevenly stained or under a
  // stain estimate drawn from that one organism, not a host nucleus.
  if (yeastField)
    for (const c of cells) {
      if (c.cls.kind !== 'host' || c.measure.stainRatio < 0.25) continue;
      const hypha = c.cls.aspectRatio >= 2.2 && c.cls.lengthUm >= 5;
      c.cls = {
        ...c.cls,
        kind: hypha ? 'pseudohypha' : 'yeast',
        gram: 'positive',
        confidence: 0.4,
        reasons: [...c.cls.reasons, "one of the field's yeast cells (crystal-violet share ≥ 0.25)"],
      };
    }
  timer.mark('classify');

  // Budding yeast: a bud and its mother are one organism. A small bud is narrower than the yeast
  // threshold and reads as a violet coccus or short rod on its own; lying on its mother (same
  // object), it is her bud.
  const yeastByComponent = new Map<number, number[]>();
  cells.forEach((c, i) => {
    if (c.cls.kind !== 'yeast') return;
    const list = yeastByComponent.get(c.measure.component);
    if (list) list.push(i);
    else yeastByComponent.set(c.measure.component, [i]);
  });
  // …but only one or two of them: many violet cells on a "yeast" are a cluster of cocci, part of
  // which read as one large cell.
  const budLike = new Map<number, number[]>();
  cells.forEach((c, i) => {
    if (c.cls.gram !== 'positive' || (c.cls.kind !== 'coccus' && c.cls.kind !== 'rod')) return;
    if (!yeastByComponent.has(c.measure.component)) return;
    const list = budLike.get(c.measure.component);
    if (list) list.push(i);
    else budLike.set(c.measure.component, [i]);
  });
  for (const [component, list] of budLike)
    if (list.length <= 2) yeastByComponent.get(component)!.push(...list);
  // Centre distance over the two cells' half-lengths: about 1 or less where they touch.
  const apart = (i: number, j: number): number =>
    Math.hypot(cells[i].measure.cx - cells[j].measure.cx, cells[i].measure.cy - cells[j].measure.cy) /
    ((cells[i].measure.lengthPx + cells[j].measure.lengthPx) / 2);
  for (const list of yeastByComponent.values()) {
    if (list.length < 2) continue;
    list.sort((a, b) => cells[b].measure.areaPx - cells[a].measure.areaPx);
    if (yeastField) {
      // A field of yeast lies in clumps of many cells, each clump one object: a bud is a cell under
      // 0.6 of the area of the nearest larger cell it lies against, not of the clump's largest.
      for (let k = 1; k < list.length; k++) {
        const i = list[k];
        let mother = -1;
        for (let j = 0; j < k; j++)
          if (apart(i, list[j]) <= 1.1 && (mother < 0 || apart(i, list[j]) < apart(i, mother)))
            mother = list[j];
        if (mother < 0 || cells[i].measure.areaPx >= 0.6 * cells[mother].measure.areaPx) continue;
        while (cells[mother].mergedInto >= 0) mother = cells[mother].mergedInto;
        cells[i].mergedInto = mother;
        cells[mother].arrangement = 'budding';
      }
      continue;
    }
    const mother = list[0];
    for (const i of list.slice(1)) {
      if (cells[i].measure.areaPx < 0.6 * cells[mother].measure.areaPx) {
        cells[i].mergedInto = mother;
        cells[mother].arrangement = 'budding';
      }
    }
  }

  // In a field read as yeast, the small objects on a yeast's own object are its pieces: the halo's
  // slivers that ring each cell, fragments the splits cut from its rim, its buds. Read at the yeast
  // scale they are a fraction of a micrometre, and would otherwise stand as a crowd of tiny "rods".
  // Each joins the nearest yeast of its object (whose box then covers it).
  if (yeastField) {
    const yeastOf = new Map<number, number[]>();
    cells.forEach((c, i) => {
      if (c.mergedInto >= 0 || (c.cls.kind !== 'yeast' && c.cls.kind !== 'pseudohypha')) return;
      const list = yeastOf.get(c.measure.component);
      if (list) list.push(i);
      else yeastOf.set(c.measure.component, [i]);
    });
    cells.forEach((c, i) => {
      if (
        c.mergedInto >= 0 ||
        (c.cls.kind !== 'coccus' && c.cls.kind !== 'coccobacillus' && c.cls.kind !== 'rod')
      )
        return;
      const list = yeastOf.get(c.measure.component);
      if (!list) return;
      let mother = list[0];
      for (const j of list) if (apart(i, j) < apart(i, mother)) mother = j;
      if (c.measure.areaPx >= 0.6 * cells[mother].measure.areaPx) return;
      c.mergedInto = mother;
      notes.yeastPiecesJoined = Number(notes.yeastPiecesJoined ?? 0) + 1;
    });
  }

  const placed = (i: number): PlacedCell => ({
    x: cells[i].measure.cx * classifyMpp,
    y: cells[i].measure.cy * classifyMpp,
    lengthUm: cells[i].cls.lengthUm,
    widthUm: cells[i].cls.widthUm,
    angle: cells[i].measure.angle,
  });
  // A plain loop: a flatMap allocating an array per cell cost some 10 ms per field here.
  const indices = (pred: (c: AnalysedCell) => boolean): number[] => {
    const out: number[] = [];
    for (let i = 0; i < cells.length; i++) if (cells[i].mergedInto < 0 && pred(cells[i])) out.push(i);
    return out;
  };

  // Short elongated violet cells are lancet pneumococci or short rods (Listeria): read them as one
  // population, by their width (lancets are broad-based, ≥ 0.6 µm; short rods slimmer).
  const ambiguous = indices(
    (c) =>
      c.cls.gram === 'positive' &&
      (c.cls.kind === 'coccus' || c.cls.kind === 'rod') &&
      c.cls.aspectRatio >= 1.7 &&
      c.cls.lengthUm <= 1.35,
  );
  if (ambiguous.length >= 3) {
    const widths = ambiguous.map((i) => cells[i].cls.widthUm).sort((a, b) => a - b);
    const lancets = widths[widths.length >> 1] >= 0.6;
    notes.shortVioletForms = lancets ? 'lancet cocci' : 'short rods';
    for (const i of ambiguous) {
      const c = cells[i];
      const kind = lancets ? 'coccus' : 'rod';
      if (c.cls.kind !== kind)
        c.cls = {
          ...c.cls,
          kind,
          reasons: [...c.cls.reasons, `read with the field's ${lancets ? 'lancet cocci' : 'short rods'}`],
        };
    }
  }
  // Touching violet cells are one organism's cells. Coryneform palisades (club-shaped rods side by
  // side, beaded with granules) and boxcar chains are cut by the splits into short pieces that read
  // as cocci, but the pieces still touch their rods: in a field whose violet material is mostly rods
  // (by area), a coccus in a touching group that is mostly rod (by area: one rod cut into three
  // pieces is still one rod's worth) is read as a piece of those rods. Where cocci are the larger
  // population a rod among them may be a dividing pair of cocci, so nothing is changed there.
  const violet = indices(
    (c) => c.cls.gram === 'positive' && (c.cls.kind === 'coccus' || c.cls.kind === 'rod'),
  );
  let violetRodArea = 0;
  let violetArea = 0;
  for (const i of violet) {
    violetArea += cells[i].cls.areaUm2;
    if (cells[i].cls.kind === 'rod') violetRodArea += cells[i].cls.areaUm2;
  }
  if (violetRodArea > 0 && violetRodArea >= 0.5 * violetArea && violetRodArea < violetArea) {
    const violetCells = violet.map(placed);
    const links = linkCells(violetCells, 1, 0.2);
    const rodLengths = violet
      .filter((i) => cells[i].cls.kind === 'rod')
      .map((i) => cells[i].cls.lengthUm)
      .sort((a, b) => a - b);
    const rodLength = rodLengths[rodLengths.length >> 1];
    // A piece lying on a rod's axis, end to end with it, that with the rod still spans no more than
    // a rod of this field is the rest of that rod (cut at a granule or a septum): it joins the rod's
    // box rather than standing as a short rod of its own.
    const rodOf = (m: number): number => {
      const piece = violetCells[m];
      let best = -1;
      let bestSpan = Infinity;
      for (const r of links.neighbours[m]) {
        if (cells[violet[r]].cls.kind !== 'rod' || cells[violet[r]].mergedInto >= 0) continue;
        const rod = violetCells[r];
        const dx = piece.x - rod.x;
        const dy = piece.y - rod.y;
        const along = Math.abs(dx * Math.cos(rod.angle) + dy * Math.sin(rod.angle));
        if (along < 0.8 * Math.hypot(dx, dy)) continue;
        const span = along + rod.lengthUm / 2 + piece.lengthUm / 2;
        if (span <= 1.5 * rodLength && span < bestSpan) {
          best = r;
          bestSpan = span;
        }
      }
      return best;
    };
    for (const members of links.groups) {
      if (members.length < 2) continue;
      let rodArea = 0;
      let area = 0;
      for (const m of members) {
        const c = cells[violet[m]];
        area += c.cls.areaUm2;
        if (c.cls.kind === 'rod') rodArea += c.cls.areaUm2;
      }
      if (rodArea === 0 || rodArea === area || rodArea < 0.5 * area) continue;
      let pieces = 0;
      for (const m of members) {
        const c = cells[violet[m]];
        if (c.cls.kind !== 'coccus') continue;
        pieces++;
        const rod = rodOf(m);
        if (rod >= 0) {
          c.mergedInto = violet[rod];
          notes.rodPiecesJoined = Number(notes.rodPiecesJoined ?? 0) + 1;
        }
        c.cls = {
          ...c.cls,
          kind: 'rod',
          reasons: [
            ...c.cls.reasons,
            `touches Gram-positive rods (${Math.round((100 * rodArea) / area)} % of its group's area): a piece of a palisade or chain of rods`,
          ],
        };
      }
      notes.rodPieces = Number(notes.rodPieces ?? 0) + pieces;
    }
  }
  // An unstained spore pales the middle of a Bacillus rod, and the watershed often cuts the rod in two
  // there. Two broad violet rods of one object lying end to end, no longer together than a Bacillus
  // rod, whose joined slices show no gap across their whole width (see rod-junction.ts) are one rod:
  // the second joins the first's box. Two rods of a boxcar chain keep the gap between them.
  const broadRods = indices((c) => c.cls.gram === 'positive' && c.cls.kind === 'rod' && c.cls.widthUm >= 0.9);
  if (broadRods.length >= 2) {
    const rods = broadRods.map(placed);
    const links = linkCells(rods, 1, 0.3);
    for (let a = 0; a < rods.length; a++) {
      const i = broadRods[a];
      if (cells[i].mergedInto >= 0) continue;
      for (const b of links.neighbours[a]) {
        const j = broadRods[b];
        if (b < a || cells[j].mergedInto >= 0) continue;
        if (cells[i].measure.component !== cells[j].measure.component) continue;
        const p = rods[a];
        const q = rods[b];
        const dx = q.x - p.x;
        const dy = q.y - p.y;
        const gap = Math.hypot(dx, dy);
        const axis = Math.atan2(dy, dx);
        if (Math.abs(Math.cos(p.angle - axis)) < 0.95 || Math.abs(Math.cos(q.angle - axis)) < 0.95) continue;
        if (gap + (p.lengthUm + q.lengthUm) / 2 > 7) continue;
        const union = new Int32Array(allRaw[i].pixels.length + allRaw[j].pixels.length);
        union.set(allRaw[i].pixels);
        union.set(allRaw[j].pixels, allRaw[i].pixels.length);
        const mi = cells[i].measure;
        const mj = cells[j].measure;
        const n = mi.areaPx + mj.areaPx;
        const cx = (mi.cx * mi.areaPx + mj.cx * mj.areaPx) / n;
        const cy = (mi.cy * mi.areaPx + mj.cy * mj.areaPx) / n;
        const minPart = Math.min(p.lengthUm, q.lengthUm) / (2 * classifyMpp);
        if (
          splitAtJunction(
            union,
            work.width,
            cx,
            cy,
            axis,
            Math.max(mi.widthPx, mj.widthPx),
            smoothed,
            minPart,
          )
        )
          continue;
        cells[j].mergedInto = i;
        for (const c of cells) if (c.mergedInto === j) c.mergedInto = i;
        notes.sporeHalvesJoined = Number(notes.sporeHalvesJoined ?? 0) + 1;
        break;
      }
    }
  }
  // Coryneforms, Listeria and Bacillus show coccoid forms, and palisades or boxcar chains that the
  // splits cut into short pieces: in a field where Gram-positive rods are at least as many as the
  // violet "cocci", cocci no wider than those rods are read as the rods' own forms, not as a second
  // organism. (Where the cocci clearly outnumber the rods, as in a mixed culture, both stand.)
  // Rods by their own measure only: short forms just read as rods with the field's population (the
  // short-violet-forms rule above) would otherwise turn a field of lancet pairs into one of rods.
  // Pieces that touch their rods (the rule just above) count with the rods.
  const gpRods = indices(
    (c) =>
      c.cls.gram === 'positive' &&
      c.cls.kind === 'rod' &&
      !(c.cls.aspectRatio >= 1.7 && c.cls.lengthUm <= 1.35),
  );
  const gpRound = indices((c) => c.cls.gram === 'positive' && c.cls.kind === 'coccus');
  if (gpRods.length >= 10 && gpRods.length >= 0.9 * gpRound.length && gpRound.length > 0) {
    const median = (list: number[]): number => {
      const v = list.map((i) => cells[i].cls.widthUm).sort((a, b) => a - b);
      return v[v.length >> 1];
    };
    const rodWidth = median(gpRods);
    if (median(gpRound) <= 1.15 * rodWidth) {
      notes.coccoidRodForms = gpRound.length;
      for (const i of gpRound) {
        const c = cells[i];
        if (c.cls.widthUm > 1.3 * rodWidth) continue;
        c.cls = {
          ...c.cls,
          kind: 'rod',
          reasons: [...c.cls.reasons, "coccoid form of the field's Gram-positive rods"],
        };
      }
    }
  }
  // Cocci that touch in a group are one organism's cells: the group's majority Gram call holds for
  // each member (a few over-decolorised cells of a staphylococcal cluster stay Gram-positive).
  const cocci = indices((c) => c.cls.kind === 'coccus');
  if (cocci.length >= 3) {
    const links = linkCells(cocci.map(placed), 1.3);
    for (const members of links.groups) {
      if (members.length < 3) continue;
      const positives = members.filter((m) => cells[cocci[m]].cls.gram === 'positive').length;
      const gram = positives * 2 >= members.length ? 'positive' : 'negative';
      for (const m of members) {
        const c = cells[cocci[m]];
        if (c.cls.gram !== gram)
          c.cls = {
            ...c.cls,
            gram,
            reasons: [...c.cls.reasons, `Gram call of its group of ${members.length} cocci`],
          };
      }
    }
  }
  // Gram-positive cocci: one reading per field.
  const gpc = indices((c) => c.cls.kind === 'coccus' && c.cls.gram === 'positive');
  let cocciReading: ReturnType<typeof readCocciField> | null = null;
  if (gpc.length > 0) {
    const gpcCells = gpc.map(placed);
    const links = linkCells(gpcCells, 1.3);
    cocciReading = readCocciField(gpcCells, links);
    for (const members of links.groups) {
      const kind = classifyCocciGroup(members, links.neighbours);
      for (const m of members) {
        const cell = cells[gpc[m]];
        cell.arrangement = kind;
        cell.groupSize = members.length;
        cell.morphotype = morphotypeOfGroup(cocciReading, kind, members.length);
      }
    }
    notes.cocciEvidence = JSON.stringify(cocciReading.evidence);
    if (cocciReading.second) notes.secondCoccalOrganism = cocciReading.second;
    // Staphylococci, streptococci, enterococci and pneumococci divide into pairs, chains and
    // clusters. A "population" of violet cocci lying almost all alone is more likely crystal-violet
    // precipitate (specks of coccal size); its lone members are doubted enough not to be reported.
    const { singles } = cocciReading.evidence;
    if (singles >= 3 && singles >= 0.6 * gpc.length) {
      notes.isolatedVioletSpecks = singles;
      for (const i of gpc)
        if (cells[i].arrangement === 'single')
          cells[i].doubt = {
            factor: 0.15,
            reason: 'lone violet coccus in a field of lone cocci: possibly stain precipitate',
          };
    }
  }
  // Small Gram-negative forms are one population too: Neisseria-like beans are wider (≥ 0.6 µm)
  // than Haemophilus-like coccobacilli (0.3–0.5 µm), which a per-cell reading often confuses.
  const smallGn = indices(
    (c) => (c.cls.kind === 'coccus' || c.cls.kind === 'coccobacillus') && c.cls.gram === 'negative',
  );
  if (smallGn.length >= 3) {
    const widths = smallGn.map((i) => cells[i].cls.widthUm).sort((a, b) => a - b);
    const medianWidth = widths[widths.length >> 1];
    notes.gramNegativeSmallWidthUm = round(medianWidth, 2);
    const population: CellClass['kind'] = medianWidth >= 0.58 ? 'coccus' : 'coccobacillus';
    for (const i of smallGn) {
      const c = cells[i];
      if (
        c.cls.kind !== population &&
        (population === 'coccobacillus' ? c.cls.widthUm < 0.7 : c.cls.lengthUm <= 1.2)
      )
        c.cls = {
          ...c.cls,
          kind: population,
          reasons: [...c.cls.reasons, `read with the field's ${population} population`],
        };
    }
  }
  const gnc = indices((c) => c.cls.kind === 'coccus' && c.cls.gram === 'negative');
  if (gnc.length > 0) {
    const links = linkCells(gnc.map(placed), 1.3);
    for (const members of links.groups) {
      const kind = classifyCocciGroup(members, links.neighbours);
      for (const m of members) {
        cells[gnc[m]].arrangement = kind;
        cells[gnc[m]].groupSize = members.length;
        cells[gnc[m]].morphotype = 'gnc';
      }
    }
  }
  const rods = indices((c) => c.cls.kind === 'rod' || c.cls.kind === 'coccobacillus');
  const rodArrangement = arrangeRods(rods.map(placed));
  rods.forEach((i, k) => {
    const c = cells[i];
    c.arrangement = rodArrangement[k];
    c.morphotype = c.cls.gram === 'positive' ? 'gpr' : c.cls.kind === 'coccobacillus' ? 'gncb' : 'gnr';
  });
  for (const i of indices((c) => c.cls.kind === 'yeast' || c.cls.kind === 'pseudohypha')) {
    cells[i].morphotype = 'yeast';
    if (cells[i].cls.kind === 'pseudohypha') cells[i].arrangement = 'pseudohypha';
  }
  for (const i of indices((c) => c.cls.kind === 'rbc')) cells[i].morphotype = 'rbc';
  timer.mark('arrangement');

  // How much each organism looks like one, read against its field (the detection's score):
  // a smooth, filled outline; not much fainter than the rest of its morphotype; a Gram-negative not
  // thinner than the thinnest coccobacillus, a coccobacillus not thread-like; and a morphotype that
  // holds a real share of the field's organisms — a handful of odd objects in a field of something
  // else is more often precipitate, a strand's fragment or a split cell than a second organism.
  const organismCells = cells.filter((c) => c.mergedInto < 0 && c.morphotype && c.morphotype !== 'rbc');
  const byMorphotype = new Map<MorphotypeKey, number[]>();
  for (const c of organismCells) {
    const list = byMorphotype.get(c.morphotype!);
    if (list) list.push(c.measure.peakOd);
    else byMorphotype.set(c.morphotype!, [c.measure.peakOd]);
  }
  const medianDensity = new Map<MorphotypeKey, number>();
  for (const [m, list] of byMorphotype) medianDensity.set(m, list.sort((a, b) => a - b)[list.length >> 1]);
  // A bacterial species keeps its width: it is set by the cell wall and varies little within a
  // culture (the middle half of a Gram-negative population's widths lies within ~25 % of its median
  // here, whatever the organism). Pink debris — fibrin and protein strands broken into pieces where
  // they cross red cells or fade, fragments of host nuclei — comes in every width. A Gram-negative
  // morphotype seen only in small numbers (under 2 per 1000 µm² of field, where a positive culture's
  // organism is seen in far greater numbers) whose widths scatter this widely is doubted as debris.
  const fieldAreaUm2 = work.width * work.height * classifyMpp * classifyMpp;
  const scatteredWidths = new Map<MorphotypeKey, number>();
  for (const m of ['gnr', 'gncb', 'gnc'] as const) {
    const widths = organismCells.filter((c) => c.morphotype === m).map((c) => c.cls.widthUm);
    const n = widths.length;
    if (n < 5 || n >= (2 * fieldAreaUm2) / 1000) continue;
    widths.sort((a, b) => a - b);
    const spread = (widths[(3 * n) >> 2] - widths[n >> 2]) / widths[n >> 1];
    if (spread > 0.3) scatteredWidths.set(m, spread);
  }
  if (scatteredWidths.size)
    notes.scatteredWidths = [...scatteredWidths].map(([m, s]) => `${m} ${s.toFixed(2)}`).join(', ');
  // Pale pink material beside a field's violet organisms is counterstain, not a second organism
  // (see counterstainedBackgroundDensity).
  const backgroundBelow = counterstainedBackgroundDensity(
    organismCells.map((c) => ({
      gram: c.cls.gram,
      stainRatio: c.measure.stainRatio,
      peakOd: c.measure.peakOd,
      width: c.measure.widthPx,
    })),
  );
  if (backgroundBelow !== null) notes.counterstainBackgroundBelow = round(backgroundBelow, 3);
  const clamp01 = (v: number): number => (v < 0 ? 0 : v > 1 ? 1 : v);
  const plausibility = (cell: AnalysedCell): { factor: number; doubts: string[] } => {
    const m = cell.morphotype!;
    const doubts: string[] = [];
    if (m === 'rbc') return { factor: 1, doubts };
    const part = (value: number, why: string): number => {
      if (value < 0.75) doubts.push(why);
      return value;
    };
    let f = part(
      clamp01((cell.measure.fill - 0.6) / 0.25),
      `ragged outline (fill ${cell.measure.fill.toFixed(2)})`,
    );
    if (m === 'gnr' || m === 'gncb' || m === 'gnc')
      f *= part(clamp01((cell.cls.widthUm - 0.2) / 0.18), 'thinner than any Gram-negative organism');
    if (m === 'gncb')
      f *= part(clamp01((3.6 - cell.cls.aspectRatio) / 1.2), 'thread-like for a coccobacillus');
    f *= part(
      clamp01(cell.measure.peakOd / (0.7 * (medianDensity.get(m) ?? cell.measure.peakOd))),
      'fainter than the rest of its morphotype',
    );
    const share = (byMorphotype.get(m)?.length ?? 0) / Math.max(1, organismCells.length);
    f *= part(
      clamp01(0.4 + (share / 0.25) * 0.6),
      `few of its kind in this field (${Math.round(100 * share)} % of organisms)`,
    );
    const scatter = scatteredWidths.get(m);
    if (scatter !== undefined) {
      f *= 0.15;
      doubts.push(
        `few of its kind and of scattered widths (middle half spans ${Math.round(100 * scatter)} % of the median): pink debris rather than one organism`,
      );
    }
    if (backgroundBelow !== null && cell.cls.gram === 'negative' && cell.measure.peakOd < backgroundBelow) {
      f *= 0.15;
      doubts.push('pale pink material beside denser violet organisms: counterstained background');
    }
    if (cell.doubt) {
      f *= cell.doubt.factor;
      doubts.push(cell.doubt.reason);
    }
    return { factor: f, doubts };
  };

  const detections: Detection[] = [];
  const reportMpp = mpp;
  const budsOf = new Map<number, AnalysedCell[]>();
  for (const c of cells) {
    if (c.mergedInto < 0) continue;
    const list = budsOf.get(c.mergedInto);
    if (list) list.push(c);
    else budsOf.set(c.mergedInto, [c]);
  }
  for (let ci = 0; ci < cells.length; ci++) {
    const cell = cells[ci];
    if (cell.mergedInto >= 0 || !cell.morphotype) continue;
    let m = cell.measure;
    // A budding yeast's box covers its buds.
    const buds = budsOf.get(ci);
    if (buds) {
      m = {
        ...m,
        x0: Math.min(m.x0, ...buds.map((b) => b.measure.x0)),
        y0: Math.min(m.y0, ...buds.map((b) => b.measure.y0)),
        x1: Math.max(m.x1, ...buds.map((b) => b.measure.x1)),
        y1: Math.max(m.y1, ...buds.map((b) => b.measure.y1)),
      };
    }
    const { cls } = cell;
    const { factor: plausible, doubts } = plausibility(cell);
    const score = 0.3 * (0.4 + 0.6 * cls.confidence) + 0.7 * plausible;
    // What the engine doubts more than it believes is not reported (nor counted in the finding).
    if (cell.morphotype !== 'rbc' && score < MIN_REPORTED_SCORE) {
      cell.unreported = true;
      notes.doubtfulNotReported = Number(notes.doubtfulNotReported ?? 0) + 1;
      continue;
    }
    const explanation: NonNullable<Detection['explanation']> & { density?: number; fill?: number } = {
      stainRatio: round(m.stainRatio, 3),
      density: round(m.peakOd, 3),
      fill: round(m.fill, 2),
      aspectRatio: round(cls.aspectRatio, 2),
      shape: cls.kind,
      arrangement: cell.arrangement,
      groupSize: cell.groupSize,
      reasons: doubts.length ? [...cls.reasons, ...doubts.map((d) => `doubt: ${d}`)] : cls.reasons,
    };
    if (reportMpp) {
      explanation.lengthUm = round(cls.lengthUm, 2);
      explanation.widthUm = round(cls.widthUm, 2);
      explanation.areaUm2 = round(cls.areaUm2, 2);
    }
    detections.push({
      box: toBox(m, factor, image.width, image.height),
      label: topLabelForMorphotype(cell.morphotype),
      score: round(score, 3),
      morphotype: cell.morphotype,
      gram: cls.gram,
      explanation,
    });
  }
  // Faint red cells the organism threshold did not reach (those it did are already boxed).
  if (mpp) {
    const scale = mpp * redStep;
    const redBoxes = detections.filter((d) => d.morphotype === 'rbc').map((d) => d.box);
    for (const d of redDiscs) {
      const across = d.diameterPx * scale;
      if (d.stainRatio >= 0.45 || d.meanOd >= 0.75 || d.roundness < 0.6 || across < 4.2 || across > 10.5)
        continue;
      if (Math.max(d.x1 - d.x0 + 1, d.y1 - d.y0 + 1) * scale > 11.5) continue;
      const k = factor * redStep;
      const box: [number, number, number, number] = [
        Math.max(0, d.x0 * k),
        Math.max(0, d.y0 * k),
        Math.min(image.width, (d.x1 + 1) * k),
        Math.min(image.height, (d.y1 + 1) * k),
      ];
      if (redBoxes.some((b) => iou(b, box) >= 0.3)) continue;
      detections.push({
        box,
        label: 'rbc',
        score: 0.7,
        morphotype: 'rbc',
        gram: 'n/a',
        explanation: {
          stainRatio: round(d.stainRatio, 3),
          shape: 'rbc',
          arrangement: 'single',
          groupSize: 1,
          reasons: ['pale round disc of red-cell size, found at low contrast'],
          ...(reportMpp ? { lengthUm: round(across, 2), widthUm: round(across, 2) } : {}),
        },
      });
    }
  }
  const differential = differentialFromMorphologyEvidence(
    cells
      .filter((c) => c.mergedInto < 0 && c.morphotype && c.morphotype !== 'rbc')
      .map((c) => ({
        morphotype: c.morphotype!,
        lengthUm: c.cls.lengthUm,
        widthUm: c.cls.widthUm,
        arrangement: c.arrangement,
      })),
    cocciReading
      ? { lancetPairs: cocciReading.lancetPairs, meanGroupSize: cocciReading.meanGroupSize }
      : undefined,
  );
  timer.mark('detections');
  return {
    detections,
    scale: { micronsPerPixel: reportMpp ? reportMpp / factor : null, source: reportMpp ? source : 'unknown' },
    assessable: { ok: true },
    differential,
    stages: timer.stages,
    stageCpu: timer.stageCpu,
    notes,
    ...(options.keepLayers
      ? {
          layers: {
            work,
            background,
            stains,
            maps: deconvolveStains(work, fineBackground, stains),
            smoothed,
            threshold,
            components,
            cellMap: buildCellMap(allRaw, work.width * work.height),
            cells,
          },
        }
      : {}),
  };
}

function buildCellMap(raw: readonly RawCell[], size: number): Int32Array {
  const map = new Int32Array(size).fill(-1);
  raw.forEach((c, i) => {
    for (const p of c.pixels) map[p] = i;
  });
  return map;
}
