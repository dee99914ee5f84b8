import { describe, expect, it } from 'vitest';
import { renderField } from '../../../src/datasets/synth/render-field.js';
import { createSite, REFERENCE_SITE, type SynthSite } from '../../../src/datasets/synth/site.js';
import { blurRgb } from '../../../src/datasets/synth/stain-canvas.js';
import type { LabelKey } from '../../../src/domain/taxonomy.js';

const meanRgb = (data: Uint8Array): [number, number, number] => {
  const s = [0, 0, 0];
  for (let i = 0; i < data.length; i += 3) for (let c = 0; c < 3; c++) s[c] += data[i + c];
  const n = data.length / 3;
  return [s[0] / n, s[1] / n, s[2] / n];
};

/** Mean squared difference between horizontal neighbours: high for noise and sharp edges. */
const roughness = (data: Uint8Array, width: number): number => {
  let sum = 0;
  let n = 0;
  for (let i = 3; i < data.length; i += 3) {
    if ((i / 3) % width === 0) continue;
    sum += (data[i + 1] - data[i - 2]) ** 2;
    n++;
  }
  return sum / n;
};

const plain: SynthSite = {
  ...REFERENCE_SITE,
  haze: 0,
  noise: 0,
  vignette: 0,
  blurUm: 0,
  clutter: 0,
  outOfFocus: 0,
};

describe('synthetic realism', () => {
  it('simulated sites are stable per id and differ from one another', () => {
    expect(createSite(4)).toEqual(createSite(4));
    expect(createSite(0)).toBe(REFERENCE_SITE);
    const a = createSite(1);
    const b = createSite(2);
    expect(a.stainVectors).not.toEqual(b.stainVectors);
    const colours = [1, 2, 3, 4].map((site) =>
      meanRgb(renderField({ seed: 1, width: 200, height: 150, labels: ['rbc'], site }).raster.data),
    );
    const spread = Math.max(...colours.map((c) => c[1])) - Math.min(...colours.map((c) => c[1]));
    expect(spread).toBeGreaterThan(5);
  });

  it('adds sensor noise, and none in clean mode', () => {
    const noisy = renderField({ seed: 2, width: 160, height: 120, labels: [], site: { ...plain, noise: 4 } });
    const quiet = renderField({ seed: 2, width: 160, height: 120, labels: [], site: plain });
    expect(roughness(quiet.raster.data, 160)).toBeLessThan(0.05);
    expect(roughness(noisy.raster.data, 160)).toBeGreaterThan(8);
  });

  it('darkens the corners under vignetting', () => {
    const field = renderField({
      seed: 3,
      width: 200,
      height: 150,
      labels: [],
      site: { ...plain, vignette: 0.3 },
    });
    const px = (x: number, y: number): number => field.raster.data[(y * 200 + x) * 3 + 1];
    expect(px(100, 75) - px(1, 1)).toBeGreaterThan(30);
  });

  it('defocus blur softens edges', () => {
    const opts = { seed: 4, width: 300, height: 220, labels: ['bacillus'] as LabelKey[], abundance: 3 };
    const sharp = renderField({ ...opts, site: plain });
    const soft = renderField({ ...opts, site: { ...plain, blurUm: 0.15 } });
    expect(roughness(soft.raster.data, 300)).toBeLessThan(roughness(sharp.raster.data, 300) * 0.6);
  });

  it('box blur keeps the total light and spreads a point symmetrically', () => {
    const w = 21;
    const img = new Float32Array(w * w * 3);
    img[(10 * w + 10) * 3] = 441;
    blurRgb(img, w, w, 2);
    let total = 0;
    for (let i = 0; i < img.length; i += 3) total += img[i];
    expect(total).toBeCloseTo(441, 2);
    expect(img[(10 * w + 8) * 3]).toBeCloseTo(img[(10 * w + 12) * 3], 5);
    expect(img[(8 * w + 10) * 3]).toBeCloseTo(img[(12 * w + 10) * 3], 5);
    expect(img[(10 * w + 10) * 3]).toBeGreaterThan(img[(10 * w + 12) * 3]);
  });
});

describe('synthetic morphology', () => {
  const objectsOf = (label: LabelKey, seeds = 3) =>
    Array.from(
      { length: seeds },
      (_, i) =>
        renderField({ seed: 100 + i, width: 500, height: 400, labels: [label], abundance: 2, clean: true })
          .objects,
    ).flat();

  it.each([
    ['s_aureus', 0.8, 1.3, 0.8, 1.3],
    ['enterobacterales', 1.9, 3.1, 0.6, 1.1],
    ['p_aeruginosa', 1.4, 3.1, 0.4, 0.7],
    ['haemophilus', 0.45, 1.05, 0.25, 0.55],
    ['bacillus', 2.9, 6.6, 0.95, 1.45],
    ['listeria', 0.95, 2.05, 0.4, 0.65],
    ['corynebacterium', 1.45, 3.05, 0.5, 0.7],
    ['gn_cocci', 0.7, 1.05, 0.4, 0.8],
  ] as const)('%s has TAXONOMY sizes (length %f–%f µm, width %f–%f µm)', (label, lMin, lMax, wMin, wMax) => {
    for (const o of objectsOf(label, 2)) {
      expect(o.lengthUm).toBeGreaterThanOrEqual(lMin);
      expect(o.lengthUm).toBeLessThanOrEqual(lMax);
      expect(o.widthUm).toBeGreaterThanOrEqual(wMin);
      expect(o.widthUm).toBeLessThanOrEqual(wMax);
    }
  });

  it('draws lancet diplococci in pairs, chains of streptococci, palisades and budding yeast', () => {
    const arrangements = (label: LabelKey): Set<string> =>
      new Set(objectsOf(label).map((o) => o.arrangement));
    const pneumo = objectsOf('s_pneumoniae');
    expect(pneumo.filter((o) => o.arrangement === 'pair').length / pneumo.length).toBeGreaterThan(0.6);
    for (const o of pneumo) expect(o.lengthUm / o.widthUm).toBeGreaterThan(1.3);
    expect(arrangements('s_pyogenes')).toContain('chain');
    expect(arrangements('corynebacterium')).toContain('palisade');
    const yeast = new Set(
      [0, 1, 2, 3].flatMap((seed) =>
        renderField({
          seed,
          width: 1000,
          height: 800,
          labels: ['candida'],
          abundance: 2,
          clean: true,
        }).objects.map((o) => o.arrangement),
      ),
    );
    expect(yeast).toContain('budding');
    expect(yeast).toContain('pseudohypha');
    const candida = objectsOf('candida');
    for (const o of candida.filter((c) => c.arrangement !== 'pseudohypha')) {
      expect(o.widthUm).toBeGreaterThan(2.2);
      expect(o.widthUm).toBeLessThan(6.1);
    }
  });

  it('puts white cells, precipitate and fibrin on realistic fields, outside the ground truth', () => {
    const kinds = new Set<string>();
    for (let seed = 0; seed < 6; seed++) {
      const f = renderField({
        seed,
        width: 800,
        height: 600,
        labels: ['s_aureus', 'rbc'],
        site: { ...REFERENCE_SITE, clutter: 1.5 },
      });
      for (const c of f.clutter) kinds.add(c.kind);
      for (const o of f.objects) expect(['s_aureus', 'rbc']).toContain(o.label);
    }
    expect(kinds).toEqual(new Set(['white-cell', 'precipitate', 'fibrin']));
  });
});
