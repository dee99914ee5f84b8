import { describe, expect, it } from 'vitest';
import { estimateScaleFromRedCells, MIN_RED_CELLS } from '../../../src/engines/morphology/scale.js';

describe('scale from red cells', () => {
  it('reads micrometres per pixel from the median diameter of agreeing red cells', () => {
    const estimate = estimateScaleFromRedCells([52, 54, 53, 51, 55, 53]);
    expect(estimate?.micronsPerPixel).toBeCloseTo(7.5 / 53, 6);
    expect(estimate?.redCells).toBe(6);
  });

  it('gives no scale from a handful of round discs', () => {
    // Three to five pale discs were fibrin meshes, neutrophil lobes or blurred cocci in the
    // development photographs; a smear with red cells shows many.
    expect(MIN_RED_CELLS).toBeGreaterThanOrEqual(6);
    expect(estimateScaleFromRedCells([30, 31, 29, 30, 30])).toBeNull();
  });

  it('gives no scale when the discs disagree in size', () => {
    expect(estimateScaleFromRedCells([30, 45, 22, 38, 52, 27, 33])).toBeNull();
  });
});
