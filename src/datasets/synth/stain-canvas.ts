/**
 * The stain canvas: a field is painted as optical density (absorbance) per stain, then turned into
 * light by Beer–Lambert, I = I0 · exp(−Σ ODₖ · vₖ). Working in absorbance is what makes overlapping
 * cells darken naturally, lets a "site" change stain hue and strength by changing only the stain
 * vectors, and matches the colour-deconvolution model the morphology engine inverts.
 * Everything runs on typed arrays; a 2048x1536 field composes in tens of milliseconds.
 */
import { compileSdf, shapeBounds, shapeThickness, type Shape } from './shapes.js';

/** Stain channels: crystal violet, safranin, and host material (haemoglobin-tinted cytoplasm). */
export const STAIN_COUNT = 3;
export type StainMix = readonly [cv: number, safranin: number, host: number];
export type Rgb = readonly [r: number, g: number, b: number];

/**
 * How optical density varies inside a shape:
 * - `dome`: cell body, slightly denser towards the middle (bacteria, yeast);
 * - `flat`: uniform;
 * - `pallor`: biconcave disc, dense rim and pale centre (red cells);
 * - `rim`: only a thin membrane line (ghost cells, capsules);
 * - `hole`: removes stain (unstained spores), never below zero once composed;
 * - `halo`: keeps the background haze away (a capsule seen as a clear zone); stains nothing.
 */
export type Profile = 'dome' | 'flat' | 'pallor' | 'rim' | 'hole' | 'halo';

export interface Paint {
  readonly shape: Shape;
  readonly stain: StainMix;
  /** Peak optical density contributed. */
  readonly density: number;
  readonly profile: Profile;
  /** Strength of the central pallor for `pallor` (0..1). */
  readonly pallor?: number;
  /**
   * Width in pixels of the edge ramp (1 = crisp anti-aliasing). Larger values draw an object lying
   * outside the focal plane, with a soft edge.
   */
  readonly softness?: number;
}

export class StainCanvas {
  readonly width: number;
  readonly height: number;
  /** One optical-density map per stain, row-major. */
  readonly od: readonly [Float32Array, Float32Array, Float32Array];
  /** 0..1 per pixel: how much of the background haze is kept out (capsule halos); lazily made. */
  #clear: Float32Array | null = null;

  constructor(width: number, height: number) {
    this.width = width;
    this.height = height;
    const n = width * height;
    this.od = [new Float32Array(n), new Float32Array(n), new Float32Array(n)];
  }

  /** Paints one shape with anti-aliased edges (one-pixel coverage ramp from the signed distance). */
  paint(p: Paint): void {
    const [bx1, by1, bx2, by2] = shapeBounds(p.shape);
    const soft = Math.max(1, p.softness ?? 1);
    const half = soft / 2;
    const reach = Math.ceil(half) + 1;
    const x0 = Math.max(0, Math.floor(bx1) - reach);
    const y0 = Math.max(0, Math.floor(by1) - reach);
    const x1 = Math.min(this.width - 1, Math.ceil(bx2) + reach);
    const y1 = Math.min(this.height - 1, Math.ceil(by2) + reach);
    if (x1 < x0 || y1 < y0) return;
    const sdf = compileSdf(p.shape);
    const t = Math.max(shapeThickness(p.shape), 0.5);
    const [s0, s1, s2] = p.stain;
    const [m0, m1, m2] = this.od;
    const clear = p.profile === 'halo' ? (this.#clear ??= new Float32Array(this.width * this.height)) : null;
    const pallor = p.pallor ?? 0.5;
    const { density, profile } = p;
    const w = this.width;
    for (let y = y0; y <= y1; y++) {
      const py = y + 0.5;
      let idx = y * w + x0;
      for (let x = x0; x <= x1; x++, idx++) {
        const d = sdf(x + 0.5, py);
        if (d >= half) continue;
        const cover = d <= -half ? 1 : 0.5 - d / soft;
        // depth: 0 at the edge, 1 at the medial axis.
        const depth = d >= 0 ? 0 : Math.min(-d / t, 1);
        let v: number;
        switch (profile) {
          case 'dome':
            v = cover * (0.72 + 0.28 * Math.sqrt(depth));
            break;
          case 'flat':
            v = cover;
            break;
          case 'pallor': {
            const edge = depth < 0.18 ? 0.55 + 0.45 * (depth / 0.18) : 1;
            const centre = depth > 0.45 ? smoothstep(0.45, 0.95, depth) : 0;
            v = cover * edge * (1 - pallor * centre);
            break;
          }
          case 'rim': {
            const band = Math.max(0, 1 - -d / 1.2);
            v = cover * band;
            break;
          }
          case 'hole':
            v = -cover * (0.5 + 0.5 * depth);
            break;
          case 'halo':
            if (clear && cover * p.density > clear[idx]) clear[idx] = Math.min(1, cover * p.density);
            continue;
        }
        const od = v * density;
        if (s0 !== 0) m0[idx] += od * s0;
        if (s1 !== 0) m1[idx] += od * s1;
        if (s2 !== 0) m2[idx] += od * s2;
      }
    }
  }

  /**
   * Adds a smooth low-frequency haze to one stain (proteinaceous background, uneven smear) from
   * layers of value noise. The layers are summed on a grid 4 px apart and interpolated from there:
   * the haze has no detail finer than a few micrometres, and this keeps it to one pass per pixel.
   */
  addHaze(stain: number, layers: readonly HazeLayer[]): void {
    const map = this.od[stain];
    const clear = this.#clear;
    const { width: w, height: h } = this;
    const step = 4;
    const lw = Math.ceil(w / step) + 2;
    const lh = Math.ceil(h / step) + 2;
    const low = new Float32Array(lw * lh);
    for (const layer of layers) {
      const { cellPx, strength, values, gridW } = layer;
      const gridH = values.length / gridW;
      for (let ly = 0; ly < lh; ly++) {
        const gy = (ly * step) / cellPx;
        const iy = Math.min(Math.floor(gy), gridH - 2);
        const fy = smooth01(Math.min(gy - iy, 1));
        const row0 = iy * gridW;
        const row1 = row0 + gridW;
        for (let lx = 0; lx < lw; lx++) {
          const gx = (lx * step) / cellPx;
          const ix = Math.min(Math.floor(gx), gridW - 2);
          const fx = smooth01(Math.min(gx - ix, 1));
          const a = values[row0 + ix] + (values[row0 + ix + 1] - values[row0 + ix]) * fx;
          const b = values[row1 + ix] + (values[row1 + ix + 1] - values[row1 + ix]) * fx;
          low[ly * lw + lx] += strength * (a + (b - a) * fy);
        }
      }
    }
    const colIx = new Int32Array(w);
    const colFx = new Float32Array(w);
    for (let x = 0; x < w; x++) {
      colIx[x] = Math.floor(x / step);
      colFx[x] = x / step - colIx[x];
    }
    for (let y = 0; y < h; y++) {
      const iy = Math.floor(y / step);
      const fy = y / step - iy;
      const r0 = iy * lw;
      const r1 = r0 + lw;
      let idx = y * w;
      for (let x = 0; x < w; x++, idx++) {
        const ix = colIx[x];
        const fx = colFx[x];
        const a = low[r0 + ix] + (low[r0 + ix + 1] - low[r0 + ix]) * fx;
        const b = low[r1 + ix] + (low[r1 + ix + 1] - low[r1 + ix]) * fx;
        const v = a + (b - a) * fy;
        map[idx] += clear ? v * (1 - clear[idx]) : v;
      }
    }
  }
}

/** One scale of value noise: random values on a grid `cellPx` apart, scaled by `strength`. */
export interface HazeLayer {
  readonly cellPx: number;
  readonly strength: number;
  readonly values: Float32Array;
  readonly gridW: number;
}

const smooth01 = (t: number): number => t * t * (3 - 2 * t);

function smoothstep(e0: number, e1: number, x: number): number {
  const t = Math.min(Math.max((x - e0) / (e1 - e0), 0), 1);
  return t * t * (3 - 2 * t);
}

const EXP_MAX = 10;
const EXP_STEPS = 8192;
const EXP_LUT = (() => {
  const lut = new Float32Array(EXP_STEPS + 1);
  for (let i = 0; i <= EXP_STEPS; i++) lut[i] = Math.exp(-(i / EXP_STEPS) * EXP_MAX);
  return lut;
})();
const EXP_SCALE = EXP_STEPS / EXP_MAX;

export interface Illumination {
  /** Colour of the empty, fully lit background (0..255 per channel). */
  readonly background: Rgb;
  /** Relative brightness loss at the corners (0 = even). */
  readonly vignette: number;
  /** Linear brightness gradient across the field, as a fraction, along x and y. */
  readonly gradient: readonly [number, number];
  /** Centre of the light, as a fraction of width and height. */
  readonly centre: readonly [number, number];
}

/**
 * Turns the stain maps into linear RGB light (0..255, float) under uneven illumination.
 * `vectors[k]` is the OD of stain k per unit density in R, G and B.
 */
export function composeLight(
  canvas: StainCanvas,
  vectors: readonly [Rgb, Rgb, Rgb],
  light: Illumination,
): Float32Array {
  const { width: w, height: h } = canvas;
  const out = new Float32Array(w * h * 3);
  const [m0, m1, m2] = canvas.od;
  const [v0, v1, v2] = vectors;
  const [br, bg, bb] = light.background;
  const cx = light.centre[0] * w;
  const cy = light.centre[1] * h;
  const r2max = (w * w + h * h) / 4;
  // Illumination is separable enough to precompute per column the x-dependent parts.
  const colGain = new Float32Array(w);
  const colR2 = new Float32Array(w);
  for (let x = 0; x < w; x++) {
    colGain[x] = light.gradient[0] * ((x - cx) / w);
    colR2[x] = (x - cx) * (x - cx);
  }
  for (let y = 0; y < h; y++) {
    const rowGain = 1 + light.gradient[1] * ((y - cy) / h);
    const dy2 = (y - cy) * (y - cy);
    let i = y * w;
    let o = i * 3;
    for (let x = 0; x < w; x++, i++, o += 3) {
      const gain = (rowGain + colGain[x]) * (1 - (light.vignette * (colR2[x] + dy2)) / r2max);
      const a = m0[i] > 0 ? m0[i] : 0;
      const b = m1[i] > 0 ? m1[i] : 0;
      const c = m2[i] > 0 ? m2[i] : 0;
      out[o] = br * gain * expNeg(a * v0[0] + b * v1[0] + c * v2[0]);
      out[o + 1] = bg * gain * expNeg(a * v0[1] + b * v1[1] + c * v2[1]);
      out[o + 2] = bb * gain * expNeg(a * v0[2] + b * v1[2] + c * v2[2]);
    }
  }
  return out;
}

function expNeg(x: number): number {
  const k = x * EXP_SCALE;
  return k >= EXP_STEPS ? EXP_LUT[EXP_STEPS] : EXP_LUT[k | 0];
}

/** Box radii whose three successive passes approximate a Gaussian of the given sigma. */
function boxRadiiForGauss(sigma: number): [number, number, number] {
  const n = 3;
  const wIdeal = Math.sqrt((12 * sigma * sigma) / n + 1);
  let wl = Math.floor(wIdeal);
  if (wl % 2 === 0) wl--;
  const wu = wl + 2;
  const mIdeal = (12 * sigma * sigma - n * wl * wl - 4 * n * wl - 3 * n) / (-4 * wl - 4);
  const m = Math.round(mIdeal);
  const radii = [0, 1, 2].map((i) => ((i < m ? wl : wu) - 1) / 2);
  return [radii[0], radii[1], radii[2]];
}

/**
 * Gaussian blur of an interleaved 3-channel float image in place (three box passes each way).
 * Used for defocus; sigma below ~0.3 px is a no-op.
 */
export function blurRgb(img: Float32Array, width: number, height: number, sigma: number): void {
  if (sigma < 0.3) return;
  const tmp = new Float32Array(img.length);
  for (const r of boxRadiiForGauss(sigma)) {
    if (r <= 0) continue;
    boxBlurH(img, tmp, width, height, r);
    boxBlurV(tmp, img, width, height, r);
  }
}

function boxBlurH(src: Float32Array, dst: Float32Array, w: number, h: number, r: number): void {
  const norm = 1 / (2 * r + 1);
  for (let y = 0; y < h; y++) {
    const row = y * w * 3;
    for (let c = 0; c < 3; c++) {
      const first = src[row + c];
      const last = src[row + (w - 1) * 3 + c];
      let acc = r * first;
      for (let k = 0; k < r; k++) acc += src[row + Math.min(k, w - 1) * 3 + c];
      for (let x = 0; x < w; x++) {
        const add = x + r < w ? src[row + (x + r) * 3 + c] : last;
        acc += add;
        dst[row + x * 3 + c] = acc * norm;
        const sub = x - r >= 0 ? src[row + (x - r) * 3 + c] : first;
        acc -= sub;
      }
    }
  }
}

function boxBlurV(src: Float32Array, dst: Float32Array, w: number, h: number, r: number): void {
  // Row by row with one running sum per column and channel: sequential memory access.
  const norm = 1 / (2 * r + 1);
  const stride = w * 3;
  const acc = new Float32Array(stride);
  for (let j = 0; j < stride; j++) {
    let a = r * src[j];
    for (let k = 0; k < r; k++) a += src[Math.min(k, h - 1) * stride + j];
    acc[j] = a;
  }
  for (let y = 0; y < h; y++) {
    const add = Math.min(y + r, h - 1) * stride;
    const sub = Math.max(y - r, 0) * stride;
    const out = y * stride;
    for (let j = 0; j < stride; j++) {
      acc[j] += src[add + j];
      dst[out + j] = acc[j] * norm;
      acc[j] -= src[sub + j];
    }
  }
}

/**
 * Adds sensor noise (partly shared across channels, as after demosaicing) and quantises to 8 bits.
 * Noise comes from a precomputed Gaussian table indexed by a seeded xorshift, to stay fast.
 */
export function quantiseWithNoise(img: Float32Array, sd: number, seed: number): Uint8Array {
  const out = new Uint8Array(img.length);
  const table = GAUSS_TABLE;
  const mask = table.length - 1;
  let s = seed >>> 0 || 0x9e3779b9;
  const shared = sd * 0.75;
  const own = sd * 0.45;
  for (let o = 0; o < img.length; o += 3) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    const common = sd > 0 ? table[s & mask] * shared : 0;
    for (let c = 0; c < 3; c++) {
      let n = common;
      if (sd > 0) {
        s ^= s << 13;
        s ^= s >>> 17;
        s ^= s << 5;
        n += table[(s >>> 8) & mask] * own;
      }
      const v = img[o + c] + n;
      out[o + c] = v <= 0 ? 0 : v >= 255 ? 255 : (v + 0.5) | 0;
    }
  }
  return out;
}

// Standard normal quantiles, stratified, so the table itself is deterministic and exact in spread.
const GAUSS_TABLE = (() => {
  const n = 4096;
  const table = new Float32Array(n);
  for (let i = 0; i < n; i++) table[i] = inverseNormal((i + 0.5) / n);
  // Interleave so consecutive indices are not sorted.
  const mixed = new Float32Array(n);
  for (let i = 0; i < n; i++) mixed[(i * 2654435761) % n] = table[i];
  return mixed;
})();

/** Acklam's rational approximation of the standard normal quantile (|error| < 1.2e-9). */
function inverseNormal(p: number): number {
  const a = [
    -39.69683028665376, 220.9460984245205, -275.928510446969, 138.357751867269, -30.66479806614716,
    2.506628277459239,
  ];
  const b = [
    -54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572,
  ];
  const c = [
    -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968,
    2.938163982698783,
  ];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const pl = 0.02425;
  if (p < pl) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (
      (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
      ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
    );
  }
  if (p > 1 - pl) {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    return (
      -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
      ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
    );
  }
  const q = p - 0.5;
  const r = q * q;
  return (
    ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) /
    (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
  );
}
