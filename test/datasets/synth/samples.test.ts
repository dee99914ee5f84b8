import { readFileSync, statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderSampleField, SAMPLE_FIELDS } from '../../../src/datasets/synth/samples.js';

const samplesDir = new URL('../../../samples/', import.meta.url);

describe('bundled samples', () => {
  const truth = JSON.parse(readFileSync(new URL('ground-truth.json', samplesDir), 'utf8')) as {
    images: { id: number; file_name: string }[];
    annotations: { image_id: number; bbox: number[]; category_id: number }[];
  };

  it('are small JPEG files listed in the ground truth', () => {
    expect(truth.images.map((i) => i.file_name)).toEqual(SAMPLE_FIELDS.map((s) => `${s.name}.jpg`));
    for (const s of SAMPLE_FIELDS) {
      const file = new URL(`${s.name}.jpg`, samplesDir);
      const size = statSync(file).size;
      expect(size).toBeGreaterThan(20_000);
      expect(size).toBeLessThanOrEqual(300 * 1024);
      expect([...readFileSync(file).subarray(0, 3)]).toEqual([0xff, 0xd8, 0xff]);
    }
  });

  it('still match what the generator draws (run `npm run samples` after changing it)', () => {
    // One sample is enough to detect drift and keeps the test fast.
    const sample = SAMPLE_FIELDS[0];
    const field = renderSampleField(sample);
    const image = truth.images.find((i) => i.file_name === `${sample.name}.jpg`)!;
    const boxes = truth.annotations.filter((a) => a.image_id === image.id);
    expect(boxes).toHaveLength(field.objects.length);
    field.objects.forEach((o, i) => {
      expect(boxes[i].bbox[0]).toBeCloseTo(o.box[0], 2);
      expect(boxes[i].bbox[1]).toBeCloseTo(o.box[1], 2);
    });
  });
});
