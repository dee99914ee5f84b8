import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Detection } from '../../../src/domain/analysis-result.js';
import type { EngineDescriptor } from '../../../src/engines/engine.js';
import { evaluateDataset, truthDetection } from '../../../src/datasets/eval/eval.service.js';
import { renderEvalHtml } from '../../../src/datasets/eval/eval-html.js';
import { loadDataset } from '../../../src/datasets/formats/dataset-io.js';
import { writeSynthDataset } from '../../../src/datasets/synth/synth-dataset.service.js';

let tmp: string;
let data: string;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'gramscope-eval-'));
  data = join(tmp, 'data');
  await writeSynthDataset({
    out: data,
    count: 2,
    seed: 17,
    width: 400,
    height: 300,
    format: 'png',
    labels: ['s_aureus', 'enterobacterales', 'rbc'],
    mixedRate: 0,
  });
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

/** A test instrument, not a product engine: answers each field with detections made from its truth. */
function scriptedEngine(answer: (width: number, call: number) => Detection[]): EngineDescriptor {
  let calls = 0;
  return {
    name: 'scripted',
    description: 'test instrument',
    priority: 0,
    needsModel: false,
    create: () =>
      Promise.resolve({
        name: 'scripted',
        version: '0',
        model: null,
        capabilities: { needsModel: false, morphotypes: true, explanations: false, estimatesScale: false },
        analyze: (image) =>
          Promise.resolve({
            detections: answer(image.width, calls++),
            scale: { micronsPerPixel: 0.1, source: 'profile' as const },
          }),
      }),
  };
}

describe('gramscope eval', () => {
  it('scores perfect predictions as 1 everywhere and halves recall when half the boxes are missing', async () => {
    const loaded = await loadDataset(data);
    const truths = loaded.dataset.images.map((img) => img.annotations.map(truthDetection));
    const perfect = await evaluateDataset(loaded, data, {
      engine: 'scripted',
      // One at a time, so the n-th call is the n-th field.
      workers: 1,
      engines: [scriptedEngine((_w, call) => truths[call])],
    });
    expect(perfect.report.map50).toBe(1);
    expect(perfect.report.map50_95).toBe(1);
    expect(perfect.report.gramAccuracy).toBe(1);
    expect(perfect.report.morphotypeAccuracy).toBe(1);
    expect(perfect.report.findingAccuracy).toBe(1);
    expect(perfect.report.findingExactAccuracy).toBe(1);
    expect(perfect.report.confusion.matrix.at(-1)!.every((v) => v === 0)).toBe(true);

    // Keep every other box: recall 1/2 and, per class, AP = 51/101 (precision 1 up to recall 0.5).
    const half = await evaluateDataset(loaded, data, {
      engine: 'scripted',
      workers: 1,
      engines: [scriptedEngine((_w, call) => truths[call].filter((_, i) => i % 2 === 0))],
    });
    for (const [cls, m] of Object.entries(half.report.perClass)) {
      const expectedTp = truths.reduce(
        (s, t) => s + t.filter((d, i) => d.label === cls && i % 2 === 0).length,
        0,
      );
      expect(m.tp, cls).toBe(expectedTp);
      expect(m.fp, cls).toBe(0);
      expect(m.recall!, cls).toBeCloseTo(expectedTp / m.support, 3);
    }
    expect(half.report.gramAccuracy).toBe(1);
  });

  it('runs the real morphology engine and writes a self-contained HTML report', async () => {
    const loaded = await loadDataset(data);
    const { report, examples } = await evaluateDataset(loaded, data, {
      engine: 'morphology',
      workers: 1,
      level: 'morphotype',
    });
    for (const key of [
      'map50',
      'map50_95',
      'perClass',
      'gramAccuracy',
      'morphotypeAccuracy',
      'images',
    ] as const)
      expect(report).toHaveProperty(key);
    expect(report.engine.name).toBe('morphology');
    expect(report.images).toHaveLength(2);
    expect(report.map50).toBeGreaterThan(0);
    expect(report.map50).toBeLessThanOrEqual(1);
    expect(Object.keys(report.perClass)).toEqual(expect.arrayContaining(['gpc_clusters', 'gnr', 'rbc']));
    expect(report.confusion.labels.at(-1)).toBe('background');
    const html = await renderEvalHtml(report, examples);
    expect(html).toContain('<canvas id="pr">');
    expect(html).toContain('chartjs-chart-matrix');
    expect(html).toMatch(/<img alt="ground truth" src="data:image\/jpeg;base64,/);
    expect(html).not.toMatch(/<script[^>]+src=/);
    expect(html).not.toContain('http://');
  });

  it('names the field when an image cannot be read', async () => {
    const loaded = await loadDataset(data);
    const broken = {
      ...loaded,
      dataset: { ...loaded.dataset, images: [{ ...loaded.dataset.images[0], file: 'coco.json' }] },
    };
    await expect(evaluateDataset(broken, data, { engine: 'morphology', workers: 1 })).rejects.toMatchObject({
      code: 'ERR_IMAGE_TYPE',
      message: expect.stringContaining('coco.json') as unknown as string,
    });
    expect(await readFile(join(data, 'coco.json'), 'utf8')).toContain('"images"');
  });
});
