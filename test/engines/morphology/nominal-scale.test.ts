import { describe, expect, it } from 'vitest';
import { summarise } from '../../../src/analysis/summarise.js';
import { REFERENCE_SITE, renderField } from '../../../src/datasets/synth/index.js';
import { analyseField } from '../../../src/engines/morphology/analyse-field.js';

// Fields without a scale and without red cells are read against a nominal scale (see
// docs/engines/morphology.md, "Unknown scale"). Both fields below were read wrongly before the
// nominal-scale rules (fused pairs cut once the nominal scale is known; a field of yeast read at a
// yeast width) and are read right with them.
const unknownScale = { micronsPerPixel: null, scaleSource: 'unknown' } as const;

describe('morphology engine without a scale or red cells', () => {
  it('cuts fused pairs of cocci at the nominal scale: a blurred S. aureus field reads as cocci in clusters only', () => {
    const f = renderField({
      seed: 102,
      width: 1024,
      height: 768,
      micronsPerPixel: 0.1,
      labels: ['s_aureus'],
      site: { ...REFERENCE_SITE, blurUm: 0.1 },
      abundance: 1.3,
    });
    const out = analyseField(f.raster, unknownScale);
    expect(out.scale).toEqual({ micronsPerPixel: null, source: 'unknown' });
    expect(Number(out.notes.fusedPairsCutAtNominalScale)).toBeGreaterThanOrEqual(5);
    expect(summarise(out.detections, { assessable: out.assessable }).finding.en).toBe(
      'Gram-positive cocci in clusters',
    );
  });

  it('reads a field of yeast at a yeast width, not as bacteria', () => {
    const f = renderField({
      seed: 101,
      width: 1024,
      height: 768,
      micronsPerPixel: 0.1,
      labels: ['candida'],
      site: 2,
      abundance: 1.5,
    });
    const out = analyseField(f.raster, unknownScale);
    expect(out.notes.nominalReading).toBe('yeast');
    // 4 µm over the yeast cells' width: coarser than the bacterial reading (0.8 µm over the median
    // object), and near the true 0.1 µm per pixel.
    expect(Number(out.notes.nominalMicronsPerPixel)).toBeGreaterThan(0.06);
    expect(Number(out.notes.nominalMicronsPerPixel)).toBeLessThan(0.2);
    expect(summarise(out.detections, { assessable: out.assessable }).finding.en).toBe('Yeast');
  });
});
