/**
 * Background (illumination) estimation. A bright-field micrograph's empty glass is the incident
 * light: optical density is measured against it, so vignetting, uneven lamps and a pink-tinted
 * mounting background all cancel out before any stain is measured.
 */
import type { WorkingImage } from './working-image.js';

export interface BackgroundModel {
  /** Working pixels per block side. */
  readonly block: number;
  readonly gridWidth: number;
  readonly gridHeight: number;
  /** log10 of the background intensity per block and channel (interleaved RGB). */
  readonly logBackground: Float32Array;
  /** Median background colour of the field, 0..255 per channel. */
  readonly colour: readonly [number, number, number];
  /** Share of blocks whose own estimate had to be replaced (covered by cells or stain). */
  readonly coveredShare: number;
  /** 1 − the median background brightness (0 = white glass, 1 = black). */
  readonly darkness: number;
}

const clampByte = (v: number): number => (v < 1 ? 1 : v > 255 ? 255 : v);

/**
 * Estimates a smooth background colour field: per block, the mean colour of its brighter pixels;
 * blocks much darker than the field's typical background (covered by cells) are filled from their
 * neighbours.
 *
 * @example
 * const bg = estimateBackground(work);
 * bg.colour; // e.g. [236, 230, 238]
 */
export function estimateBackground(work: WorkingImage, block = 64): BackgroundModel {
  const { width, height, rgb } = work;
  const b = Math.max(8, Math.min(block, Math.max(width, height)));
  const gw = Math.max(1, Math.ceil(width / b));
  const gh = Math.max(1, Math.ceil(height / b));
  const colour = new Float32Array(gw * gh * 3);
  const lum = new Float32Array(gw * gh);
  const step = b >= 48 ? 3 : b >= 24 ? 2 : 1;
  const hist = new Int32Array(766);
  for (let gy = 0; gy < gh; gy++) {
    for (let gx = 0; gx < gw; gx++) {
      hist.fill(0);
      const x0 = gx * b;
      const y0 = gy * b;
      const x1 = Math.min(width, x0 + b);
      const y1 = Math.min(height, y0 + b);
      let n = 0;
      for (let y = y0; y < y1; y += step) {
        let i = (y * width + x0) * 3;
        for (let x = x0; x < x1; x += step, i += 3 * step) {
          hist[rgb[i] + rgb[i + 1] + rgb[i + 2]]++;
          n++;
        }
      }
      // The brightest tenth of a block (less the top 1 %, hot pixels) is empty glass as long as a
      // tenth of the block is uncovered, which holds for blocks three red cells wide.
      const loRank = Math.floor(n * 0.88);
      const hiRank = Math.floor(n * 0.99);
      let acc = 0;
      let lo = 0;
      let hi = 765;
      for (let v = 0; v < 766; v++) {
        const next = acc + hist[v];
        if (acc <= loRank && next > loRank) lo = v;
        if (acc <= hiRank && next > hiRank) {
          hi = v;
          break;
        }
        acc = next;
      }
      let r = 0;
      let g = 0;
      let bl = 0;
      let m = 0;
      for (let y = y0; y < y1; y += step) {
        let i = (y * width + x0) * 3;
        for (let x = x0; x < x1; x += step, i += 3 * step) {
          const l = rgb[i] + rgb[i + 1] + rgb[i + 2];
          if (l >= lo && l <= hi) {
            r += rgb[i];
            g += rgb[i + 1];
            bl += rgb[i + 2];
            m++;
          }
        }
      }
      const k = gy * gw + gx;
      m = Math.max(m, 1);
      colour[k * 3] = r / m;
      colour[k * 3 + 1] = g / m;
      colour[k * 3 + 2] = bl / m;
      lum[k] = (r + g + bl) / m;
    }
  }
  // A block whose brightest tenth is still stained (covered by cells) differs from its neighbours
  // in colour as well as brightness; vignetting and lamp gradients darken a block without changing
  // its colour, and must be kept, not "repaired".
  const good = new Uint8Array(gw * gh).fill(1);
  let covered = 0;
  const aroundLum: number[] = [];
  const aroundChroma: number[][] = [[], [], []];
  for (let gy = 0; gy < gh; gy++) {
    for (let gx = 0; gx < gw; gx++) {
      aroundLum.length = 0;
      for (const list of aroundChroma) list.length = 0;
      for (let dy = -1; dy <= 1; dy++)
        for (let dx = -1; dx <= 1; dx++) {
          const x = gx + dx;
          const y = gy + dy;
          if ((dx || dy) && x >= 0 && y >= 0 && x < gw && y < gh) {
            const j = y * gw + x;
            aroundLum.push(lum[j]);
            for (let c = 0; c < 3; c++) aroundChroma[c].push((3 * colour[j * 3 + c]) / Math.max(lum[j], 1));
          }
        }
      if (aroundLum.length === 0) continue;
      const k = gy * gw + gx;
      const med = (list: number[]): number => list.sort((a, b) => a - b)[list.length >> 1];
      const localLum = med(aroundLum);
      let chromaShift = 0;
      for (let c = 0; c < 3; c++)
        chromaShift = Math.max(
          chromaShift,
          Math.abs((3 * colour[k * 3 + c]) / Math.max(lum[k], 1) - med(aroundChroma[c])),
        );
      if (lum[k] < localLum * 0.95 && chromaShift > 0.04) {
        good[k] = 0;
        covered++;
      }
    }
  }
  const sortedLum = Float32Array.from(lum).sort();
  const coveredShare = covered / (gw * gh);
  for (let pass = 0; pass < gw + gh && covered > 0; pass++) {
    const next = good.slice();
    for (let gy = 0; gy < gh; gy++) {
      for (let gx = 0; gx < gw; gx++) {
        const k = gy * gw + gx;
        if (good[k]) continue;
        let r = 0;
        let g = 0;
        let bl = 0;
        let n = 0;
        for (let dy = -1; dy <= 1; dy++) {
          for (let dx = -1; dx <= 1; dx++) {
            const x = gx + dx;
            const y = gy + dy;
            if (x < 0 || y < 0 || x >= gw || y >= gh) continue;
            const j = y * gw + x;
            if (!good[j]) continue;
            r += colour[j * 3];
            g += colour[j * 3 + 1];
            bl += colour[j * 3 + 2];
            n++;
          }
        }
        if (n > 0) {
          colour[k * 3] = r / n;
          colour[k * 3 + 1] = g / n;
          colour[k * 3 + 2] = bl / n;
          next[k] = 1;
          covered--;
        }
      }
    }
    good.set(next);
  }
  const logBackground = new Float32Array(gw * gh * 3);
  for (let i = 0; i < logBackground.length; i++) logBackground[i] = Math.log10(clampByte(colour[i]));
  const median = (c: number): number => {
    const v = new Float32Array(gw * gh);
    for (let k = 0; k < gw * gh; k++) v[k] = colour[k * 3 + c];
    v.sort();
    return v[v.length >> 1];
  };
  return {
    block: b,
    gridWidth: gw,
    gridHeight: gh,
    logBackground,
    colour: [median(0), median(1), median(2)],
    coveredShare,
    darkness: 1 - sortedLum[sortedLum.length >> 1] / 765,
  };
}

/**
 * Bilinear interpolation of the log-background along one image row, written into three row buffers.
 * Block centres are the interpolation nodes; beyond the outer centres the value is held constant.
 */
export function interpolateBackgroundRow(
  model: BackgroundModel,
  y: number,
  width: number,
  outR: Float32Array,
  outG: Float32Array,
  outB: Float32Array,
  xStart = 0,
  xStep = 1,
): void {
  const { block, gridWidth: gw, gridHeight: gh, logBackground: lb } = model;
  const fy = Math.min(Math.max((y + 0.5) / block - 0.5, 0), gh - 1);
  const y0 = Math.floor(fy);
  const y1 = Math.min(gh - 1, y0 + 1);
  const ty = fy - y0;
  // Only every xStep-th column from xStart is written (sampling passes need no more).
  for (let x = xStart; x < width; x += xStep) {
    const fx = Math.min(Math.max((x + 0.5) / block - 0.5, 0), gw - 1);
    const x0 = Math.floor(fx);
    const x1 = Math.min(gw - 1, x0 + 1);
    const tx = fx - x0;
    const a = (y0 * gw + x0) * 3;
    const bb = (y0 * gw + x1) * 3;
    const c = (y1 * gw + x0) * 3;
    const d = (y1 * gw + x1) * 3;
    const w00 = (1 - tx) * (1 - ty);
    const w01 = tx * (1 - ty);
    const w10 = (1 - tx) * ty;
    const w11 = tx * ty;
    outR[x] = lb[a] * w00 + lb[bb] * w01 + lb[c] * w10 + lb[d] * w11;
    outG[x] = lb[a + 1] * w00 + lb[bb + 1] * w01 + lb[c + 1] * w10 + lb[d + 1] * w11;
    outB[x] = lb[a + 2] * w00 + lb[bb + 2] * w01 + lb[c + 2] * w10 + lb[d + 2] * w11;
  }
}

/** Precomputed column interpolation for a background model at one image width. */
export interface BackgroundSampler {
  /** Sum over channels of log10 background along row y, written into `out`. */
  sumRow(y: number, out: Float32Array): void;
  /** The same for columns x0..x1 only, written into out[0 .. x1 - x0]. */
  sumRowRange(y: number, x0: number, x1: number, out: Float32Array): void;
  /** log10 background of each channel at one pixel. */
  at(x: number, y: number, out: Float64Array): void;
}

/**
 * A fast sampler over the background: column weights are computed once, and rows interpolate
 * between per-block-row buffers, so a full-field pass costs two multiply-adds per pixel.
 *
 * @example
 * const sampler = createBackgroundSampler(model, work.width);
 * sampler.sumRow(y, rowBuffer);
 */
export function createBackgroundSampler(model: BackgroundModel, width: number): BackgroundSampler {
  const { block, gridWidth: gw, gridHeight: gh, logBackground: lb } = model;
  const col0 = new Int32Array(width);
  const col1 = new Int32Array(width);
  const colT = new Float32Array(width);
  for (let x = 0; x < width; x++) {
    const fx = Math.min(Math.max((x + 0.5) / block - 0.5, 0), gw - 1);
    col0[x] = Math.floor(fx);
    col1[x] = Math.min(gw - 1, col0[x] + 1);
    colT[x] = fx - col0[x];
  }
  // One interpolated sum-of-logs row per block row.
  const blockRows: Float32Array[] = [];
  for (let gy = 0; gy < gh; gy++) {
    const row = new Float32Array(width);
    for (let x = 0; x < width; x++) {
      const a = (gy * gw + col0[x]) * 3;
      const b = (gy * gw + col1[x]) * 3;
      const sa = lb[a] + lb[a + 1] + lb[a + 2];
      const sb = lb[b] + lb[b + 1] + lb[b + 2];
      row[x] = sa + (sb - sa) * colT[x];
    }
    blockRows.push(row);
  }
  return {
    sumRow(y, out) {
      const fy = Math.min(Math.max((y + 0.5) / block - 0.5, 0), gh - 1);
      const y0 = Math.floor(fy);
      const y1 = Math.min(gh - 1, y0 + 1);
      const t = fy - y0;
      const r0 = blockRows[y0];
      const r1 = blockRows[y1];
      for (let x = 0; x < width; x++) out[x] = r0[x] + (r1[x] - r0[x]) * t;
    },
    sumRowRange(y, x0, x1, out) {
      const fy = Math.min(Math.max((y + 0.5) / block - 0.5, 0), gh - 1);
      const y0 = Math.floor(fy);
      const y1 = Math.min(gh - 1, y0 + 1);
      const t = fy - y0;
      const r0 = blockRows[y0];
      const r1 = blockRows[y1];
      for (let x = x0; x <= x1; x++) out[x - x0] = r0[x] + (r1[x] - r0[x]) * t;
    },
    at(x, y, out) {
      const fy = Math.min(Math.max((y + 0.5) / block - 0.5, 0), gh - 1);
      const y0 = Math.floor(fy);
      const y1 = Math.min(gh - 1, y0 + 1);
      const ty = fy - y0;
      const tx = colT[x];
      const a = (y0 * gw + col0[x]) * 3;
      const b = (y0 * gw + col1[x]) * 3;
      const c = (y1 * gw + col0[x]) * 3;
      const d = (y1 * gw + col1[x]) * 3;
      for (let ch = 0; ch < 3; ch++) {
        const top = lb[a + ch] + (lb[b + ch] - lb[a + ch]) * tx;
        const bottom = lb[c + ch] + (lb[d + ch] - lb[c + ch]) * tx;
        out[ch] = top + (bottom - top) * ty;
      }
    },
  };
}

/**
 * Per-channel log-background rows for whole-field passes: columns are interpolated once per block
 * row, so each image row costs one multiply-add per channel and pixel (`interpolateBackgroundRow`
 * redoes the column interpolation on every row).
 *
 * @example
 * const rows = createChannelRows(model, width);
 * rows(y, r, g, b);
 */
export function createChannelRows(
  model: BackgroundModel,
  width: number,
): (y: number, outR: Float32Array, outG: Float32Array, outB: Float32Array) => void {
  const { block, gridWidth: gw, gridHeight: gh, logBackground: lb } = model;
  const blockRows: Float32Array[][] = [];
  for (let gy = 0; gy < gh; gy++) {
    const rows = [new Float32Array(width), new Float32Array(width), new Float32Array(width)];
    for (let x = 0; x < width; x++) {
      const fx = Math.min(Math.max((x + 0.5) / block - 0.5, 0), gw - 1);
      const x0 = Math.floor(fx);
      const tx = fx - x0;
      const a = (gy * gw + x0) * 3;
      const b = (gy * gw + Math.min(gw - 1, x0 + 1)) * 3;
      for (let c = 0; c < 3; c++) rows[c][x] = lb[a + c] * (1 - tx) + lb[b + c] * tx;
    }
    blockRows.push(rows);
  }
  return (y, outR, outG, outB) => {
    const fy = Math.min(Math.max((y + 0.5) / block - 0.5, 0), gh - 1);
    const y0 = Math.floor(fy);
    const y1 = Math.min(gh - 1, y0 + 1);
    const t = fy - y0;
    const outs = [outR, outG, outB];
    for (let c = 0; c < 3; c++) {
      const r0 = blockRows[y0][c];
      const r1 = blockRows[y1][c];
      const out = outs[c];
      for (let x = 0; x < width; x++) out[x] = r0[x] + (r1[x] - r0[x]) * t;
    }
  };
}
