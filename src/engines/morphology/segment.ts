/**
 * Segmentation: smoothing, thresholding and connected components over the working image. Components
 * keep their pixel lists (grouped by a counting sort) so every later stage touches object pixels
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
  const tmp = buffers.f32('smoothBox3.tmp', src.length);
  const out = buffers.f32('smoothBox3.out', src.length);
  for (let y = 0; y < height; y++) {
    const o = y * width;
    for (let x = 0; x < width; x++) {
      const l = src[o + (x > 0 ? x - 1 : x)];
      const r = src[o + (x < width - 1 ? x + 1 : x)];
      tmp[o + x] = l + src[o + x] + r;
    }
  }
  for (let y = 0; y < height; y++) {
    const up = (y > 0 ? y - 1 : y) * width;
    const o = y * width;
    const dn = (y < height - 1 ? y + 1 : y) * width;
    for (let x = 0; x < width; x++) out[o + x] = (tmp[up + x] + tmp[o + x] + tmp[dn + x]) / 9;
  }
  return out;
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
  const out = smoothBox3(src, width, height, buffers);
  for (let i = 0; i < out.length; i++) mask[i] = out[i] > threshold ? 1 : 0;
  return out;
}

export function thresholdMask(src: Float32Array, threshold: number): Uint8Array {
  const mask = new Uint8Array(src.length);
  for (let i = 0; i < src.length; i++) mask[i] = src[i] > threshold ? 1 : 0;
  return mask;
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

function find(parent: Int32Array, a: number): number {
  while (parent[a] !== a) {
    parent[a] = parent[parent[a]];
    a = parent[a];
  }
  return a;
}

/**
 * 8-connected components of a mask (two-pass union-find), with area, bounding box and pixel lists.
 * Provisional labels start at 1 so the zero-filled label array needs no initialisation pass.
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
  const labels = buffers.i32('labelComponents', width * height);
  // A kept array holds the last field's labels: the first pass reads provisional labels as zero.
  labels.fill(0);
  return connect(mask, width, height, labels);
}

/**
 * The components of a mask without the per-pixel label map (cheaper: most callers only walk the
 * lists).
 */
export function findComponents(mask: Uint8Array, width: number, height: number): ComponentList {
  return connect(mask, width, height, null);
}

/** Labels into `labels` (zero-filled, kept as the label map) or into a fresh array. */
function connect(mask: Uint8Array, width: number, height: number, labels: Int32Array): Components;
function connect(mask: Uint8Array, width: number, height: number, labels: null): ComponentList;
function connect(mask: Uint8Array, width: number, height: number, labels: Int32Array | null): ComponentList {
  const size = width * height;
  const lab = labels ?? new Int32Array(size);
  let parent = new Int32Array(64);
  let next = 1;
  // Object pixels in raster order: the later passes visit these only, not the whole (mostly empty)
  // mask again.
  if (foreground.length < size) foreground = new Int32Array(Math.max(size, 2 * foreground.length));
  const fg = foreground;
  let nFg = 0;
  // Four mask bytes are read at once where the mask is empty (most of a field is glass).
  const words = mask.byteOffset % 4 === 0 ? new Uint32Array(mask.buffer, mask.byteOffset, size >> 2) : null;
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) {
      const p = row + x;
      if (words !== null && (p & 3) === 0 && x + 3 < width && words[p >> 2] === 0) {
        x += 3;
        continue;
      }
      if (!mask[p]) continue;
      fg[nFg++] = p;
      let label = x > 0 ? lab[p - 1] : 0;
      if (y > 0) {
        const up = p - width;
        const a = x > 0 ? lab[up - 1] : 0;
        const b = lab[up];
        const c = x < width - 1 ? lab[up + 1] : 0;
        if (b) {
          if (!label) label = b;
          else if (b !== label) union(parent, label, b);
        } else {
          // Up-left and up-right are only connected through this pixel when up is empty.
          if (a) {
            if (!label) label = a;
            else if (a !== label) union(parent, label, a);
          }
          if (c) {
            if (!label) label = c;
            else if (c !== label) union(parent, label, c);
          }
        }
      }
      if (!label) {
        if (next === parent.length) {
          const grown = new Int32Array(parent.length * 2);
          grown.set(parent);
          parent = grown;
        }
        parent[next] = next;
        label = next++;
      }
      lab[p] = label;
    }
  }
  const finalOf = new Int32Array(next);
  let count = 0;
  for (let i = 1; i < next; i++) {
    const r = find(parent, i);
    if (r === i) finalOf[i] = count++;
  }
  for (let i = 1; i < next; i++) finalOf[i] = finalOf[find(parent, i)];
  const area = new Int32Array(count);
  const x0 = new Int32Array(count).fill(width);
  const y0 = new Int32Array(count).fill(height);
  const x1 = new Int32Array(count).fill(-1);
  const y1 = new Int32Array(count).fill(-1);
  for (let i = 0; i < nFg; i++) {
    const p = fg[i];
    const l = finalOf[lab[p]];
    // The provisional label is read once and overwritten with the final one, which the counting
    // sort below reads.
    lab[p] = l;
    const y = (p / width) | 0;
    const x = p - y * width;
    area[l]++;
    if (x < x0[l]) x0[l] = x;
    if (x > x1[l]) x1[l] = x;
    if (y < y0[l]) y0[l] = y;
    if (y > y1[l]) y1[l] = y;
  }
  const offsets = new Int32Array(count + 1);
  for (let k = 0; k < count; k++) offsets[k + 1] = offsets[k] + area[k];
  const fill = offsets.slice(0, count);
  const pixels = new Int32Array(offsets[count]);
  // A counting sort of the raster-ordered list keeps each component's pixels in raster order.
  for (let i = 0; i < nFg; i++) {
    const p = fg[i];
    pixels[fill[lab[p]]++] = p;
  }
  if (!labels) return { count, area, x0, y0, x1, y1, offsets, pixels };
  // Background reads -1: a native fill, then the object pixels' labels written back.
  labels.fill(-1);
  for (let k = 0; k < count; k++) for (let i = offsets[k]; i < offsets[k + 1]; i++) labels[pixels[i]] = k;
  const withLabels: Components = { count, labels, area, x0, y0, x1, y1, offsets, pixels };
  return withLabels;
}

/** Scratch list of object pixels, reused across calls (grown, never shrunk). */
let foreground = new Int32Array(4096);

function union(parent: Int32Array, a: number, b: number): void {
  const ra = find(parent, a);
  const rb = find(parent, b);
  if (ra !== rb) {
    if (ra < rb) parent[rb] = ra;
    else parent[ra] = rb;
  }
}
