/**
 * What each cell is, from its size in micrometres, its shape and its stain — the rules a
 * microscopist applies, written down with their thresholds (TAXONOMY.md sizes, widened for blur).
 */
import type { Gram } from '../../domain/taxonomy.js';
import type { CellMeasure } from './measure.js';

export type CellKind =
  'coccus' | 'coccobacillus' | 'rod' | 'yeast' | 'pseudohypha' | 'rbc' | 'host' | 'debris';

export interface CellClass {
  readonly kind: CellKind;
  readonly gram: Gram;
  readonly lengthUm: number;
  readonly widthUm: number;
  readonly areaUm2: number;
  readonly aspectRatio: number;
  /** 0..1: how far the cell sits from the nearest decision boundary. */
  readonly confidence: number;
  readonly reasons: string[];
}

/** Crystal-violet share above which an organism is called Gram-positive. */
export const GRAM_POSITIVE_MIN_RATIO = 0.45;
/** Organisms wider than this (µm) are yeast (or host nuclei if safranin-stained). */
const YEAST_MIN_WIDTH_UM = 1.75;
/** Smallest organism area (µm²): a 0.25 x 0.45 µm coccobacillus, blurred. */
const ORGANISM_MIN_AREA_UM2 = 0.09;

const clamp01 = (v: number): number => (v < 0 ? 0 : v > 1 ? 1 : v);
/** Confidence from the distance to a boundary, saturating at `span`. */
const margin = (value: number, boundary: number, span: number): number =>
  clamp01(Math.abs(value - boundary) / span);

export function gramFromRatio(ratio: number): Gram {
  return ratio >= GRAM_POSITIVE_MIN_RATIO ? 'positive' : 'negative';
}

/**
 * Classifies one measured cell at a given scale (µm per working pixel).
 *
 * @example
 * classifyCell(cell, 0.142).kind; // 'coccus'
 */
export function classifyCell(
  cell: CellMeasure,
  micronsPerPixel: number,
  redCell: boolean,
  minDensity = 0,
): CellClass {
  const lengthUm = cell.lengthPx * micronsPerPixel;
  const widthUm = cell.widthPx * micronsPerPixel;
  const areaUm2 = cell.areaPx * micronsPerPixel * micronsPerPixel;
  const aspectRatio = cell.lengthPx / Math.max(cell.widthPx, 1e-6);
  const gram = gramFromRatio(cell.stainRatio);
  const gramConfidence = margin(cell.stainRatio, GRAM_POSITIVE_MIN_RATIO, 0.25);
  const reasons: string[] = [];
  const base = { lengthUm, widthUm, areaUm2, aspectRatio };
  if (redCell) {
    return {
      ...base,
      kind: 'rbc',
      gram: 'n/a',
      confidence: 0.9,
      reasons: ['large pale round disc of red-cell size, haemoglobin/safranin stained'],
    };
  }
  if (areaUm2 < ORGANISM_MIN_AREA_UM2 || cell.areaPx < 3) {
    return { ...base, kind: 'debris', gram: 'n/a', confidence: 0.5, reasons: ['too small for an organism'] };
  }
  // Stained organisms are dense; faint wisps are background haze, cytoplasm or out-of-focus debris.
  if (cell.peakOd < minDensity) {
    return {
      ...base,
      kind: 'debris',
      gram: 'n/a',
      confidence: 0.5,
      reasons: [`too faint (density ${cell.peakOd.toFixed(2)})`],
    };
  }
  if (cell.fill < 0.5 && widthUm < YEAST_MIN_WIDTH_UM) {
    return { ...base, kind: 'debris', gram: 'n/a', confidence: 0.5, reasons: ['ragged outline: debris'] };
  }
  // Formatted only for cells that get this far (red cells and debris are most of a field's cells).
  const ratioText = `crystal-violet share ${cell.stainRatio.toFixed(2)}`;
  if (widthUm >= YEAST_MIN_WIDTH_UM) {
    if (gram === 'positive') {
      const hypha = aspectRatio >= 2.2 && lengthUm >= 5;
      reasons.push(
        `${widthUm.toFixed(1)} µm wide (≥ ${YEAST_MIN_WIDTH_UM} µm: fungal, not bacterial)`,
        ratioText,
        hypha ? 'elongated: pseudohypha' : 'oval cell',
      );
      return {
        ...base,
        kind: hypha ? 'pseudohypha' : 'yeast',
        gram,
        confidence: Math.min(gramConfidence, margin(widthUm, YEAST_MIN_WIDTH_UM, 0.6)),
        reasons,
      };
    }
    return {
      ...base,
      kind: 'host',
      gram: 'n/a',
      confidence: 0.6,
      reasons: [`${widthUm.toFixed(1)} µm wide and safranin-stained: host cell nucleus or debris`],
    };
  }
  reasons.push(ratioText);
  // Longer than any bacterium here (Bacillus reaches ~8 µm): a fibrin strand or filament of debris.
  if (lengthUm > (gram === 'positive' ? 9 : 6)) {
    return {
      ...base,
      kind: 'debris',
      gram: 'n/a',
      confidence: 0.5,
      reasons: [`${lengthUm.toFixed(1)} µm long: a strand, not a bacterium`],
    };
  }
  if (gram === 'positive') {
    // Lancet-shaped pneumococci are elongated (up to ~2:1) but short and broad-based.
    const lancet = lengthUm <= 1.35 && widthUm >= 0.56 && aspectRatio < 2.3;
    if ((aspectRatio < 1.7 && lengthUm <= 1.7) || lancet) {
      reasons.push(
        lancet && aspectRatio >= 1.7
          ? `short and broad (${lengthUm.toFixed(2)} x ${widthUm.toFixed(2)} µm): elongated, lancet-shaped coccus`
          : `round (${aspectRatio.toFixed(2)}:1), ${lengthUm.toFixed(2)} µm`,
      );
      return {
        ...base,
        kind: 'coccus',
        gram,
        confidence: Math.min(gramConfidence, margin(aspectRatio, 1.7, 0.35), margin(lengthUm, 1.7, 0.4)),
        reasons,
      };
    }
    reasons.push(`rod ${lengthUm.toFixed(2)} x ${widthUm.toFixed(2)} µm`);
    return {
      ...base,
      kind: 'rod',
      gram,
      confidence: Math.min(
        gramConfidence,
        Math.max(margin(aspectRatio, 1.7, 0.5), margin(lengthUm, 1.7, 0.5)),
      ),
      reasons,
    };
  }
  // Gram-negative: cocci (beans, ~0.5–1 µm), coccobacilli (≤ 1.4 µm long), rods.
  if (aspectRatio < 1.75 && widthUm >= 0.5 && lengthUm <= 1.35) {
    reasons.push(`round (${aspectRatio.toFixed(2)}:1), ${lengthUm.toFixed(2)} µm`);
    return {
      ...base,
      kind: 'coccus',
      gram,
      confidence: Math.min(gramConfidence, margin(widthUm, 0.5, 0.15), margin(aspectRatio, 1.75, 0.4)),
      reasons,
    };
  }
  if (lengthUm <= 1.45) {
    reasons.push(`short oval rod ${lengthUm.toFixed(2)} x ${widthUm.toFixed(2)} µm: coccobacillus`);
    return {
      ...base,
      kind: 'coccobacillus',
      gram,
      confidence: Math.min(gramConfidence, margin(lengthUm, 1.45, 0.35)),
      reasons,
    };
  }
  reasons.push(`rod ${lengthUm.toFixed(2)} x ${widthUm.toFixed(2)} µm`);
  return {
    ...base,
    kind: 'rod',
    gram,
    confidence: Math.min(gramConfidence, margin(lengthUm, 1.45, 0.5)),
    reasons,
  };
}

/** What the field-level counterstain reading needs of each organism. */
export interface StainedOrganism {
  readonly gram: Gram;
  readonly stainRatio: number;
  readonly peakOd: number;
  /** Width, in any unit (only its spread is read). */
  readonly width: number;
}

/** Fewest violet organisms that make a field's Gram-positive population. */
const COUNTERSTAIN_MIN_VIOLET = 20;
/** The two populations' median crystal-violet shares differ by at least this: two dyes, not one. */
const COUNTERSTAIN_MIN_SHARE_CONTRAST = 0.5;
/** The pink population's median density is at most this share of the violet organisms'. */
const COUNTERSTAIN_MAX_DENSITY_SHARE = 0.6;
/**
 * The pink objects' widths scatter: the middle half spans more than this share of the median. A
 * bacterial species keeps its width (a Gram-negative population's middle half lies within ~15 % of
 * its median on generated fields), fibrin and host material broken into pieces come in every width.
 */
const COUNTERSTAIN_MIN_WIDTH_SPREAD = 0.3;

const quantileOf = (values: number[], q: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.round(q * (sorted.length - 1))];
};
const medianOf = (values: number[]): number => quantileOf(values, 0.5);

/**
 * The pink objects of a field whose Gram reaction is carried by its violet organisms: the
 * counterstained background material (fibrin, host cells, mucus) that segmentation cuts into
 * organism-sized pieces. A microscopist reads the Gram reaction from the dense organisms and takes
 * pale pink material around them as the counterstain, not as a second organism. That reading holds
 * when the field has a real violet population (at least 20 organisms), its crystal-violet share is
 * clearly another dye's (median share at least 0.5 above the pink objects'; an over-decolorised or
 * noisy single population splits by less), the pink objects are much paler (median density at
 * most 0.6 of the violet organisms') and of scattered widths (no one Gram-negative species: a mixed
 * field's Gram-negative rods are paler than its staphylococci too, but of one width). Returns the density below which a pink object is taken as
 * background — the violet organisms' median density: Gram-negative organisms of a mixed field as
 * dense as the Gram-positives stay — or null when the field does not read that way.
 *
 * @example
 * counterstainedBackgroundDensity(cells); // 1.2 in a field of violet cocci on pink fibrin
 */
export function counterstainedBackgroundDensity(organisms: readonly StainedOrganism[]): number | null {
  const violet = organisms.filter((o) => o.gram === 'positive');
  const pink = organisms.filter((o) => o.gram === 'negative');
  if (violet.length < COUNTERSTAIN_MIN_VIOLET || pink.length === 0) return null;
  const violetShare = medianOf(violet.map((o) => o.stainRatio));
  const pinkShare = medianOf(pink.map((o) => o.stainRatio));
  if (violetShare - pinkShare < COUNTERSTAIN_MIN_SHARE_CONTRAST) return null;
  const violetDensity = medianOf(violet.map((o) => o.peakOd));
  const pinkDensity = medianOf(pink.map((o) => o.peakOd));
  if (pinkDensity > COUNTERSTAIN_MAX_DENSITY_SHARE * violetDensity) return null;
  const widths = pink.map((o) => o.width);
  const widthSpread = (quantileOf(widths, 0.75) - quantileOf(widths, 0.25)) / (medianOf(widths) || 1);
  if (widthSpread <= COUNTERSTAIN_MIN_WIDTH_SPREAD) return null;
  return violetDensity;
}
