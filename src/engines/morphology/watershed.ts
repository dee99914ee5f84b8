/**
 * Splitting touching cells: the Euclidean distance transform of an object's mask peaks at the centre
 * of each cell; a watershed flooded from those peaks cuts the object along the necks between them.
 * Peaks are merged when the neck is shallow relative to the lower peak (the "dynamics" criterion), so
 * a rod's ridge stays one cell while two touching cocci become two.
 */

/** Scratch lines for the distance transform, grown to the longest side seen (objects are small and many). */
let dtZ = new Float64Array(65);
let dtV = new Int32Array(64);
let dtF = new Float64Array(64);
let dtLast = new Int32Array(64);

/**
 * Squared Euclidean distance transform of a binary image (Felzenszwalb & Huttenlocher 2012), written
 * at object pixels (background stays 0).
 */
export function distanceTransform(
  mask: Uint8Array,
  width: number,
  height: number,
  into?: Float32Array,
): Float32Array {
  const INF = 1e10;
  const d = into ?? new Float32Array(width * height);
  for (let i = 0; i < d.length; i++) d[i] = mask[i] ? INF : 0;
  if (dtV.length < width) {
    dtZ = new Float64Array(width + 1);
    dtV = new Int32Array(width);
    dtF = new Float64Array(width);
  }
  // Columns first. On a binary mask the 1-D transform is just the squared distance to the nearest
  // background pixel above or below (what the lower envelope gives there), found by two row-major
  // sweeps instead of strided per-column passes; a column with no background keeps INF.
  if (dtLast.length < width) dtLast = new Int32Array(width);
  const last = dtLast;
  last.fill(-1, 0, width);
  for (let y = 0; y < height; y++) {
    const o = y * width;
    for (let x = 0; x < width; x++) {
      if (!mask[o + x]) last[x] = y;
      else if (last[x] >= 0) d[o + x] = (y - last[x]) * (y - last[x]);
    }
  }
  last.fill(-1, 0, width);
  for (let y = height - 1; y >= 0; y--) {
    const o = y * width;
    for (let x = 0; x < width; x++) {
      if (!mask[o + x]) last[x] = y;
      else if (last[x] >= 0) {
        const below = (last[x] - y) * (last[x] - y);
        if (below < d[o + x]) d[o + x] = below;
      }
    }
  }
  for (let y = 0; y < height; y++) rowEnvelope(mask, d, y * width, width);
  return d;
}

/**
 * The row pass: each object pixel takes the lowest of the parabolas (x - u)² + column(u). Only the
 * parabolas that can be lowest somewhere are built: every object pixel's, and those of background
 * pixels next to one (a background pixel further out lies behind the nearer one, both at 0).
 * Parabolas at INF (columns with no background) are never lowest where a finite one exists, and a
 * row without any keeps INF. Objects leave most of their box's rows empty or short: this visits a
 * row's sites, not all its pixels, in the envelope.
 */
function rowEnvelope(mask: Uint8Array, d: Float32Array, o: number, width: number): void {
  const INF = 1e10;
  const z = dtZ;
  const v = dtV;
  const f = dtF;
  let k = -1;
  let first = -1;
  let lastFg = -1;
  for (let x = 0; x < width; x++) {
    let fx: number;
    if (mask[o + x]) {
      if (first < 0) first = x;
      lastFg = x;
      fx = d[o + x];
      if (fx >= INF) continue;
    } else {
      if (!((x > 0 && mask[o + x - 1]) || (x < width - 1 && mask[o + x + 1]))) continue;
      fx = 0;
    }
    if (k < 0) {
      k = 0;
      v[0] = x;
      f[0] = fx;
      z[0] = -INF;
      z[1] = INF;
      continue;
    }
    let s = (fx + x * x - (f[k] + v[k] * v[k])) / (2 * x - 2 * v[k]);
    while (s <= z[k]) {
      k--;
      s = (fx + x * x - (f[k] + v[k] * v[k])) / (2 * x - 2 * v[k]);
    }
    k++;
    v[k] = x;
    f[k] = fx;
    z[k] = s;
    z[k + 1] = INF;
  }
  if (k < 0 || first < 0) return;
  let j = 0;
  for (let x = first; x <= lastFg; x++) {
    if (!mask[o + x]) continue;
    while (z[j + 1] < x) j++;
    d[o + x] = (x - v[j]) * (x - v[j]) + f[j];
  }
}

export interface SplitOptions {
  /** Peaks merge when the neck is at least this share of the lower peak's height. */
  readonly neckRatio: number;
  /** …or when the lower peak rises less than this many pixels above the neck. */
  readonly minDepth: number;
}

export const DEFAULT_SPLIT: SplitOptions = { neckRatio: 0.72, minDepth: 0.9 };

let fbCounts = new Int32Array(256);
let fbOrder = new Int32Array(256);
let fbParent = new Int32Array(256);
let fbPeak = new Float32Array(256);
let fbBucket = new Int32Array(256);
let fbBasin = new Int32Array(1024).fill(-1);
const fbRoots = new Int32Array(8);
const fbAround = new Int32Array(8);

function find(parent: Int32Array, a: number): number {
  while (parent[a] !== a) {
    parent[a] = parent[parent[a]];
    a = parent[a];
  }
  return a;
}

/**
 * Priority flood from the highest level down (a watershed by union-find): a pixel joins the basin of
 * its highest flooded neighbour; two basins merge where they meet unless the lower one's peak rises
 * clearly above the neck (both relative and absolute depth). `resolution` sets the level buckets.
 */
function floodBasins(
  local: Int32Array,
  dist: Float32Array,
  w: number,
  h: number,
  resolution: number,
  options: SplitOptions,
): { cellOf: Int32Array; count: number } {
  let maxD = -Infinity;
  let minD = Infinity;
  const n = local.length;
  for (let k = 0; k < n; k++) {
    const d = dist[local[k]];
    if (d > maxD) maxD = d;
    if (d < minD) minD = d;
  }
  if (!(maxD >= minD)) return { cellOf: new Int32Array(n), count: 1 };
  const levels = Math.ceil((maxD - minD) * resolution) + 1;
  // Scratch reused across objects: a field holds thousands of them, and the allocations cost more
  // than the flood itself for small ones.
  if (fbCounts.length < levels + 1) fbCounts = new Int32Array(Math.max(levels + 1, 2 * fbCounts.length));
  if (fbOrder.length < n) {
    const size = Math.max(n, 2 * fbOrder.length);
    fbOrder = new Int32Array(size);
    fbParent = new Int32Array(size);
    fbPeak = new Float32Array(size);
    fbBucket = new Int32Array(size);
  }
  if (fbBasin.length < w * h) fbBasin = new Int32Array(Math.max(w * h, 2 * fbBasin.length)).fill(-1);
  const counts = fbCounts;
  counts.fill(0, 0, levels + 1);
  const top = levels - 1;
  // Each pixel's level bucket, highest first (computed once for both passes of the counting sort).
  const bucket = fbBucket;
  for (let k = 0; k < n; k++) {
    const l = top - (((dist[local[k]] - minD) * resolution) | 0);
    bucket[k] = l;
    counts[l]++;
  }
  for (let i = 1; i <= levels; i++) counts[i] += counts[i - 1];
  const order = fbOrder;
  for (let k = n - 1; k >= 0; k--) order[--counts[bucket[k]]] = local[k];
  // All -1 between calls: only this object's pixels are written, and reset before returning.
  const basin = fbBasin;
  const parent = fbParent;
  const peak = fbPeak;
  const roots = fbRoots;
  let basins = 0;
  // The eight neighbours in raster order (ties go to the first, as they always have).
  const around = fbAround;
  around[0] = -w - 1;
  around[1] = -w;
  around[2] = -w + 1;
  around[3] = -1;
  around[4] = 1;
  around[5] = w - 1;
  around[6] = w;
  around[7] = w + 1;
  const { neckRatio, minDepth } = options;
  for (let o = 0; o < n; o++) {
    const q = order[o];
    const level = dist[q];
    let nRoots = 0;
    // Neighbours mostly share one basin label: its root is looked up once.
    let lastB = -1;
    for (let a = 0; a < 8; a++) {
      const b = basin[q + around[a]];
      if (b < 0 || b === lastB) continue;
      lastB = b;
      const r = find(parent, b);
      let seen = false;
      for (let i = 0; i < nRoots; i++)
        if (roots[i] === r) {
          seen = true;
          break;
        }
      if (!seen) roots[nRoots++] = r;
    }
    if (nRoots === 0) {
      parent[basins] = basins;
      peak[basins] = level;
      basin[q] = basins++;
      continue;
    }
    // Inside one basin there is nothing to choose.
    if (nRoots === 1) {
      basin[q] = roots[0];
      continue;
    }
    // Where basins meet, the pixel joins the basin of its highest already-flooded neighbour
    // (steepest ascent), so a contested rim goes to the cell it belongs to, not to the cell with the
    // taller peak.
    let steepest = -1;
    let steepestLevel = -1;
    for (let a = 0; a < 8; a++) {
      const nq = q + around[a];
      const b = basin[nq];
      if (b < 0) continue;
      if (dist[nq] > steepestLevel) {
        steepestLevel = dist[nq];
        steepest = find(parent, b);
      }
    }
    let main = roots[0];
    for (let i = 0; i < nRoots; i++) if (peak[roots[i]] > peak[main]) main = roots[i];
    for (let i = 0; i < nRoots; i++) {
      const r = roots[i];
      if (r === main) continue;
      const lower = peak[r];
      if (level >= neckRatio * lower || lower - level < minDepth) parent[r] = main;
    }
    basin[q] = find(parent, steepest);
  }
  const cellOfRoot = new Int32Array(basins).fill(-1);
  let count = 0;
  const cellOf = new Int32Array(n);
  for (let k = 0; k < n; k++) {
    const r = find(parent, basin[local[k]]);
    if (cellOfRoot[r] < 0) cellOfRoot[r] = count++;
    cellOf[k] = cellOfRoot[r];
  }
  for (let k = 0; k < n; k++) basin[local[k]] = -1;
  return { cellOf, count };
}

/**
 * Splits one object (given as global pixel indices inside its bounding box) into cells.
 * Returns, for each given pixel, the index of its cell, and the number of cells.
 *
 * @example
 * const { cellOf, count } = splitObject(pixels, width, x0, y0, x1, y1);
 */
export function splitObject(
  pixels: Int32Array,
  imageWidth: number,
  x0: number,
  y0: number,
  x1: number,
  y1: number,
  options: SplitOptions = DEFAULT_SPLIT,
): { cellOf: Int32Array; count: number } {
  const w = x1 - x0 + 3;
  const h = y1 - y0 + 3;
  // Crop-sized scratch reused across objects (thousands per field): the mask is cleared after use,
  // the distance map is overwritten whole by the transform.
  if (soMask.length < w * h) {
    soMask = new Uint8Array(Math.max(w * h, 2 * soMask.length));
    soDist = new Float32Array(soMask.length);
  }
  const mask = soMask;
  const local = new Int32Array(pixels.length);
  for (let k = 0; k < pixels.length; k++) {
    const p = pixels[k];
    const py = (p / imageWidth) | 0;
    const x = p - py * imageWidth - x0 + 1;
    const y = py - y0 + 1;
    const q = y * w + x;
    local[k] = q;
    mask[q] = 1;
  }
  // Distances in place: outside the object they are 0 either way.
  const dist = distanceTransform(mask.subarray(0, w * h), w, h, soDist.subarray(0, w * h));
  for (let k = 0; k < local.length; k++) {
    const q = local[k];
    dist[q] = Math.sqrt(dist[q]);
    mask[q] = 0;
  }
  return floodBasins(local, dist, w, h, 8, options);
}

let soMask = new Uint8Array(4096);
let soDist = new Float32Array(4096);

/**
 * Each pixel's position along a cell's long axis (`u`, from its centre) and across it, with the
 * extent along it: what the waist and junction splits slice the cell by.
 */
export function projectOnAxes(
  pixels: Int32Array,
  imageWidth: number,
  cx: number,
  cy: number,
  angle: number,
): { u: Float32Array; across: Float32Array; minU: number; maxU: number } {
  const ca = Math.cos(angle);
  const sa = Math.sin(angle);
  let minU = Infinity;
  let maxU = -Infinity;
  const u = new Float32Array(pixels.length);
  const across = new Float32Array(pixels.length);
  for (let i = 0; i < pixels.length; i++) {
    const p = pixels[i];
    const py = (p / imageWidth) | 0;
    const dx = p - py * imageWidth - cx;
    const dy = py - cy;
    const v = dx * ca + dy * sa;
    u[i] = v;
    across[i] = -dx * sa + dy * ca;
    if (v < minU) minU = v;
    if (v > maxU) maxU = v;
  }
  return { u, across, minU, maxU };
}

/**
 * Splits an elongated cell at a waist: cocci dividing in a chain, rods end to end and lancet pairs
 * overlap so closely that their mask has no neck for the distance transform, but their width along
 * the long axis still dips where one cell ends. Returns the two halves, or null when there is no
 * waist (a rod of even width).
 *
 * @example
 * const halves = splitAtWaist(pixels, width, cell.cx, cell.cy, cell.angle);
 */
export function splitAtWaist(
  pixels: Int32Array,
  imageWidth: number,
  cx: number,
  cy: number,
  angle: number,
  maxWaistRatio = 0.78,
): [Int32Array, Int32Array] | null {
  const { u, across, minU, maxU } = projectOnAxes(pixels, imageWidth, cx, cy, angle);
  const bins = Math.floor(maxU - minU) + 1;
  if (bins < 8) return null;
  // Width per slice is the outline's extent across the axis, not its pixel count: an unstained
  // spore inside a bacillus leaves a hole, not a waist.
  const lo0 = new Float32Array(bins).fill(Infinity);
  const hi0 = new Float32Array(bins).fill(-Infinity);
  for (let i = 0; i < u.length; i++) {
    const b = Math.min(bins - 1, Math.floor(u[i] - minU));
    if (across[i] < lo0[b]) lo0[b] = across[i];
    if (across[i] > hi0[b]) hi0[b] = across[i];
  }
  const counts = new Float32Array(bins);
  for (let b = 0; b < bins; b++) counts[b] = hi0[b] >= lo0[b] ? hi0[b] - lo0[b] + 1 : 0;
  const smooth = new Float32Array(bins);
  for (let b = 0; b < bins; b++)
    smooth[b] = (counts[Math.max(0, b - 1)] + counts[b] + counts[Math.min(bins - 1, b + 1)]) / 3;
  const lo = Math.floor(bins * 0.25);
  const hi = Math.ceil(bins * 0.75);
  let waist = -1;
  let waistWidth = Infinity;
  for (let b = lo; b < hi; b++) {
    if (smooth[b] < waistWidth) {
      waistWidth = smooth[b];
      waist = b;
    }
  }
  if (waist < 0) return null;
  let left = 0;
  let right = 0;
  for (let b = 0; b < waist; b++) left = Math.max(left, smooth[b]);
  for (let b = waist + 1; b < bins; b++) right = Math.max(right, smooth[b]);
  if (waistWidth > maxWaistRatio * Math.min(left, right)) return null;
  const cut = minU + waist + 0.5;
  return cutAcross(pixels, u, cut);
}

/**
 * The pixels before and after a cut across a cell's long axis (`u`: each pixel's position along
 * it), or null when either side keeps fewer than four pixels.
 */
export function cutAcross(pixels: Int32Array, u: Float32Array, cut: number): [Int32Array, Int32Array] | null {
  let n = 0;
  for (let i = 0; i < u.length; i++) if (u[i] < cut) n++;
  if (n < 4 || pixels.length - n < 4) return null;
  const a = new Int32Array(n);
  const b = new Int32Array(pixels.length - n);
  let ia = 0;
  let ib = 0;
  for (let i = 0; i < u.length; i++) {
    if (u[i] < cut) a[ia++] = pixels[i];
    else b[ib++] = pixels[i];
  }
  return [a, b];
}

/**
 * Splits a cell by its own density landscape: blurred cocci touching in a cluster leave no neck in
 * their outline, but each is still a dome of stain with a saddle towards its neighbours.
 *
 * @example
 * const parts = splitByDensity(pixels, width, box, smoothedOd);
 */
export function splitByDensity(
  pixels: Int32Array,
  imageWidth: number,
  x0: number,
  y0: number,
  x1: number,
  y1: number,
  density: Float32Array,
  options: SplitOptions = { neckRatio: 0.88, minDepth: 0.06 },
): { cellOf: Int32Array; count: number } {
  const w = x1 - x0 + 3;
  const h = y1 - y0 + 3;
  const local = new Int32Array(pixels.length);
  const values = new Float32Array(w * h);
  for (let k = 0; k < pixels.length; k++) {
    const p = pixels[k];
    const py = (p / imageWidth) | 0;
    const q = (py - y0 + 1) * w + (p - py * imageWidth - x0 + 1);
    local[k] = q;
    values[q] = density[p];
  }
  return floodBasins(local, values, w, h, 100, options);
}

/** Cuts a cell across its long axis through its centre (a fused diplococcus). */
export function splitInHalf(
  pixels: Int32Array,
  imageWidth: number,
  cx: number,
  cy: number,
  angle: number,
): [Int32Array, Int32Array] | null {
  const ca = Math.cos(angle);
  const sa = Math.sin(angle);
  let n = 0;
  const side = new Uint8Array(pixels.length);
  for (let i = 0; i < pixels.length; i++) {
    const p = pixels[i];
    const py = (p / imageWidth) | 0;
    if ((p - py * imageWidth - cx) * ca + (py - cy) * sa < 0) {
      side[i] = 1;
      n++;
    }
  }
  if (n < 4 || pixels.length - n < 4) return null;
  const a = new Int32Array(n);
  const b = new Int32Array(pixels.length - n);
  let ia = 0;
  let ib = 0;
  for (let i = 0; i < pixels.length; i++) {
    if (side[i]) a[ia++] = pixels[i];
    else b[ib++] = pixels[i];
  }
  return [a, b];
}
