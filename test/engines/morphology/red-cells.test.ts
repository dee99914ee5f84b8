/**
 * Red cells on full-size fields are read at the coarse level (a speed path): they must still be boxed
 * where they are, and organisms lying on them must still be found at full resolution.
 */
import { describe, expect, it } from 'vitest';
import { renderField } from '../../../src/datasets/synth/index.js';
import { analyseField } from '../../../src/engines/morphology/analyse-field.js';
import { matchDetections } from '../../../src/engines/morphology/evaluate-fields.js';

const inside = (a: readonly number[], b: readonly number[]): boolean =>
  a[0] >= b[0] && a[1] >= b[1] && a[2] <= b[2] && a[3] <= b[3];

describe('red cells on a 2048x1536 field', () => {
  it('boxes the red cells read coarsely and finds the organisms lying on them', () => {
    const f = renderField({
      seed: 4242,
      width: 2048,
      height: 1536,
      micronsPerPixel: 0.1,
      labels: ['s_aureus', 'rbc'],
      site: 1,
      abundance: 1.3,
    });
    const out = analyseField(f.raster, { micronsPerPixel: 0.1, scaleSource: 'profile' });
    // Most red cells lie alone and take the coarse path (measured when set: 37 red cells read coarsely).
    expect(Number(out.notes.coarseRedCells)).toBeGreaterThan(30);

    const truthRed = f.objects.filter((o) => o.morphotype === 'rbc');
    const foundRed = out.detections.filter((d) => d.morphotype === 'rbc');
    const redMatched = matchDetections(
      truthRed.map((o) => o.box),
      foundRed.map((d) => d.box),
      0.5,
    ).length;
    // Measured when set: 83 of 104 matched at IoU 0.5, as many as the full-resolution path found.
    expect(redMatched / truthRed.length).toBeGreaterThan(0.7);

    // Organisms whose box lies within a red cell's: the dense spots looked at again at full resolution.
    const onRed = f.objects.filter(
      (o) => o.morphotype !== 'rbc' && truthRed.some((r) => inside(o.box, r.box)),
    );
    expect(onRed.length).toBeGreaterThan(5);
    const organisms = out.detections.filter((d) => d.morphotype !== 'rbc');
    const onRedMatched = matchDetections(
      onRed.map((o) => o.box),
      organisms.map((d) => d.box),
      0.3,
    ).length;
    // Measured when set: 100 of 136 (the full-resolution path: 100 too).
    expect(onRedMatched / onRed.length, `${onRedMatched} of ${onRed.length}`).toBeGreaterThan(0.65);
  });

  it('reads a field the same with its layers kept (the docs pictures) as without', () => {
    const f = renderField({ seed: 4243, width: 2048, height: 1536, micronsPerPixel: 0.1, site: 2 });
    const plain = analyseField(f.raster, { micronsPerPixel: 0.1, scaleSource: 'profile' });
    const layered = analyseField(f.raster, {
      micronsPerPixel: 0.1,
      scaleSource: 'profile',
      keepLayers: true,
    });
    expect(Number(plain.notes.coarseRedCells)).toBeGreaterThan(0);
    expect(layered.detections).toEqual(plain.detections);
    // The red cells read coarsely still show in the full-resolution density layer.
    const rbc = plain.detections.find((d) => d.morphotype === 'rbc')!;
    const cx = Math.round((rbc.box[0] + rbc.box[2]) / 2);
    const cy = Math.round((rbc.box[1] + rbc.box[3]) / 2 - (rbc.box[3] - rbc.box[1]) / 3);
    expect(layered.layers!.smoothed[cy * 2048 + cx]).toBeGreaterThan(Number(plain.notes.threshold) * 0.5);
  });
});
