import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { renderField, ORGANISM_LABELS } from '../../../src/datasets/synth/render-field.js';
import { REFERENCE_SITE } from '../../../src/datasets/synth/site.js';
import { LABELS, type LabelKey } from '../../../src/domain/taxonomy.js';
import { createRng } from '../../../src/datasets/synth/prng.js';

const sha = (data: Uint8Array): string => createHash('sha256').update(data).digest('hex');

describe('prng', () => {
  it('is deterministic per seed and differs between seeds', () => {
    const a = createRng(42);
    const b = createRng(42);
    const c = createRng(43);
    const seqA = Array.from({ length: 5 }, () => a.uint32());
    expect(Array.from({ length: 5 }, () => b.uint32())).toEqual(seqA);
    expect(Array.from({ length: 5 }, () => c.uint32())).not.toEqual(seqA);
  });

  it('draws uniform values with the expected mean and normal values with the expected spread', () => {
    const rng = createRng(1);
    let sum = 0;
    let sq = 0;
    const n = 20_000;
    for (let i = 0; i < n; i++) sum += rng.next();
    expect(sum / n).toBeGreaterThan(0.49);
    expect(sum / n).toBeLessThan(0.51);
    for (let i = 0; i < n; i++) sq += rng.normal() ** 2;
    expect(Math.sqrt(sq / n)).toBeGreaterThan(0.97);
    expect(Math.sqrt(sq / n)).toBeLessThan(1.03);
  });
});

describe('renderField', () => {
  it('gives identical pixels and boxes for the same seed, and different ones for another seed', () => {
    const opts = { seed: 5, width: 320, height: 240, labels: ['s_aureus', 'rbc'] as LabelKey[], site: 3 };
    const a = renderField(opts);
    const b = renderField(opts);
    const c = renderField({ ...opts, seed: 6 });
    expect(sha(a.raster.data)).toBe(sha(b.raster.data));
    expect(a.objects).toEqual(b.objects);
    expect(sha(c.raster.data)).not.toBe(sha(a.raster.data));
  });

  it('draws only the requested labels, with their TAXONOMY morphotype and Gram call', () => {
    for (const label of ORGANISM_LABELS) {
      const field = renderField({ seed: 3, width: 400, height: 300, labels: [label], abundance: 2 });
      expect(field.objects.length, label).toBeGreaterThan(0);
      for (const o of field.objects) {
        expect(o.label).toBe(label);
        expect(o.morphotype).toBe(LABELS[label].morphotype);
        expect(o.gram).toBe(LABELS[label].gram);
      }
    }
    const withRbc = renderField({ seed: 3, width: 400, height: 300, labels: ['gn_cocci', 'rbc'] });
    expect(new Set(withRbc.objects.map((o) => o.label))).toEqual(new Set(['gn_cocci', 'rbc']));
  });

  it('makes every coccus of a cluster its own object, sharing a group id', () => {
    const field = renderField({
      seed: 9,
      width: 600,
      height: 400,
      labels: ['s_aureus'],
      abundance: 2,
      micronsPerPixel: 0.071,
    });
    const groups = new Map<number, number>();
    for (const o of field.objects) groups.set(o.groupId, (groups.get(o.groupId) ?? 0) + 1);
    const largest = Math.max(...groups.values());
    expect(largest).toBeGreaterThanOrEqual(5);
    const clustered = field.objects.filter((o) => o.arrangement === 'cluster');
    expect(clustered.length).toBeGreaterThan(0);
    for (const o of clustered) expect(groups.get(o.groupId)).toBe(o.groupSize);
    // A coccus of ~1 µm at 0.071 µm/px is about 14 px across.
    const widths = field.objects.map((o) => o.box[2] - o.box[0]);
    const median = widths.sort((x, y) => x - y)[widths.length >> 1];
    expect(median).toBeGreaterThan(10);
    expect(median).toBeLessThan(18);
  });

  it('scales sizes with micrometres per pixel', () => {
    const fine = renderField({ seed: 2, width: 600, height: 450, labels: ['rbc'], micronsPerPixel: 0.071 });
    const coarse = renderField({ seed: 2, width: 600, height: 450, labels: ['rbc'], micronsPerPixel: 0.142 });
    const mean = (f: typeof fine): number =>
      f.objects.reduce((s, o) => s + (o.box[2] - o.box[0]), 0) / f.objects.length;
    expect(mean(fine) * 0.071).toBeGreaterThan(6.5);
    expect(mean(fine) * 0.071).toBeLessThan(8.2);
    expect(mean(fine) / mean(coarse)).toBeGreaterThan(1.8);
    expect(mean(fine) / mean(coarse)).toBeLessThan(2.2);
  });

  it('boxes enclose every stained pixel and touch the stain on all four sides', () => {
    for (const labels of [
      ['s_aureus'],
      ['enterobacterales'],
      ['bacillus'],
      ['s_pneumoniae'],
      ['candida'],
      ['rbc'],
    ] as LabelKey[][]) {
      const field = renderField({ seed: 4, width: 480, height: 360, labels, clean: true, abundance: 1.5 });
      const { width, height, data } = field.raster;
      const bg = REFERENCE_SITE.background;
      const stained = new Uint8Array(width * height);
      for (let i = 0; i < width * height; i++) {
        const d = Math.max(bg[0] - data[i * 3], bg[1] - data[i * 3 + 1], bg[2] - data[i * 3 + 2]);
        if (d > 12) stained[i] = 1;
      }
      const covered = new Uint8Array(width * height);
      for (const o of field.objects) {
        const [x1, y1, x2, y2] = o.box;
        for (let y = Math.max(0, Math.floor(y1) - 1); y < Math.min(height, Math.ceil(y2) + 1); y++)
          for (let x = Math.max(0, Math.floor(x1) - 1); x < Math.min(width, Math.ceil(x2) + 1); x++)
            covered[y * width + x] = 1;
      }
      let outside = 0;
      for (let i = 0; i < stained.length; i++) if (stained[i] && !covered[i]) outside++;
      expect(outside, labels.join()).toBe(0);
      // Tight: each edge of each box has a stained pixel within 1.5 px inside it.
      for (const o of field.objects) {
        const [x1, y1, x2, y2] = o.box;
        const has = (fx: (x: number, y: number) => boolean): boolean => {
          for (let y = Math.floor(y1); y < Math.ceil(y2); y++)
            for (let x = Math.floor(x1); x < Math.ceil(x2); x++)
              if (stained[y * width + x] && fx(x + 0.5, y + 0.5)) return true;
          return false;
        };
        expect(
          has((x) => x - x1 < 1.5),
          `${labels.join()} left`,
        ).toBe(true);
        expect(
          has((x) => x2 - x < 1.5),
          `${labels.join()} right`,
        ).toBe(true);
        expect(
          has((_x, y) => y - y1 < 1.5),
          `${labels.join()} top`,
        ).toBe(true);
        expect(
          has((_x, y) => y2 - y < 1.5),
          `${labels.join()} bottom`,
        ).toBe(true);
      }
    }
  });

  it('keeps every box inside the field and refuses impossible sizes', () => {
    const field = renderField({
      seed: 8,
      width: 200,
      height: 150,
      labels: ['bacillus', 'rbc'],
      abundance: 3,
    });
    for (const o of field.objects) {
      expect(o.box[0]).toBeGreaterThanOrEqual(0);
      expect(o.box[1]).toBeGreaterThanOrEqual(0);
      expect(o.box[2]).toBeLessThanOrEqual(200);
      expect(o.box[3]).toBeLessThanOrEqual(150);
      expect(o.box[2]).toBeGreaterThan(o.box[0]);
    }
    expect(() => renderField({ seed: 1, width: 8, height: 8 })).toThrow(RangeError);
  });
});
