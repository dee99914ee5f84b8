/**
 * Physical scale from red cells. Erythrocytes are the one object of known size in nearly every
 * blood-culture smear (about 7.5 µm across, narrow spread), so the median diameter of the field's
 * red cells gives micrometres per pixel when no calibration profile does.
 */

/** Mean red-cell diameter in a smear, µm. */
export const RED_CELL_DIAMETER_UM = 7.5;
/**
 * Fewer red cells than this give no estimate. A smear that has red cells shows them by the dozen;
 * three or four pale round discs are as often fibrin meshes, neutrophil lobes or cocci blurred
 * together (three of three such teaching photographs), and a wrong scale reads every organism at the
 * wrong size — worse than the nominal bacterial width used without one.
 */
export const MIN_RED_CELLS = 6;
/** Red-cell diameters spread more than this (robust CV) give no estimate. */
const MAX_SPREAD = 0.15;

export interface ScaleEstimate {
  /** Micrometres per working pixel. */
  readonly micronsPerPixel: number;
  readonly redCells: number;
  readonly medianDiameterPx: number;
  readonly spread: number;
}

/**
 * Estimates micrometres per pixel from red-cell diameters (in pixels); null when there are too few
 * or they disagree too much to trust.
 *
 * @example
 * estimateScaleFromRedCells([52, 54, 53, 51]); // { micronsPerPixel: ≈0.142, … }
 */
export function estimateScaleFromRedCells(diametersPx: readonly number[]): ScaleEstimate | null {
  if (diametersPx.length < MIN_RED_CELLS) return null;
  const sorted = [...diametersPx].sort((a, b) => a - b);
  const median = sorted[sorted.length >> 1];
  const deviations = sorted.map((d) => Math.abs(d - median)).sort((a, b) => a - b);
  const spread = (1.4826 * deviations[deviations.length >> 1]) / median;
  if (!(median > 0) || spread > MAX_SPREAD) return null;
  return {
    micronsPerPixel: RED_CELL_DIAMETER_UM / median,
    redCells: diametersPx.length,
    medianDiameterPx: median,
    spread,
  };
}
