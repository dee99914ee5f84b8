/**
 * Stain separation. Light through a stained cell is absorbed per the Beer–Lambert law, so optical
 * density (OD = log10(background / observed)) is linear in the amount of each dye. Crystal violet
 * absorbs red and green and leaves the cell purple; safranin absorbs green and some blue and leaves
 * it pink. Colour deconvolution inverts that mixing per pixel. The two stain directions are estimated
 * per field (Macenko et al. 2009) so a site whose dyes, lamp or camera shift the colours still
 * separates; when a field holds only one stain, the missing direction comes from the reference.
 */
import {
  createBackgroundSampler,
  interpolateBackgroundRow,
  type BackgroundModel,
  type BackgroundSampler,
} from './background.js';
import type { WorkingImage } from './working-image.js';

export type Vec3 = readonly [number, number, number];

const normalise = (v: Vec3): Vec3 => {
  const n = Math.hypot(v[0], v[1], v[2]) || 1;
  return [v[0] / n, v[1] / n, v[2] / n];
};
const dot = (a: Vec3, b: Vec3): number => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
/** Angle between two directions, degrees. */
export const angleBetween = (a: Vec3, b: Vec3): number =>
  (Math.acos(Math.min(1, Math.max(-1, dot(normalise(a), normalise(b))))) * 180) / Math.PI;

/** OD direction of crystal violet (purple: absorbs red and green, transmits blue). */
export const CRYSTAL_VIOLET_REFERENCE: Vec3 = normalise([0.55, 0.78, 0.28]);
/** OD direction of safranin (pink: absorbs green, some blue, transmits red). */
export const SAFRANIN_REFERENCE: Vec3 = normalise([0.12, 0.85, 0.5]);
const GREY: Vec3 = normalise([1, 1, 1]);

/** An estimated stain must lie within this angle of its reference to be trusted. */
const MAX_DRIFT_DEG = 24;
/**
 * A dye has a colour: an estimated direction must lie at least this share of its reference's angle
 * from grey. Nearer grey it is blur, JPEG desaturation or dark debris, and a near-grey "crystal
 * violet" makes every pale counterstained cell unmix as half violet (the grey term cannot tell them
 * apart).
 */
const MIN_CHROMA_SHARE = 0.6;
/**
 * Stained pixels whose hues (chroma-weighted, 5th to 95th percentile) span less than this are one
 * stain population: the spread of one dye under blur, JPEG and thickness. Two dyes are the
 * references' 64° of hue apart.
 */
const SINGLE_POPULATION_HUE_SPREAD_DEG = 36;
/** OD (summed over channels) above which a pixel carries stain for estimation. */
const STAIN_OD_MIN = 0.25;

export interface StainModel {
  readonly crystalViolet: Vec3;
  readonly safranin: Vec3;
  /** How each direction was obtained. */
  readonly source: {
    readonly crystalViolet: 'estimated' | 'reference';
    readonly safranin: 'estimated' | 'reference';
  };
  /** 3x3 unmixing matrix: rows → crystal violet, safranin, neutral grey. */
  readonly unmix: Float64Array;
  /** Robust noise of the summed OD over empty glass. */
  readonly noiseOd: number;
  /** Typical summed OD of empty glass (close to 0 after background correction). */
  readonly backgroundOd: number;
  /** Median angle of stained pixels from grey, degrees: near 0 for a monochrome image. */
  readonly chromaDeg: number;
  /** Share of sampled pixels that carry stain. */
  readonly stainedShare: number;
  /** Number of stained samples behind the estimate. */
  readonly samples: number;
  /** Chroma-weighted median hue of the stained pixels (see `stainHue`), degrees. */
  readonly hueDeg: number;
  /** Spread of that hue, 5th to 95th percentile, degrees: narrow for a single stain population. */
  readonly hueSpreadDeg: number;
  /** One stain population (decided by its hue) or two (estimated from the extremes). */
  readonly populations: 1 | 2;
}

/** log10 of 0..255, with 0 read as 1 so black pixels stay finite (OD ≤ 2.4). */
export const LOG10_LUT: Float32Array = (() => {
  const lut = new Float32Array(256);
  for (let i = 0; i < 256; i++) lut[i] = Math.log10(Math.max(i, 1));
  return lut;
})();

function symmetricEigen3(m: number[]): { values: number[]; vectors: Vec3[] } {
  // Jacobi rotations on a 3x3 symmetric matrix: exact enough in a few sweeps.
  const a = [
    [m[0], m[1], m[2]],
    [m[1], m[3], m[4]],
    [m[2], m[4], m[5]],
  ];
  const v = [
    [1, 0, 0],
    [0, 1, 0],
    [0, 0, 1],
  ];
  for (let sweep = 0; sweep < 20; sweep++) {
    let off = 0;
    for (let p = 0; p < 3; p++) for (let q = p + 1; q < 3; q++) off += a[p][q] * a[p][q];
    if (off < 1e-18) break;
    for (let p = 0; p < 3; p++) {
      for (let q = p + 1; q < 3; q++) {
        if (Math.abs(a[p][q]) < 1e-15) continue;
        const theta = (a[q][q] - a[p][p]) / (2 * a[p][q]);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < 3; k++) {
          const akp = a[k][p];
          const akq = a[k][q];
          a[k][p] = c * akp - s * akq;
          a[k][q] = s * akp + c * akq;
        }
        for (let k = 0; k < 3; k++) {
          const apk = a[p][k];
          const aqk = a[q][k];
          a[p][k] = c * apk - s * aqk;
          a[q][k] = s * apk + c * aqk;
        }
        for (let k = 0; k < 3; k++) {
          const vkp = v[k][p];
          const vkq = v[k][q];
          v[k][p] = c * vkp - s * vkq;
          v[k][q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const order = [0, 1, 2].sort((i, j) => a[j][j] - a[i][i]);
  return {
    values: order.map((i) => a[i][i]),
    vectors: order.map((i) => [v[0][i], v[1][i], v[2][i]] as Vec3),
  };
}

/**
 * The value at rank round(q·(n−1)) of the values, as in a sorted copy, found by selection (linear
 * time; a typed-array sort of 60,000 samples costs several milliseconds). Reorders `values`.
 */
function percentile(values: Float64Array | Float32Array, q: number): number {
  const n = values.length;
  if (n === 0) return 0;
  const k = Math.min(n - 1, Math.max(0, Math.round(q * (n - 1))));
  let lo = 0;
  let hi = n - 1;
  while (hi > lo) {
    // Hoare partition around the median of three.
    const mid = (lo + hi) >> 1;
    const a = values[lo];
    const b = values[mid];
    const c = values[hi];
    const pivot = a < b ? (b < c ? b : a < c ? c : a) : a < c ? a : b < c ? c : b;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (values[i] < pivot) i++;
      while (values[j] > pivot) j--;
      if (i <= j) {
        const t = values[i];
        values[i] = values[j];
        values[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return values[k];
  }
  return values[k];
}

/**
 * Unmixing into crystal violet, safranin and a neutral (grey) density, rows 0..2 of the inverse of
 * [cv saf grey]. The grey term soaks up what is not dye colour — JPEG chroma subsampling and blur
 * desaturate thin cells towards grey, which a two-stain fit would read as crystal violet.
 */
function unmixingMatrix(cv: Vec3, saf: Vec3): Float64Array {
  const g = GREY;
  const a = [
    [cv[0], saf[0], g[0]],
    [cv[1], saf[1], g[1]],
    [cv[2], saf[2], g[2]],
  ];
  const det =
    a[0][0] * (a[1][1] * a[2][2] - a[1][2] * a[2][1]) -
    a[0][1] * (a[1][0] * a[2][2] - a[1][2] * a[2][0]) +
    a[0][2] * (a[1][0] * a[2][1] - a[1][1] * a[2][0]);
  const inv = (r: number, c: number): number => {
    // Cofactor of a[c][r] (transpose) over the determinant.
    const rows = [0, 1, 2].filter((i) => i !== c);
    const cols = [0, 1, 2].filter((j) => j !== r);
    const minor = a[rows[0]][cols[0]] * a[rows[1]][cols[1]] - a[rows[0]][cols[1]] * a[rows[1]][cols[0]];
    return (((r + c) % 2 ? -1 : 1) * minor) / (det || 1e-9);
  };
  const m = new Float64Array(9);
  for (let r = 0; r < 3; r++) for (let c = 0; c < 3; c++) m[r * 3 + c] = inv(r, c);
  return m;
}

/**
 * Hue in the plane of chromaticity (OD with its grey component removed), degrees: 0 at the safranin
 * reference, positive towards crystal violet (at about 64°). Grey — blur, JPEG chroma subsampling,
 * the dark refractive rims of thick cells — moves a direction towards grey but not round in hue, so
 * hue compares a colour with the two dyes without the bias of 3-D angles (crystal violet lies 21°
 * from grey, safranin 31°: greying pulls any pink direction nearer crystal violet).
 */
const HUE_U: Vec3 = (() => {
  const m = (SAFRANIN_REFERENCE[0] + SAFRANIN_REFERENCE[1] + SAFRANIN_REFERENCE[2]) / 3;
  return normalise([SAFRANIN_REFERENCE[0] - m, SAFRANIN_REFERENCE[1] - m, SAFRANIN_REFERENCE[2] - m]);
})();
const HUE_W: Vec3 = (() => {
  const m = (CRYSTAL_VIOLET_REFERENCE[0] + CRYSTAL_VIOLET_REFERENCE[1] + CRYSTAL_VIOLET_REFERENCE[2]) / 3;
  const c: Vec3 = [
    CRYSTAL_VIOLET_REFERENCE[0] - m,
    CRYSTAL_VIOLET_REFERENCE[1] - m,
    CRYSTAL_VIOLET_REFERENCE[2] - m,
  ];
  const d = dot(c, HUE_U);
  return normalise([c[0] - d * HUE_U[0], c[1] - d * HUE_U[1], c[2] - d * HUE_U[2]]);
})();
/** Hue of an OD direction (see HUE_U), degrees in (−180, 180]. */
export const stainHue = (v: Vec3): number => (Math.atan2(dot(v, HUE_W), dot(v, HUE_U)) * 180) / Math.PI;
/** Hue of the crystal-violet reference (that of safranin is 0). */
export const CRYSTAL_VIOLET_HUE = stainHue(CRYSTAL_VIOLET_REFERENCE);
/** Which dye a hue is nearer, round the circle. */
const nearerCrystalVioletHue = (hue: number): boolean => {
  const toCv = Math.abs(((hue - CRYSTAL_VIOLET_HUE + 540) % 360) - 180);
  const toSaf = Math.abs(((hue + 540) % 360) - 180);
  return toCv < toSaf;
};

/** Positive for purple (red absorbed more than blue), negative for pink. */
const purpleness = (v: Vec3): number => (v[0] - v[2]) / (v[0] + v[1] + v[2] || 1);

/**
 * Estimates the field's stain directions from a sample of its pixels (Macenko: the plane of the two
 * principal OD directions, then the extreme angles in it), checked against the references.
 *
 * @example
 * const stains = estimateStains(work, background);
 * stains.source.crystalViolet; // 'estimated' on a field with purple cells
 */
export function estimateStains(work: WorkingImage, background: BackgroundModel): StainModel {
  const { width, height, rgb } = work;
  const step = Math.max(1, Math.floor(Math.sqrt((width * height) / 60_000)));
  const lbR = new Float32Array(width);
  const lbG = new Float32Array(width);
  const lbB = new Float32Array(width);
  // Typed buffers sized for every sample: no per-sample allocation.
  const capacity = Math.ceil(height / step) * Math.ceil(width / step);
  const sumsBuffer = new Float64Array(capacity);
  const stained = new Float64Array(capacity * 3);
  let count = 0;
  let n = 0;
  for (let y = Math.floor(step / 2); y < height; y += step) {
    interpolateBackgroundRow(background, y, width, lbR, lbG, lbB, Math.floor(step / 2), step);
    for (let x = Math.floor(step / 2); x < width; x += step) {
      const i = (y * width + x) * 3;
      const r = lbR[x] - LOG10_LUT[rgb[i]];
      const g = lbG[x] - LOG10_LUT[rgb[i + 1]];
      const b = lbB[x] - LOG10_LUT[rgb[i + 2]];
      const s = r + g + b;
      sumsBuffer[count++] = s;
      if (s > STAIN_OD_MIN && r >= -0.02 && g >= -0.02 && b >= -0.02) {
        stained[3 * n] = r;
        stained[3 * n + 1] = g;
        stained[3 * n + 2] = b;
        n++;
      }
    }
  }
  const sums = sumsBuffer.subarray(0, count);
  const sumSample = sums.slice();
  const backgroundOd = percentile(sumSample, 0.3);
  // The lower tail is empty glass in any field that has some: its spread is the noise.
  const noiseOd = Math.max(0.004, (percentile(sumSample, 0.3) - percentile(sumSample, 0.05)) / 1.34);
  const fallback = (chromaDeg: number): StainModel => ({
    crystalViolet: CRYSTAL_VIOLET_REFERENCE,
    safranin: SAFRANIN_REFERENCE,
    source: { crystalViolet: 'reference', safranin: 'reference' },
    unmix: unmixingMatrix(CRYSTAL_VIOLET_REFERENCE, SAFRANIN_REFERENCE),
    noiseOd,
    backgroundOd,
    chromaDeg,
    stainedShare: sums.length ? n / sums.length : 0,
    samples: n,
    hueDeg: 0,
    hueSpreadDeg: 0,
    populations: 2,
  });
  if (n < 20) return fallback(0);
  const chroma = new Float64Array(n);
  let m0 = 0;
  let m1 = 0;
  let m2 = 0;
  const grey = normalise(GREY);
  for (let k = 0; k < n; k++) {
    const v0 = stained[3 * k];
    const v1 = stained[3 * k + 1];
    const v2 = stained[3 * k + 2];
    // angleBetween(v, GREY), inlined.
    const len = Math.sqrt(v0 * v0 + v1 * v1 + v2 * v2) || 1;
    const c = (v0 / len) * grey[0] + (v1 / len) * grey[1] + (v2 / len) * grey[2];
    chroma[k] = (Math.acos(Math.min(1, Math.max(-1, c))) * 180) / Math.PI;
    m0 += v0;
    m1 += v1;
    m2 += v2;
  }
  const chromaDeg = percentile(chroma, 0.5);
  const { hueDeg, hueSpreadDeg } = hueDistribution(stained, n);
  m0 /= n;
  m1 /= n;
  m2 /= n;
  const cov = [0, 0, 0, 0, 0, 0];
  for (let k = 0; k < n; k++) {
    const a = stained[3 * k] - m0;
    const b = stained[3 * k + 1] - m1;
    const c = stained[3 * k + 2] - m2;
    cov[0] += a * a;
    cov[1] += a * b;
    cov[2] += a * c;
    cov[3] += b * b;
    cov[4] += b * c;
    cov[5] += c * c;
  }
  const { vectors } = symmetricEigen3(cov.map((c) => c / n));
  let e1 = vectors[0];
  let e2 = vectors[1];
  // The first axis runs along "more stain": make it point into the positive octant.
  if (e1[0] + e1[1] + e1[2] < 0) e1 = [-e1[0], -e1[1], -e1[2]];
  // Orient the second so that positive angles are towards crystal violet.
  if (purpleness(e2) < 0) e2 = [-e2[0], -e2[1], -e2[2]];
  const angles = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    const v0 = stained[3 * k];
    const v1 = stained[3 * k + 1];
    const v2 = stained[3 * k + 2];
    angles[k] = Math.atan2(v0 * e2[0] + v1 * e2[1] + v2 * e2[2], v0 * e1[0] + v1 * e1[1] + v2 * e1[2]);
  }
  const toVec = (phi: number): Vec3 =>
    normalise([
      Math.cos(phi) * e1[0] + Math.sin(phi) * e2[0],
      Math.cos(phi) * e1[1] + Math.sin(phi) * e2[1],
      Math.cos(phi) * e1[2] + Math.sin(phi) * e2[2],
    ]);
  const lo = toVec(percentile(angles, 0.01));
  const hi = toVec(percentile(angles, 0.99));
  const referenceSeparation = angleBetween(CRYSTAL_VIOLET_REFERENCE, SAFRANIN_REFERENCE);
  let crystalViolet: Vec3 = CRYSTAL_VIOLET_REFERENCE;
  let safranin: Vec3 = SAFRANIN_REFERENCE;
  let cvSource: 'estimated' | 'reference' = 'reference';
  let safSource: 'estimated' | 'reference' = 'reference';
  const cvCandidate = purpleness(hi) >= purpleness(lo) ? hi : lo;
  const safCandidate = cvCandidate === hi ? lo : hi;
  // A candidate stands for a stain only if it lies nearer that stain's reference than the other's:
  // a field of pink rods and pink red cells has two pink extremes, neither of them crystal violet.
  // "Nearer" with a margin of a quarter of the references' separation: a candidate halfway between
  // the two is a mixture (or a tinted red cell), not a stain.
  const margin = 0.25 * referenceSeparation;
  const nearerCv = (v: Vec3): boolean =>
    angleBetween(v, CRYSTAL_VIOLET_REFERENCE) + margin < angleBetween(v, SAFRANIN_REFERENCE);
  const nearerSaf = (v: Vec3): boolean =>
    angleBetween(v, SAFRANIN_REFERENCE) + margin < angleBetween(v, CRYSTAL_VIOLET_REFERENCE);
  const coloured = (v: Vec3, reference: Vec3): boolean =>
    angleBetween(v, GREY) >= MIN_CHROMA_SHARE * angleBetween(reference, GREY);
  // One population when the hues are narrow: the Macenko extremes of a single dye are its noise
  // (a pink field's 99th-percentile "violet" is its darkest, greyest pixels), not a second stain.
  const onePopulation =
    hueSpreadDeg < SINGLE_POPULATION_HUE_SPREAD_DEG ||
    angleBetween(cvCandidate, safCandidate) < 0.5 * referenceSeparation;
  if (!onePopulation) {
    if (
      nearerCv(cvCandidate) &&
      angleBetween(cvCandidate, CRYSTAL_VIOLET_REFERENCE) <= MAX_DRIFT_DEG &&
      coloured(cvCandidate, CRYSTAL_VIOLET_REFERENCE)
    ) {
      crystalViolet = cvCandidate;
      cvSource = 'estimated';
    }
    if (
      nearerSaf(safCandidate) &&
      angleBetween(safCandidate, SAFRANIN_REFERENCE) <= MAX_DRIFT_DEG &&
      coloured(safCandidate, SAFRANIN_REFERENCE)
    ) {
      safranin = safCandidate;
      safSource = 'estimated';
    }
  } else {
    // One stain only: which one by its hue (nearer crystal violet's or safranin's, round the
    // circle), then that one estimated from the mean direction and the other's reference kept.
    const mean = normalise([m0, m1, m2]);
    if (nearerCrystalVioletHue(hueDeg)) {
      if (
        angleBetween(mean, CRYSTAL_VIOLET_REFERENCE) <= MAX_DRIFT_DEG &&
        coloured(mean, CRYSTAL_VIOLET_REFERENCE)
      ) {
        crystalViolet = mean;
        cvSource = 'estimated';
      }
    } else if (
      angleBetween(mean, SAFRANIN_REFERENCE) <= MAX_DRIFT_DEG &&
      coloured(mean, SAFRANIN_REFERENCE)
    ) {
      safranin = mean;
      safSource = 'estimated';
    }
  }
  return {
    crystalViolet,
    safranin,
    source: { crystalViolet: cvSource, safranin: safSource },
    unmix: unmixingMatrix(crystalViolet, safranin),
    noiseOd,
    backgroundOd,
    chromaDeg,
    stainedShare: n / sums.length,
    samples: n,
    hueDeg,
    hueSpreadDeg,
    populations: onePopulation ? 1 : 2,
  };
}

const HUE_BINS = new Float64Array(360);

/**
 * Chroma-weighted median and 5th–95th percentile spread of the stained samples' hues (interleaved
 * OD triples), taken round their circular mean so a population straddling ±180° stays whole.
 */
function hueDistribution(stained: Float64Array, n: number): { hueDeg: number; hueSpreadDeg: number } {
  let cu = 0;
  let cw = 0;
  for (let k = 0; k < n; k++) {
    const v0 = stained[3 * k];
    const v1 = stained[3 * k + 1];
    const v2 = stained[3 * k + 2];
    cu += v0 * HUE_U[0] + v1 * HUE_U[1] + v2 * HUE_U[2];
    cw += v0 * HUE_W[0] + v1 * HUE_W[1] + v2 * HUE_W[2];
  }
  const centre = Math.atan2(cw, cu);
  const bins = HUE_BINS;
  bins.fill(0);
  let total = 0;
  for (let k = 0; k < n; k++) {
    const v0 = stained[3 * k];
    const v1 = stained[3 * k + 1];
    const v2 = stained[3 * k + 2];
    const a = v0 * HUE_U[0] + v1 * HUE_U[1] + v2 * HUE_U[2];
    const b = v0 * HUE_W[0] + v1 * HUE_W[1] + v2 * HUE_W[2];
    // A near-grey pixel's hue is noise: each counts by its chroma.
    const w = Math.sqrt(a * a + b * b);
    let d = Math.atan2(b, a) - centre;
    if (d > Math.PI) d -= 2 * Math.PI;
    else if (d <= -Math.PI) d += 2 * Math.PI;
    bins[Math.min(359, Math.max(0, Math.floor(((d + Math.PI) * 180) / Math.PI)))] += w;
    total += w;
  }
  const centreDeg = (centre * 180) / Math.PI;
  const quantile = (q: number): number => {
    let acc = 0;
    for (let i = 0; i < 360; i++) {
      acc += bins[i];
      if (acc >= q * total) return i + 0.5 - 180;
    }
    return 180;
  };
  let hueDeg = centreDeg + quantile(0.5);
  if (hueDeg > 180) hueDeg -= 360;
  else if (hueDeg <= -180) hueDeg += 360;
  return { hueDeg, hueSpreadDeg: total > 0 ? quantile(0.95) - quantile(0.05) : 0 };
}

export interface StainMaps {
  /** Summed optical density over the three channels (negative where brighter than background). */
  readonly od: Float32Array;
  /** Crystal-violet amount per pixel (OD units along its direction). */
  readonly crystalViolet: Float32Array;
  /** Safranin amount per pixel. */
  readonly safranin: Float32Array;
}

/**
 * Colour deconvolution of every working pixel against the local background.
 *
 * @example
 * const maps = deconvolveStains(work, background, stains);
 * maps.crystalViolet[y * work.width + x]; // crystal-violet OD at (x, y)
 */
export function deconvolveStains(
  work: WorkingImage,
  background: BackgroundModel,
  stains: StainModel,
): StainMaps {
  const { width, height, rgb } = work;
  const size = width * height;
  const od = new Float32Array(size);
  const cvMap = new Float32Array(size);
  const safMap = new Float32Array(size);
  const lbR = new Float32Array(width);
  const lbG = new Float32Array(width);
  const lbB = new Float32Array(width);
  const u = stains.unmix;
  const u0 = u[0];
  const u1 = u[1];
  const u2 = u[2];
  const u3 = u[3];
  const u4 = u[4];
  const u5 = u[5];
  const lut = LOG10_LUT;
  for (let y = 0; y < height; y++) {
    interpolateBackgroundRow(background, y, width, lbR, lbG, lbB);
    let i = y * width * 3;
    let p = y * width;
    for (let x = 0; x < width; x++, i += 3, p++) {
      const r = lbR[x] - lut[rgb[i]];
      const g = lbG[x] - lut[rgb[i + 1]];
      const b = lbB[x] - lut[rgb[i + 2]];
      od[p] = r + g + b;
      cvMap[p] = u0 * r + u1 * g + u2 * b;
      safMap[p] = u3 * r + u4 * g + u5 * b;
    }
  }
  return { od, crystalViolet: cvMap, safranin: safMap };
}

/**
 * Summed optical density of every working pixel against the local background: the one full-field
 * pass of the pipeline (three table look-ups and one interpolation per pixel).
 *
 * @example
 * const od = computeOpticalDensity(work, createBackgroundSampler(background, work.width));
 */
export function computeOpticalDensity(
  work: WorkingImage,
  sampler: BackgroundSampler,
  into?: Float32Array,
): Float32Array {
  const { width, height, rgb } = work;
  const od = into ?? new Float32Array(width * height);
  const row = new Float32Array(width);
  const lut = LOG10_LUT;
  for (let y = 0; y < height; y++) {
    sampler.sumRow(y, row);
    let i = y * width * 3;
    const o = y * width;
    for (let x = 0; x < width; x++, i += 3)
      od[o + x] = row[x] - lut[rgb[i]] - lut[rgb[i + 1]] - lut[rgb[i + 2]];
  }
  return od;
}

/** Stain amounts at single pixels, for object pixels only (the field is never unmixed as a whole). */
export interface StainProbe {
  /** Writes [crystal violet, safranin] at pixel p into out. */
  at(p: number, out: Float64Array): void;
  /** log10 background of each channel at (x, y), written into out[0..2]. */
  backgroundAt(x: number, y: number, out: Float64Array): void;
  /** The image the probe reads (interleaved RGB) and its width. */
  readonly rgb: Uint8Array;
  readonly width: number;
  /** Unmixing matrix, rows crystal violet, safranin, grey. */
  readonly unmix: Float64Array;
}

export function createStainProbe(
  work: WorkingImage,
  sampler: BackgroundSampler,
  stains: StainModel,
): StainProbe {
  const bg = new Float64Array(3);
  const u = stains.unmix;
  const { width, rgb } = work;
  const lut = LOG10_LUT;
  return {
    rgb,
    width,
    unmix: u,
    backgroundAt(x, y, out) {
      sampler.at(x, y, out);
    },
    at(p, out) {
      const x = p % width;
      const y = (p / width) | 0;
      sampler.at(x, y, bg);
      const i = p * 3;
      const r = bg[0] - lut[rgb[i]];
      const g = bg[1] - lut[rgb[i + 1]];
      const b = bg[2] - lut[rgb[i + 2]];
      out[0] = u[0] * r + u[1] * g + u[2] * b;
      out[1] = u[3] * r + u[4] * g + u[5] * b;
    },
  };
}

export { createBackgroundSampler };
