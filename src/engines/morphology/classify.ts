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
