/**
 * Per-cell measurements in working pixels: the cell is re-thresholded at half its own peak density
 * (full width at half maximum) so that blur and stain intensity do not change its measured size, then
 * its principal axes give length and width, and its pixels' stain amounts give the Gram stain ratio.
 */
import { LOG10_LUT, type StainProbe } from './stain.js';

export interface CellMeasure {
  /** Component the cell came from (cells of one component touch). */
  readonly component: number;
  /** Bounding box in working pixels, inclusive. */
  readonly x0: number;
  readonly y0: number;
  readonly x1: number;
  readonly y1: number;
  readonly cx: number;
  readonly cy: number;
  readonly areaPx: number;
  readonly lengthPx: number;
  readonly widthPx: number;
  /** Major-axis direction, radians. */
  readonly angle: number;
  readonly meanOd: number;
  readonly peakOd: number;
  /** Crystal-violet share of the cell's stain, 0..1. */
  readonly stainRatio: number;
  /** Area over that of the ellipse with the same length and width: ~1 for smooth ovals. */
  readonly fill: number;
}

/**
 * Measures one cell from its pixel indices.
 *
 * @example
 * const cell = measureCell(pixelsOfCell, 0, width, smoothedOd, od, probe, threshold);
 * cell.lengthPx / cell.widthPx; // aspect ratio
 */
export function measureCell(
  pixels: ArrayLike<number>,
  component: number,
  width: number,
  smoothedOd: Float32Array,
  od: Float32Array,
  stains: StainProbe,
  threshold: number,
  /** Measure every pixel given (a red cell's filled disc), not only those above half the peak. */
  wholeObject = false,
): CellMeasure | null {
  // 90th percentile rather than the maximum: overlapping neighbours add their densities.
  const peak = upperQuantile(smoothedOd, pixels, 0.9);
  const cut = wholeObject ? -Infinity : Math.max(threshold, 0.5 * peak);
  // The pixels above the cut, with their coordinates, are listed once: the three passes below read
  // the list instead of testing and dividing again.
  if (cutX.length < pixels.length) {
    const size = Math.max(pixels.length, 2 * cutX.length);
    cutX = new Int32Array(size);
    cutY = new Int32Array(size);
    cutP = new Int32Array(size);
  }
  const xs = cutX;
  const ys = cutY;
  const ps = cutP;
  let n = 0;
  let sx = 0;
  let sy = 0;
  for (let k = 0; k < pixels.length; k++) {
    const p = pixels[k];
    if (smoothedOd[p] < cut) continue;
    const y = (p / width) | 0;
    const x = p - y * width;
    xs[n] = x;
    ys[n] = y;
    ps[n] = p;
    n++;
    sx += x;
    sy += y;
  }
  if (n === 0) return null;
  const cx = sx / n;
  const cy = sy / n;
  let sxx = 0;
  let syy = 0;
  let sxy = 0;
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -Infinity;
  let y1 = -Infinity;
  let cv = 0;
  let saf = 0;
  // The background is smooth over blocks of some 20 µm: one reading at the cell's centre serves
  // all of its pixels (a per-pixel interpolation costs more than the unmixing itself).
  const bg = BACKGROUND;
  stains.backgroundAt(Math.round(cx), Math.round(cy), bg);
  const bgR = bg[0];
  const bgG = bg[1];
  const bgB = bg[2];
  const { rgb, unmix: u } = stains;
  const u0 = u[0];
  const u1 = u[1];
  const u2 = u[2];
  const u3 = u[3];
  const u4 = u[4];
  const u5 = u[5];
  const lut = LOG10_LUT;
  let odSum = 0;
  for (let k = 0; k < n; k++) {
    const p = ps[k];
    const x = xs[k];
    const y = ys[k];
    const dx = x - cx;
    const dy = y - cy;
    sxx += dx * dx;
    syy += dy * dy;
    sxy += dx * dy;
    if (x < x0) x0 = x;
    if (x > x1) x1 = x;
    if (y < y0) y0 = y;
    if (y > y1) y1 = y;
    const i = p * 3;
    const r = bgR - lut[rgb[i]];
    const g = bgG - lut[rgb[i + 1]];
    const b = bgB - lut[rgb[i + 2]];
    const c = u0 * r + u1 * g + u2 * b;
    const s = u3 * r + u4 * g + u5 * b;
    if (c > 0) cv += c;
    if (s > 0) saf += s;
    odSum += od[p];
  }
  const angle = 0.5 * Math.atan2(2 * sxy, sxx - syy);
  const ca = Math.cos(angle);
  const sa = Math.sin(angle);
  let minU = Infinity;
  let maxU = -Infinity;
  let minV = Infinity;
  let maxV = -Infinity;
  for (let k = 0; k < n; k++) {
    const dx = xs[k] - cx;
    const dy = ys[k] - cy;
    const u = dx * ca + dy * sa;
    const v = -dx * sa + dy * ca;
    if (u < minU) minU = u;
    if (u > maxU) maxU = u;
    if (v < minV) minV = v;
    if (v > maxV) maxV = v;
  }
  const lengthPx = maxU - minU + 1;
  const widthPx = maxV - minV + 1;
  const total = cv + saf;
  return {
    component,
    x0,
    y0,
    x1,
    y1,
    cx,
    cy,
    areaPx: n,
    lengthPx: Math.max(lengthPx, widthPx),
    widthPx: Math.min(lengthPx, widthPx),
    angle,
    meanOd: odSum / n,
    peakOd: peak,
    stainRatio: total > 0 ? cv / total : 0.5,
    fill: n / ((Math.PI / 4) * lengthPx * widthPx),
  };
}

/** The q-quantile of a map's values over some pixels (a 512-bin histogram: linear time). */
export function upperQuantile(map: Float32Array, pixels: ArrayLike<number>, q: number): number {
  if (pixels.length === 0) return 0;
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < pixels.length; i++) {
    const v = map[pixels[i]];
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (!(hi > lo)) return hi;
  const bins = QUANTILE_BINS;
  bins.fill(0);
  const scale = 511 / (hi - lo);
  for (let i = 0; i < pixels.length; i++) bins[((map[pixels[i]] - lo) * scale) | 0]++;
  const rank = Math.min(pixels.length - 1, Math.floor(q * pixels.length));
  let acc = 0;
  for (let b = 0; b < 512; b++) {
    acc += bins[b];
    if (acc > rank) return lo + (b + 0.5) / scale;
  }
  return hi;
}
const QUANTILE_BINS = new Int32Array(512);
const BACKGROUND = new Float64Array(3);
/** Scratch lists of a cell's pixels above its cut (grown, never shrunk). */
let cutX = new Int32Array(256);
let cutY = new Int32Array(256);
let cutP = new Int32Array(256);
