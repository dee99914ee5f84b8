/**
 * Rods lying end to end (Bacillus boxcar chains) touch across a gap thinner than the blur: their
 * outline has no waist (square ends) and the gap stays above half the peak density, so neither the
 * watershed nor the waist split separates them. Across the gap, though, the whole width of the chain
 * is paler; inside a rod it is not: a granule only adds density, and an unstained spore pales the
 * middle of the slice while the rod's walls beside it stay dense.
 */
import { cutAcross, projectOnAxes } from './watershed.js';

/**
 * Splits an elongated cell where its densest pixel per slice across the long axis dips below
 * `maxRatio` of the typical slice on both sides, at least `minPartPx` from either end, and the dip is
 * as deep on the axis as at the walls (a gap across the whole width, not a spore). Returns the two
 * parts, or null when no slice dips that way (one rod).
 *
 * @example
 * const parts = splitAtJunction(pixels, width, cell.cx, cell.cy, cell.angle, smoothedOd, 20);
 */
export function splitAtJunction(
  pixels: Int32Array,
  imageWidth: number,
  cx: number,
  cy: number,
  angle: number,
  widthPx: number,
  density: Float32Array,
  minPartPx: number,
  maxRatio = 0.8,
): [Int32Array, Int32Array] | null {
  const { u, across, minU, maxU } = projectOnAxes(pixels, imageWidth, cx, cy, angle);
  // The axis itself: pixels within a quarter of the width of the centre line.
  const axisHalfWidth = 0.25 * widthPx;
  const bins = Math.floor(maxU - minU) + 1;
  const edge = Math.ceil(minPartPx);
  if (bins < 2 * edge + 1) return null;
  const peak = new Float32Array(bins);
  const axisPeak = new Float32Array(bins);
  for (let i = 0; i < pixels.length; i++) {
    const b = Math.floor(u[i] - minU);
    const d = density[pixels[i]];
    if (d > peak[b]) peak[b] = d;
    if (Math.abs(across[i]) <= axisHalfWidth && d > axisPeak[b]) axisPeak[b] = d;
  }
  // A spore pales the axis to about a third of the walls' density beside it (or below the cut: no
  // axis pixel at all); across a gap both fall. Slices within half a width of a spore are no gap.
  const spore = new Uint8Array(bins);
  const reach = Math.ceil(0.5 * widthPx);
  for (let b = 0; b < bins; b++)
    if (axisPeak[b] < 0.75 * peak[b])
      for (let k = Math.max(0, b - reach); k <= Math.min(bins - 1, b + reach); k++) spore[k] = 1;
  let at = -1;
  let valley = Infinity;
  for (let b = edge; b < bins - edge; b++) {
    if (peak[b] < valley && !spore[b]) {
      valley = peak[b];
      at = b;
    }
  }
  if (at < 0) return null;
  // Against the median slice of each side: the rounded ends and a granule or two move it little.
  if (valley >= maxRatio * Math.min(medianOf(peak, 0, at), medianOf(peak, at + 1, bins))) return null;
  const cut = minU + at + 0.5;
  return cutAcross(pixels, u, cut);
}

function medianOf(values: Float32Array, from: number, to: number): number {
  const part = Array.from(values.subarray(from, to)).sort((x, y) => x - y);
  return part.length ? part[part.length >> 1] : 0;
}
