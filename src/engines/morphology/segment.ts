/**
 * Segmentation: smoothing, thresholding and connected components over the working image. Components
 * keep their pixel lists (runs listed in raster order) so every later stage touches object pixels
 * only, never the whole field again.
 */
import { FRESH_BUFFERS, type FieldBuffers } from './scratch.js';

/** 3x3 box mean, separable, edges replicated. Damps pixel noise before thresholding. */
export function smoothBox3(
  src: Float32Array,
  width: number,
  height: number,
  buffers: FieldBuffers = FRESH_BUFFERS,
): Float32Array {
  return box3(src, width, height, buffers, 0, null);
}

/** 3x3 box mean and threshold in one go: returns the smoothed map and fills `mask`. */
export function smoothAndThreshold(
  src: Float32Array,
  width: number,
  height: number,
  threshold: number,
  mask: Uint8Array,
  buffers: FieldBuffers = FRESH_BUFFERS,
): Float32Array {
  return box3(src, width, height, buffers, threshold, mask);
}

/**
 * The 3x3 mean, thresholded into `mask` (when given) in the same pass. Edge pixels are handled
 * outside the inner loops, which then run without a branch per pixel.
 */
function box3(
  src: Float32Array,
  width: number,
  height: number,
  buffers: FieldBuffers,
  threshold: number,
  mask: Uint8Array | null,
): Float32Array {
  const tmp = buffers.f32('smoothBox3.tmp', src.length);
  const out = buffers.f32('smoothBox3.out', src.length);
  for (let y = 0; y < height; y++) {
    const o = y * width;
    if (width === 1) {
      tmp[o] = src[o] + src[o] + src[o];
      continue;
    }
    tmp[o] = src[o] + src[o] + src[o + 1];
    for (let x = 1; x < width - 1; x++) tmp[o + x] = src[o + x - 1] + src[o + x] + src[o + x + 1];
    const e = o + width - 1;
    tmp[e] = src[e - 1] + src[e] + src[e];
  }
  for (let y = 0; y < height; y++) {
    const up = (y > 0 ? y - 1 : y) * width;
    const o = y * width;
    const dn = (y < height - 1 ? y + 1 : y) * width;
    if (mask) {
      for (let x = 0; x < width; x++) {
        // Compared as stored (single precision), as a separate pass over `out` would.
        const v = Math.fround((tmp[up + x] + tmp[o + x] + tmp[dn + x]) / 9);
        out[o + x] = v;
        mask[o + x] = v > threshold ? 1 : 0;
      }
    } else {
      for (let x = 0; x < width; x++) out[o + x] = (tmp[up + x] + tmp[o + x] + tmp[dn + x]) / 9;
    }
  }
  return out;
}

/** Connected components as lists: count, areas, boxes and each one's pixels. */
export interface ComponentList {
  readonly count: number;
  readonly area: Int32Array;
  readonly x0: Int32Array;
  readonly y0: Int32Array;
  readonly x1: Int32Array;
  readonly y1: Int32Array;
  /** Pixels of component k are pixels[offsets[k] .. offsets[k + 1]). */
  readonly offsets: Int32Array;
  readonly pixels: Int32Array;
}

export interface Components extends ComponentList {
  /** Component index per pixel, -1 for background. */
  readonly labels: Int32Array;
}

/**
 * 8-connected components of a mask (union-find over runs), with area, bounding box, pixel lists and
 * the label map.
 *
 * @example
 * const comps = labelComponents(mask, width, height);
 * comps.count; // number of objects
 */
export function labelComponents(
  mask: Uint8Array,
  width: number,
  height: number,
  buffers: FieldBuffers = FRESH_BUFFERS,
): Components {
  return connect(mask, width, height, buffers.i32('labelComponents', width * height));
}

/**
 * The components of a mask without the per-pixel label map (cheaper: most callers only walk the
 * lists).
 */
export function findComponents(mask: Uint8Array, width: number, height: number): ComponentList {
  return connect(mask, width, height, null);
}

/**
 * The holes of an object in a crop: the components of its background (8-connected) other than the
 * one holding pixel 0. The crop's padding ring is empty, so that one is the glass around the object.
 * `mask` is 1 (or any non-zero value) on the object and is not changed.
 */
export function findHoles(mask: Uint8Array, width: number, height: number): ComponentList {
  return listComponents(scanRuns(mask, width, height, true), width, height, null, true);
}

/**
 * Labels into `labels` (kept as the label map, -1 for background) or builds the lists only.
 *
 * Runs, not pixels: each row's runs of object pixels get provisional labels and are joined with the
 * runs they touch (8-connected: overlapping or diagonal) on the row above, so union-find works per
 * run and the per-pixel work is the scan for run ends. Objects are mostly long runs (a red cell's
 * rows are dozens of pixels): on object crops this is where labelling spent its time.
 */
function connect(mask: Uint8Array, width: number, height: number, labels: Int32Array): Components;
function connect(mask: Uint8Array, width: number, height: number, labels: null): ComponentList;
function connect(mask: Uint8Array, width: number, height: number, labels: Int32Array | null): ComponentList {
  return listComponents(scanRuns(mask, width, height, false), width, height, labels, false);
}

/**
 * Finds the runs of object pixels (of background pixels with `background`) row by row into the
 * scratch run lists and joins touching runs; returns the number of runs.
 */
function scanRuns(mask: Uint8Array, width: number, height: number, background: boolean): number {
  const size = width * height;
  let parent = runParent;
  let nRuns = 0;
  // Four mask bytes are read at once where the mask is empty (most of a field is glass).
  const words =
    !background && mask.byteOffset % 4 === 0
      ? new Uint32Array(mask.buffer, mask.byteOffset, size >> 2)
      : null;
  let prevFrom = 0;
  let prevTo = 0;
  for (let y = 0; y < height; y++) {
    const row = y * width;
    const rowFrom = nRuns;
    let j = prevFrom;
    for (let x = 0; x < width; x++) {
      const p = row + x;
      if (words !== null && (p & 3) === 0 && x + 3 < width && words[p >> 2] === 0) {
        x += 3;
        continue;
      }
      if (!mask[p] !== background) continue;
      let end = x;
      if (background) while (end + 1 < width && !mask[row + end + 1]) end++;
      else while (end + 1 < width && mask[row + end + 1]) end++;
      if (nRuns === runStart.length) growRuns();
      if (nRuns === parent.length) parent = growParent();
      const label = nRuns;
      runStart[label] = p;
      runEnd[label] = row + end;
      parent[label] = label;
      nRuns++;
      // Runs above touching this one: those ending at x - 1 or later and starting by end + 1.
      const upFrom = p - width - 1;
      const upTo = row - width + end + 1;
      while (j < prevTo && runEnd[j] < upFrom) j++;
      for (let r = j; r < prevTo && runStart[r] <= upTo; r++) union(parent, label, r);
      // The next run starts at end + 2 or later: the last run above touching this one may touch it too.
      x = end;
    }
    prevFrom = rowFrom;
    prevTo = nRuns;
  }
  runParent = parent;
  return nRuns;
}

/** Components of the scanned runs, numbered by first pixel; `dropFirst` leaves out the first one. */
function listComponents(
  nRuns: number,
  width: number,
  height: number,
  labels: Int32Array | null,
  dropFirst: boolean,
): ComponentList {
  const parent = runParent;
  const finalOf = new Int32Array(nRuns);
  let count = 0;
  // Roots are the smallest run of each component (union keeps the smaller), and runs are numbered
  // in raster order: components come out numbered by their first pixel.
  const first = dropFirst ? -1 : 0;
  for (let i = 0; i < nRuns; i++)
    finalOf[i] = find(parent, i) === i ? first + count++ : finalOf[find(parent, i)];
  if (dropFirst && count > 0) count--;
  const area = new Int32Array(count);
  const x0 = new Int32Array(count).fill(width);
  const y0 = new Int32Array(count).fill(height);
  const x1 = new Int32Array(count).fill(-1);
  const y1 = new Int32Array(count).fill(-1);
  for (let i = 0; i < nRuns; i++) {
    const l = finalOf[i];
    if (l < 0) continue;
    const a = runStart[i];
    const y = (a / width) | 0;
    const xa = a - y * width;
    const xb = runEnd[i] - y * width;
    area[l] += xb - xa + 1;
    if (xa < x0[l]) x0[l] = xa;
    if (xb > x1[l]) x1[l] = xb;
    if (y < y0[l]) y0[l] = y;
    if (y > y1[l]) y1[l] = y;
  }
  const offsets = new Int32Array(count + 1);
  for (let k = 0; k < count; k++) offsets[k + 1] = offsets[k] + area[k];
  const fill = offsets.slice(0, count);
  const pixels = new Int32Array(offsets[count]);
  // Runs in raster order keep each component's pixels in raster order.
  for (let i = 0; i < nRuns; i++) {
    const l = finalOf[i];
    if (l < 0) continue;
    let n = fill[l];
    for (let q = runStart[i]; q <= runEnd[i]; q++) pixels[n++] = q;
    fill[l] = n;
  }
  if (!labels) return { count, area, x0, y0, x1, y1, offsets, pixels };
  labels.fill(-1);
  for (let i = 0; i < nRuns; i++) labels.fill(finalOf[i], runStart[i], runEnd[i] + 1);
  const withLabels: Components = { count, labels, area, x0, y0, x1, y1, offsets, pixels };
  return withLabels;
}

/** Scratch run lists, reused across calls (grown, never shrunk). */
let runStart: Int32Array = new Int32Array(1024);
let runEnd: Int32Array = new Int32Array(1024);
let runParent: Int32Array = new Int32Array(1024);

function growRuns(): void {
  const start = new Int32Array(2 * runStart.length);
  const end = new Int32Array(2 * runEnd.length);
  start.set(runStart);
  end.set(runEnd);
  runStart = start;
  runEnd = end;
}

function growParent(): Int32Array {
  const grown = new Int32Array(2 * runParent.length);
  grown.set(runParent);
  runParent = grown;
  return grown;
}

function find(parent: Int32Array, a: number): number {
  while (parent[a] !== a) {
    parent[a] = parent[parent[a]];
    a = parent[a];
  }
  return a;
}

function union(parent: Int32Array, a: number, b: number): void {
  const ra = find(parent, a);
  const rb = find(parent, b);
  if (ra !== rb) {
    if (ra < rb) parent[rb] = ra;
    else parent[ra] = rb;
  }
}
