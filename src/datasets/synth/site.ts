/**
 * A simulated "site": one laboratory's staining and microscope. Sites differ in stain hue and
 * strength, decolorisation, background tint, illumination, focus, sensor noise and JPEG quality —
 * the drift that cost the reference system its accuracy at other hospitals.
 */
import { createRng } from './prng.js';
import type { StainRole } from './organisms.js';
import type { Rgb, StainMix } from './stain-canvas.js';

export interface SynthSite {
  /** Site number; 0 is the clean reference site. */
  readonly id: number;
  /** Optical density per unit stain in R, G, B: crystal violet, safranin, host (haemoglobin). */
  readonly stainVectors: readonly [Rgb, Rgb, Rgb];
  /** Peak optical density of a Gram-positive / Gram-negative organism. */
  readonly crystalVioletDensity: number;
  readonly safraninDensity: number;
  readonly redCellDensity: number;
  /** Mean share of crystal violet lost by Gram-positive organisms (over-decolorisation), 0..1. */
  readonly decolorisation: number;
  /** Crystal violet left in Gram-negative organisms (under-decolorisation), 0..1. */
  readonly residualViolet: number;
  readonly background: Rgb;
  /** Strength of the pink proteinaceous background haze (optical density). */
  readonly haze: number;
  readonly vignette: number;
  readonly gradient: readonly [number, number];
  /** Defocus blur, as a Gaussian sigma in micrometres. */
  readonly blurUm: number;
  /** Share of organism groups lying outside the focal plane (soft-edged, paler). */
  readonly outOfFocus: number;
  /** Sensor noise standard deviation in 8-bit levels. */
  readonly noise: number;
  /** JPEG quality used when the field is written as JPEG. */
  readonly jpegQuality: number;
  /** How many host white cells, stain-precipitate specks and fibrin strands to expect per field. */
  readonly clutter: number;
}

const CV: Rgb = [0.56, 0.8, 0.24];
const SAF: Rgb = [0.07, 0.86, 0.46];
const HB: Rgb = [0.1, 0.5, 0.3];

/** The clean reference site: textbook colours, even light, in focus, little noise. */
export const REFERENCE_SITE: SynthSite = {
  id: 0,
  stainVectors: [CV, SAF, HB],
  crystalVioletDensity: 2.5,
  safraninDensity: 1.15,
  redCellDensity: 0.5,
  decolorisation: 0.04,
  residualViolet: 0.02,
  background: [228, 226, 232],
  haze: 0.08,
  vignette: 0.06,
  gradient: [0, 0],
  blurUm: 0.04,
  outOfFocus: 0.03,
  noise: 1.5,
  jpegQuality: 92,
  clutter: 0.5,
};

const jitterVector = (v: Rgb, rng: ReturnType<typeof createRng>, sd: number): Rgb => [
  Math.max(0.01, v[0] * Math.exp(rng.normal(0, sd))),
  Math.max(0.01, v[1] * Math.exp(rng.normal(0, sd))),
  Math.max(0.01, v[2] * Math.exp(rng.normal(0, sd))),
];

/**
 * Returns site `id` of a family of simulated sites; the same id and family seed always give the same
 * site. Site 0 is REFERENCE_SITE.
 *
 * @example
 * const site = createSite(3); // a lab with its own stain hue, focus and noise
 */
export function createSite(id: number, familySeed = 0): SynthSite {
  if (id === 0) return REFERENCE_SITE;
  const rng = createRng(`site:${familySeed}:${id}`);
  const tint = rng.pickWeighted(['neutral', 'warm', 'cool', 'grey'] as const, [0.4, 0.25, 0.25, 0.1]);
  const level = rng.range(200, 240);
  const background: Rgb =
    tint === 'warm'
      ? [level + 8, level + 2, level - 10]
      : tint === 'cool'
        ? [level - 8, level, level + 10]
        : tint === 'grey'
          ? [level - 25, level - 25, level - 22]
          : [level, level - 2, level + 4];
  return {
    id,
    stainVectors: [jitterVector(CV, rng, 0.14), jitterVector(SAF, rng, 0.14), jitterVector(HB, rng, 0.15)],
    crystalVioletDensity: REFERENCE_SITE.crystalVioletDensity * rng.range(0.7, 1.2),
    safraninDensity: REFERENCE_SITE.safraninDensity * rng.range(0.65, 1.3),
    redCellDensity: REFERENCE_SITE.redCellDensity * rng.range(0.6, 1.5),
    decolorisation: rng.range(0, 0.25),
    residualViolet: rng.range(0, 0.1),
    background: background.map((c) => Math.min(250, Math.max(150, c))) as unknown as Rgb,
    haze: rng.range(0.02, 0.22),
    vignette: rng.range(0, 0.3),
    gradient: [rng.normal(0, 0.08), rng.normal(0, 0.08)],
    blurUm: rng.range(0.02, 0.11),
    outOfFocus: rng.range(0, 0.2),
    noise: rng.range(1, 4.5),
    jpegQuality: rng.int(68, 95),
    clutter: rng.range(0.2, 1.5),
  };
}

/** The stain mix and base density for a stain role at a site; `decol` is this organism's own loss. */
export function resolveRole(
  site: SynthSite,
  role: StainRole,
  decol: number,
): { stain: StainMix; density: number } {
  switch (role) {
    case 'gram-positive':
      return { stain: [1 - decol, decol * 0.9, 0], density: site.crystalVioletDensity };
    case 'gram-negative':
      return { stain: [site.residualViolet, 1, 0], density: site.safraninDensity };
    case 'red-cell':
      return { stain: [0, 0.12, 1], density: site.redCellDensity };
    case 'nucleus':
      return { stain: [0.28, 1, 0.1], density: site.safraninDensity * 1.15 };
    case 'cytoplasm':
      return { stain: [0.02, 0.35, 0.5], density: site.redCellDensity * 0.45 };
    case 'precipitate':
      return { stain: [1, 0.1, 0], density: site.crystalVioletDensity * 0.9 };
    case 'protein':
      return { stain: [0.02, 1, 0.25], density: site.safraninDensity * 0.3 };
  }
}
