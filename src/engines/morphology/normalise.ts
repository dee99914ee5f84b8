/**
 * Stain normalisation (Macenko et al. 2009): a field re-coloured as if it had been stained and lit
 * like a reference. The field's own stain directions and dye amounts come from the engine's stain
 * stage (per-field estimate, checked against the reference directions); every pixel is unmixed into
 * crystal violet, safranin and neutral grey, each dye's amount is rescaled so that its 99th
 * percentile over stained pixels matches the reference's, and the pixel is rebuilt from the
 * reference directions over the reference glass colour. The glass is read locally (the background
 * stage), so vignetting and uneven lamps are flattened too.
 *
 * The morphology engine does not need this (it reads stain amounts per field); it serves models
 * trained on one laboratory's colours, training sets pooled from several, and people comparing
 * fields side by side.
 */
import type { RasterImage } from '../../domain/raster.js';
import { createRaster } from '../../domain/raster.js';
import { createChannelRows, estimateBackground, type BackgroundModel } from './background.js';
import {
  CRYSTAL_VIOLET_REFERENCE,
  deconvolveStains,
  estimateStains,
  LOG10_LUT,
  SAFRANIN_REFERENCE,
  type StainModel,
  type Vec3,
} from './stain.js';
import { downscaleRaster, type WorkingImage } from './working-image.js';

/** What a field is normalised to: stain directions, dye amounts and the glass colour. */
export interface StainReference {
  /** Unit optical-density direction of each dye (R, G, B). */
  readonly crystalViolet: Vec3;
  readonly safranin: Vec3;
  /** 99th percentile of each dye's amount over the stained pixels (summed-OD units). */
  readonly maxCrystalViolet: number;
  readonly maxSafranin: number;
  /** Colour of empty glass, 0..255 per channel. */
  readonly glass: readonly [number, number, number];
}

/**
 * The built-in reference: the engine's reference stain directions, with dye amounts and glass
 * measured by `measureStainReference` on the synthetic reference site (site 0: textbook colours,
 * even light), mean of seeds 1–3 of `renderField` with S. aureus, E. coli and red cells.
 */
export const DEFAULT_STAIN_REFERENCE: StainReference = {
  crystalViolet: CRYSTAL_VIOLET_REFERENCE,
  safranin: SAFRANIN_REFERENCE,
  maxCrystalViolet: 1.24,
  maxSafranin: 0.54,
  glass: [224, 219, 226],
};

/** Dye amounts are rescaled by at most this factor either way: a faint field is not made up. */
const MAX_RESCALE = 4;
/** Fewer pixels of a dye than this (in the estimation copy) and it keeps its own amounts. */
const MIN_STAINED_PIXELS = 200;
/** The estimate runs on a copy of at most about this many pixels. */
const ESTIMATE_PIXELS = 1_000_000;

interface FieldStains {
  readonly stains: StainModel;
  readonly background: BackgroundModel;
  /** Estimation copy's pixels per side of one of its pixels (integer). */
  readonly step: number;
  readonly maxCrystalViolet: number | null;
  readonly maxSafranin: number | null;
  readonly stainedPixels: number;
}

/** 99th percentile of the positive values by a 1024-bin histogram over [0, hi]. */
function upperPercentile(values: Float32Array, count: number, hi: number): number {
  const bins = new Uint32Array(1024);
  const scale = 1023 / hi;
  let n = 0;
  for (let i = 0; i < count; i++) {
    const v = values[i];
    if (v <= 0) continue;
    bins[Math.min(1023, (v * scale) | 0)]++;
    n++;
  }
  const rank = Math.floor(0.99 * n);
  let acc = 0;
  for (let b = 0; b < 1024; b++) {
    acc += bins[b];
    if (acc > rank) return (b + 0.5) / scale;
  }
  return hi;
}

function readFieldStains(raster: RasterImage): FieldStains {
  const step = Math.max(1, Math.round(Math.sqrt((raster.width * raster.height) / ESTIMATE_PIXELS)));
  const work: WorkingImage = downscaleRaster(raster, step);
  // Blocks of an eighth of the short side, as the engine uses when no scale is known.
  const background = estimateBackground(
    work,
    Math.max(16, Math.round(Math.min(work.width, work.height) / 8)),
  );
  const stains = estimateStains(work, background);
  const maps = deconvolveStains(work, background, stains);
  const size = work.width * work.height;
  const cv = new Float32Array(size);
  const saf = new Float32Array(size);
  // Stained: summed OD clearly above the glass, as the segmentation threshold reads it.
  const threshold = stains.backgroundOd + Math.max(6 * stains.noiseOd, 0.1);
  // Each dye's amounts are read over the pixels it dominates (two thirds of the dye there): a field
  // of pink rods and red cells with a few violet cocci must not take its crystal-violet peak from
  // the faint violet share of the pink objects, which would then be scaled up into colour.
  let nCv = 0;
  let nSaf = 0;
  let stained = 0;
  for (let p = 0; p < size; p++) {
    if (maps.od[p] <= threshold) continue;
    stained++;
    const c = maps.crystalViolet[p];
    const s = maps.safranin[p];
    if (c > 2 * s && c > 0) cv[nCv++] = c;
    else if (s > 2 * c && s > 0) saf[nSaf++] = s;
  }
  return {
    stains,
    background,
    step,
    maxCrystalViolet: nCv >= MIN_STAINED_PIXELS ? upperPercentile(cv, nCv, 6) : null,
    maxSafranin: nSaf >= MIN_STAINED_PIXELS ? upperPercentile(saf, nSaf, 6) : null,
    stainedPixels: stained,
  };
}

/**
 * Measures a reference from a field that looks the way others should: its stain directions, dye
 * amounts and glass colour.
 *
 * @example
 * const reference = measureStainReference((await decodeImage(await readFile('ours.jpg'))).raster);
 */
export function measureStainReference(raster: RasterImage): StainReference {
  const field = readFieldStains(raster);
  if (field.maxCrystalViolet === null || field.maxSafranin === null)
    throw new RangeError('the reference field has too little stain to measure');
  return {
    crystalViolet: field.stains.crystalViolet,
    safranin: field.stains.safranin,
    maxCrystalViolet: field.maxCrystalViolet,
    maxSafranin: field.maxSafranin,
    glass: field.background.colour,
  };
}

export interface NormalisedField {
  readonly raster: RasterImage;
  /** The field's own stain directions and how they were obtained. */
  readonly from: {
    readonly crystalViolet: Vec3;
    readonly safranin: Vec3;
    readonly source: StainModel['source'];
    readonly glass: readonly [number, number, number];
  };
  /** Factor applied to each dye's amount (1 when the field had too little of it to measure). */
  readonly rescale: { readonly crystalViolet: number; readonly safranin: number };
  readonly stainedPixels: number;
}

const clampRescale = (v: number): number => Math.min(MAX_RESCALE, Math.max(1 / MAX_RESCALE, v));

/**
 * Re-colours a field to the reference's stains, dye amounts and glass.
 *
 * @example
 * const { raster, rescale } = normaliseStains(field); // to DEFAULT_STAIN_REFERENCE
 */
export function normaliseStains(
  raster: RasterImage,
  reference: StainReference = DEFAULT_STAIN_REFERENCE,
): NormalisedField {
  const field = readFieldStains(raster);
  const kCv =
    field.maxCrystalViolet && field.maxCrystalViolet > 0
      ? clampRescale(reference.maxCrystalViolet / field.maxCrystalViolet)
      : 1;
  const kSaf =
    field.maxSafranin && field.maxSafranin > 0 ? clampRescale(reference.maxSafranin / field.maxSafranin) : 1;
  const { width, height, data } = raster;
  const out = createRaster(width, height);
  const u = field.stains.unmix;
  const [cr, cg, cb] = reference.crystalViolet;
  const [sr, sg, sb] = reference.safranin;
  // The neutral grey direction the unmixing solves for: equal density in every channel.
  const grey = 1 / Math.sqrt(3);
  // The background model at full resolution: block sizes scale with the estimation step.
  const backgroundRow = createChannelRows(
    { ...field.background, block: field.background.block * field.step },
    width,
  );
  const lbR = new Float32Array(width);
  const lbG = new Float32Array(width);
  const lbB = new Float32Array(width);
  const lut = LOG10_LUT;
  // Transmission 10^-OD from a table in steps of 1/1024 OD (0.2 % apart: under half an 8-bit
  // level at the brightest glass); a per-pixel exponential costs ten times as much. Pixels a little
  // brighter than their glass (noise, negative OD down to -0.25) keep their excess.
  const low = 0.25;
  const high = 6;
  const transmission = new Float32Array((low + high) * 1024 + 1);
  for (let i = 0; i < transmission.length; i++) transmission[i] = 10 ** (low - i / 1024);
  const last = transmission.length - 1;
  const [gR, gG, gB] = reference.glass;
  const toByte = (glass: number, od: number): number => {
    const k = od <= -low ? 0 : od >= high ? last : ((od + low) * 1024 + 0.5) | 0;
    const v = glass * transmission[k] + 0.5;
    return v >= 255 ? 255 : v | 0;
  };
  for (let y = 0; y < height; y++) {
    backgroundRow(y, lbR, lbG, lbB);
    for (let x = 0, i = y * width * 3; x < width; x++, i += 3) {
      const r = lbR[x] - lut[data[i]];
      const g = lbG[x] - lut[data[i + 1]];
      const b = lbB[x] - lut[data[i + 2]];
      // Only positive amounts are rescaled: a slightly negative amount is noise, or the other dye's
      // hue not quite matching its direction, and scaled up it would turn into colour.
      let cv = u[0] * r + u[1] * g + u[2] * b;
      if (cv > 0) cv *= kCv;
      let saf = u[3] * r + u[4] * g + u[5] * b;
      if (saf > 0) saf *= kSaf;
      const gr = (u[6] * r + u[7] * g + u[8] * b) * grey;
      out.data[i] = toByte(gR, cv * cr + saf * sr + gr);
      out.data[i + 1] = toByte(gG, cv * cg + saf * sg + gr);
      out.data[i + 2] = toByte(gB, cv * cb + saf * sb + gr);
    }
  }
  return {
    raster: out,
    from: {
      crystalViolet: field.stains.crystalViolet,
      safranin: field.stains.safranin,
      source: field.stains.source,
      glass: field.background.colour,
    },
    rescale: { crystalViolet: kCv, safranin: kSaf },
    stainedPixels: field.stainedPixels,
  };
}
