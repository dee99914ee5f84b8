/**
 * Segmentation: smoothing, thresholding and connected components over the working image. Components
 * keep their pixel lists (grouped by a counting sort) so every later stage touches object pixels
 * only, never the whole field again.
 */

/** 3x3 box mean, separable, edges replicated. Damps pixel noise before thresholding. */
export function smoothBox3(src: Float32Array, width: number, height: number): Float32Array {
  const tmp = new Float32Array(src.length);
  const out = new Float32Array(src.length);
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
): Float32Array {
  const out = smoothBox3(src, width, height);
  for (let i = 0; i < out.length; i++) mask[i] = out[i] > threshold ? 1 : 0;
  return out;
}

export function thresholdMask(src: Float32Array, threshold: number): Uint8Array {
  const mask = new Uint8Array(src.length);
  for (let i = 0; i < src.length; i++) mask[i] = src[i] > threshold ? 1 : 0;
  return mask;
}

export interface Components {
  readonly count: number;
  /** Component index per pixel, -1 for background. */
  readonly labels: Int32Array;
  readonly area: Int32Array;
  readonly x0: Int32Array;
  readonly y0: Int32Array;
  readonly x1: Int32Array;
  readonly y1: Int32Array;
  /** Pixels of component k are pixels[offsets[k] .. offsets[k + 1]). */
  readonly offsets: Int32Array;
  readonly pixels: Int32Array;
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
 *
 * @example
 * const comps = labelComponents(mask, width, height);
 * comps.count; // number of objects
 */
export function labelComponents(mask: Uint8Array, width: number, height: number): Components {
  const size = width * height;
  const provisional = new Int32Array(size).fill(-1);
  let parent = new Int32Array(1024);
  let next = 0;
  const union = (a: number, b: number): void => {
    const ra = find(parent, a);
    const rb = find(parent, b);
    if (ra !== rb) {
      if (ra < rb) parent[rb] = ra;
      else parent[ra] = rb;
    }
  };
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) {
      const p = row + x;
      if (!mask[p]) continue;
      let label = -1;
      if (y > 0) {
        const up = p - width;
        if (x > 0 && provisional[up - 1] >= 0) label = provisional[up - 1];
        if (provisional[up] >= 0) {
          if (label < 0) label = provisional[up];
          else union(label, provisional[up]);
        }
        if (x < width - 1 && provisional[up + 1] >= 0) {
          if (label < 0) label = provisional[up + 1];
          else union(label, provisional[up + 1]);
        }
      }
      if (x > 0 && provisional[p - 1] >= 0) {
        if (label < 0) label = provisional[p - 1];
        else union(label, provisional[p - 1]);
      }
      if (label < 0) {
        if (next === parent.length) {
          const grown = new Int32Array(parent.length * 2);
          grown.set(parent);
          parent = grown;
        }
        parent[next] = next;
        label = next++;
      }
      provisional[p] = label;
    }
  }
  const finalOf = new Int32Array(next).fill(-1);
  let count = 0;
  for (let i = 0; i < next; i++) {
    const r = find(parent, i);
    if (finalOf[r] < 0) finalOf[r] = count++;
    finalOf[i] = finalOf[r];
  }
  const area = new Int32Array(count);
  const x0 = new Int32Array(count).fill(width);
  const y0 = new Int32Array(count).fill(height);
  const x1 = new Int32Array(count).fill(-1);
  const y1 = new Int32Array(count).fill(-1);
  const labels = provisional;
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) {
      const p = row + x;
      const l0 = labels[p];
      if (l0 < 0) continue;
      const l = finalOf[l0];
      labels[p] = l;
      area[l]++;
      if (x < x0[l]) x0[l] = x;
      if (x > x1[l]) x1[l] = x;
      if (y < y0[l]) y0[l] = y;
      if (y > y1[l]) y1[l] = y;
    }
  }
  const offsets = new Int32Array(count + 1);
  for (let k = 0; k < count; k++) offsets[k + 1] = offsets[k] + area[k];
  const fill = offsets.slice(0, count);
  const pixels = new Int32Array(offsets[count]);
  for (let p = 0; p < size; p++) {
    const l = labels[p];
    if (l >= 0) pixels[fill[l]++] = p;
  }
  return { count, labels, area, x0, y0, x1, y1, offsets, pixels };
}
