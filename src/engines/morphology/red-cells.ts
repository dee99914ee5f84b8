/**
 * Red cells are large and pale, and at some sites barely darker than the glass: too faint for the
 * organism threshold. They are found on their own, on the half-resolution field smoothed over about
 * a micrometre (which quiets the noise fivefold), as round discs with their pale centres filled.
 */
import type { StainProbe } from './stain.js';
import { FRESH_BUFFERS, type FieldBuffers } from './scratch.js';
import { findComponents, findHoles } from './segment.js';
import { splitObject } from './watershed.js';

export interface RedCellCandidate {
  /** Box in the coarse image's pixels, inclusive. */
  readonly x0: number;
  readonly y0: number;
  readonly x1: number;
  readonly y1: number;
  /** Equivalent diameter of the filled disc, coarse pixels. */
  readonly diameterPx: number;
  /** Area over that of the ellipse filling its box. */
  readonly roundness: number;
  readonly aspect: number;
  readonly meanOd: number;
  readonly stainRatio: number;
  /** Touches the field's edge (cut off: no good for the scale). */
  readonly edge: boolean;
}

/** Box mean of radius r, separable, using running sums. */
export function boxBlur(
  src: Float32Array,
  width: number,
  height: number,
  r: number,
  buffers: FieldBuffers = FRESH_BUFFERS,
  /** When given, filled with 1 where the blurred value lies above `threshold` (in the same pass). */
  mask: Uint8Array | null = null,
  threshold = 0,
): Float32Array {
  const tmp = buffers.f32('boxBlur.tmp', src.length);
  const out = buffers.f32('boxBlur.out', src.length);
  for (let y = 0; y < height; y++) {
    const o = y * width;
    let acc = 0;
    let n = 0;
    for (let x = 0; x < Math.min(r, width); x++) {
      acc += src[o + x];
      n++;
    }
    for (let x = 0; x < width; x++) {
      if (x + r < width) {
        acc += src[o + x + r];
        n++;
      }
      if (x - r - 1 >= 0) {
        acc -= src[o + x - r - 1];
        n--;
      }
      tmp[o + x] = acc / n;
    }
  }
  // Vertical pass row by row with one running sum per column (memory order, not column order);
  // the sums see the same additions in the same order as a column-by-column pass.
  const acc = new Float64Array(width);
  let n = 0;
  for (let y = 0; y < Math.min(r, height); y++) {
    const o = y * width;
    for (let x = 0; x < width; x++) acc[x] += tmp[o + x];
    n++;
  }
  for (let y = 0; y < height; y++) {
    if (y + r < height) {
      const o = (y + r) * width;
      for (let x = 0; x < width; x++) acc[x] += tmp[o + x];
      n++;
    }
    if (y - r - 1 >= 0) {
      const o = (y - r - 1) * width;
      for (let x = 0; x < width; x++) acc[x] -= tmp[o + x];
      n--;
    }
    const o = y * width;
    if (mask) {
      for (let x = 0; x < width; x++) {
        // Compared as stored (single precision), as a separate pass over `out` would.
        const v = Math.fround(acc[x] / n);
        out[o + x] = v;
        mask[o + x] = v > threshold ? 1 : 0;
      }
    } else for (let x = 0; x < width; x++) out[o + x] = acc[x] / n;
  }
  return out;
}

/**
 * Finds red-cell-like discs: pale, not violet, round once their pallor is filled, and at least
 * `minDiameterPx` across. Touching cells are separated by the distance-transform watershed.
 *
 * @example
 * const discs = findRedCells(od, width, height, 0.06, 20, probe);
 */
export function findRedCells(
  od: Float32Array,
  width: number,
  height: number,
  threshold: number,
  minDiameterPx: number,
  probe: StainProbe,
  blurRadius = 2,
  buffers: FieldBuffers = FRESH_BUFFERS,
): RedCellCandidate[] {
  const mask = buffers.u8('findRedCells.mask', od.length);
  boxBlur(od, width, height, blurRadius, buffers, mask, threshold);
  const comps = findComponents(mask, width, height);
  const minArea = (Math.PI / 4) * minDiameterPx * minDiameterPx;
  const out: RedCellCandidate[] = [];
  const amounts = new Float64Array(2);
  for (let k = 0; k < comps.count; k++) {
    if (comps.area[k] < minArea * 0.5) continue;
    // Larger than a raft of a dozen red cells: haze or a smear's thick edge, not cells to count.
    if (comps.area[k] > minArea * 40) continue;
    // Dense objects (clusters of organisms, nuclei) are not pale discs: skip them before any work.
    let sum = 0;
    for (let i = comps.offsets[k]; i < comps.offsets[k + 1]; i++) sum += od[comps.pixels[i]];
    if (sum / comps.area[k] >= 0.75) continue;
    const x0 = comps.x0[k];
    const y0 = comps.y0[k];
    const w = comps.x1[k] - x0 + 1;
    const h = comps.y1[k] - y0 + 1;
    // Fill the pale centres: background pockets not reaching the box edge, i.e. the holes of the
    // object in a crop with an empty one-pixel ring.
    const pw = w + 2;
    const local = new Uint8Array(pw * (h + 2));
    for (let i = comps.offsets[k]; i < comps.offsets[k + 1]; i++) {
      const p = comps.pixels[i];
      local[(((p / width) | 0) - y0 + 1) * pw + ((p % width) - x0 + 1)] = 1;
    }
    const holes = findHoles(local, pw, h + 2);
    for (let i = 0; i < holes.pixels.length; i++) local[holes.pixels[i]] = 1;
    let n = 0;
    for (let i = 0; i < local.length; i++) n += local[i];
    const filled = new Int32Array(n);
    n = 0;
    for (let q = 0; q < local.length; q++)
      if (local[q]) filled[n++] = (((q / pw) | 0) + y0 - 1) * width + ((q % pw) + x0 - 1);
    const round = filled.length / ((Math.PI / 4) * w * h) >= 0.8 && Math.max(w, h) / Math.min(w, h) <= 1.3;
    const split = round
      ? { cellOf: new Int32Array(filled.length), count: 1 }
      : splitObject(filled, width, x0, y0, x0 + w - 1, y0 + h - 1, { neckRatio: 0.8, minDepth: 2 });
    const sizes = new Int32Array(split.count);
    for (let i = 0; i < filled.length; i++) sizes[split.cellOf[i]]++;
    for (let c = 0; c < split.count; c++) {
      if (sizes[c] < minArea) continue;
      let bx0 = Infinity;
      let by0 = Infinity;
      let bx1 = -Infinity;
      let by1 = -Infinity;
      let odSum = 0;
      let cv = 0;
      let saf = 0;
      const step = Math.max(1, Math.floor(sizes[c] / 150));
      let seen = 0;
      for (let i = 0; i < filled.length; i++) {
        if (split.cellOf[i] !== c) continue;
        const p = filled[i];
        const x = p % width;
        const y = (p / width) | 0;
        if (x < bx0) bx0 = x;
        if (x > bx1) bx1 = x;
        if (y < by0) by0 = y;
        if (y > by1) by1 = y;
        odSum += od[p];
        if (seen++ % step === 0) {
          probe.at(p, amounts);
          cv += Math.max(0, amounts[0]);
          saf += Math.max(0, amounts[1]);
        }
      }
      const bw = bx1 - bx0 + 1;
      const bh = by1 - by0 + 1;
      out.push({
        x0: bx0,
        y0: by0,
        x1: bx1,
        y1: by1,
        diameterPx: 2 * Math.sqrt(sizes[c] / Math.PI),
        roundness: sizes[c] / ((Math.PI / 4) * bw * bh),
        aspect: Math.max(bw, bh) / Math.min(bw, bh),
        meanOd: odSum / sizes[c],
        stainRatio: cv / (cv + saf || 1),
        edge: bx0 === 0 || by0 === 0 || bx1 === width - 1 || by1 === height - 1,
      });
    }
  }
  return out;
}
