import { describe, expect, it } from 'vitest';
import { renderField, type SynthField } from '../../../src/datasets/synth/index.js';
import { createRaster, type RasterImage } from '../../../src/domain/raster.js';
import { analyseField } from '../../../src/engines/morphology/analyse-field.js';
import {
  DEFAULT_STAIN_REFERENCE,
  measureStainReference,
  normaliseStains,
} from '../../../src/engines/morphology/normalise.js';
import { angleBetween } from '../../../src/engines/morphology/stain.js';

/** Mean colour at the centres of the field's organisms of one Gram class. */
function organismColour(raster: RasterImage, field: SynthField, gram: 'positive' | 'negative'): number[] {
  const sum = [0, 0, 0];
  let n = 0;
  for (const o of field.objects) {
    if (o.gram !== gram) continue;
    const [x0, y0, x1, y1] = o.box;
    const i = (Math.round((y0 + y1) / 2) * raster.width + Math.round((x0 + x1) / 2)) * 3;
    for (let c = 0; c < 3; c++) sum[c] += raster.data[i + c];
    n++;
  }
  return sum.map((v) => v / n);
}

/** Largest colour distance between any two of the colours (8-bit levels). */
function spread(colours: number[][]): number {
  let worst = 0;
  for (let i = 0; i < colours.length; i++)
    for (let j = i + 1; j < colours.length; j++)
      worst = Math.max(worst, Math.hypot(...colours[i].map((v, c) => v - colours[j][c])));
  return worst;
}

// One specimen as six laboratories would photograph it: their own stain hues, strengths and lamps.
const sites = [0, 1, 2, 3, 4, 5].map((site) =>
  renderField({
    seed: 11,
    width: 640,
    height: 480,
    labels: ['s_aureus', 'enterobacterales', 'rbc'],
    site,
  }),
);
const normalised = sites.map((f) => normaliseStains(f.raster));

describe('stain normalisation', () => {
  it('brings six sites of one specimen to one appearance', () => {
    const before = spread(sites.map((f) => organismColour(f.raster, f, 'positive')));
    const after = spread(sites.map((f, i) => organismColour(normalised[i].raster, f, 'positive')));
    expect(before).toBeGreaterThan(50);
    expect(after).toBeLessThan(0.4 * before);
    const negBefore = spread(sites.map((f) => organismColour(f.raster, f, 'negative')));
    const negAfter = spread(sites.map((f, i) => organismColour(normalised[i].raster, f, 'negative')));
    expect(negAfter).toBeLessThan(0.6 * negBefore);
  });

  it('puts every field on the reference glass, lamp unevenness included', () => {
    for (const n of normalised) {
      const measured = measureStainReference(n.raster);
      for (let c = 0; c < 3; c++)
        expect(Math.abs(measured.glass[c] - DEFAULT_STAIN_REFERENCE.glass[c])).toBeLessThan(6);
      expect(angleBetween(measured.crystalViolet, DEFAULT_STAIN_REFERENCE.crystalViolet)).toBeLessThan(6);
    }
  });

  it('keeps what the engine reads: the same Gram finding before and after', () => {
    for (const i of [0, 2, 3]) {
      const f = sites[i];
      const options = { micronsPerPixel: f.micronsPerPixel, scaleSource: 'profile' as const };
      const count = (raster: RasterImage) => {
        const d = analyseField(raster, options).detections.filter((x) => x.morphotype !== 'rbc');
        return {
          positive: d.filter((x) => x.gram === 'positive').length,
          negative: d.filter((x) => x.gram === 'negative').length,
        };
      };
      const before = count(f.raster);
      const after = count(normalised[i].raster);
      expect(after.positive).toBeGreaterThan(0.8 * before.positive);
      expect(after.negative).toBeGreaterThan(0.6 * before.negative);
      expect(after.positive / (after.positive + after.negative)).toBeCloseTo(
        before.positive / (before.positive + before.negative),
        1,
      );
    }
  });

  it('takes another field as the reference', () => {
    const reference = measureStainReference(sites[2].raster);
    const out = normaliseStains(sites[3].raster, reference);
    const measured = measureStainReference(out.raster);
    expect(angleBetween(measured.crystalViolet, reference.crystalViolet)).toBeLessThan(6);
    expect(measured.maxCrystalViolet / reference.maxCrystalViolet).toBeGreaterThan(0.85);
    expect(measured.maxCrystalViolet / reference.maxCrystalViolet).toBeLessThan(1.15);
    for (let c = 0; c < 3; c++) expect(Math.abs(measured.glass[c] - reference.glass[c])).toBeLessThan(6);
  });

  it('leaves a field without stain alone instead of inventing dye, and refuses it as a reference', () => {
    const blank = createRaster(320, 240);
    blank.data.fill(210);
    const out = normaliseStains(blank);
    expect(out.rescale).toEqual({ crystalViolet: 1, safranin: 1 });
    expect(out.stainedPixels).toBeLessThan(200);
    // Plain glass becomes the reference glass.
    expect(Array.from(out.raster.data.subarray(0, 3))).toEqual([...DEFAULT_STAIN_REFERENCE.glass]);
    expect(() => measureStainReference(blank)).toThrow(/too little stain/);
  });
});
