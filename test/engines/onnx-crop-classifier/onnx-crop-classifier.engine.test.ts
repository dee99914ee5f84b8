import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { summarise } from '../../../src/analysis/summarise.js';
import { OnnxCropClassifierEngine } from '../../../src/engines/onnx-crop-classifier/onnx-crop-classifier.engine.js';
import { buildMeanColourClassifier } from '../../../src/models/builder/exact-models.js';
import { createTestRegistry, paintField, type TestRegistry } from '../../support/onnx-fixtures.js';
import { LABEL_PRIORS_BY_MORPHOTYPE } from '../../../src/analysis/differential.js';

const CLASSES = ['background', 'gp_rod', 'gn_rod', 'gp_coccus', 'gn_coccus'];
// Logits on the crop's mean colour: black → background, blue → gp_rod, red → gn_rod, green → gp_coccus,
// yellow → gn_coccus.
const WEIGHTS: [number, number, number][] = [
  [0, 0, 0],
  [0, 0, 10],
  [10, 0, 0],
  [0, 10, 0],
  [6, 6, 0],
];
const BIASES = [2, 0, 0, 0, 0];
const BLUE = [0, 0, 255] as const;
const RED = [255, 0, 0] as const;
const GREEN = [0, 255, 0] as const;

let t: TestRegistry;
const engines: OnnxCropClassifierEngine[] = [];
async function load(id: string): Promise<OnnxCropClassifierEngine> {
  const engine = await OnnxCropClassifierEngine.create(await t.registry.resolve('onnx-crop-classifier', id), {
    runtime: { threads: 1, provider: 'cpu' },
  });
  engines.push(engine);
  return engine;
}

beforeAll(async () => {
  t = await createTestRegistry();
  const probabilities = buildMeanColourClassifier({
    classes: CLASSES,
    weights: WEIGHTS,
    biases: BIASES,
    inputSize: 32,
  });
  await t.registry.add({
    bytes: probabilities.bytes,
    engine: 'onnx-crop-classifier',
    card: { id: 'colour', name: 'colour' },
  });
  // Logits and no names: the reference system's five classes are assumed.
  const logits = buildMeanColourClassifier({
    classes: CLASSES,
    weights: WEIGHTS,
    biases: BIASES,
    inputSize: 32,
    softmax: false,
    withoutNames: true,
  });
  await t.registry.add({
    bytes: logits.bytes,
    engine: 'onnx-crop-classifier',
    card: { id: 'colour-logits', name: 'logits' },
  });
});
afterAll(async () => {
  await Promise.all(engines.map((e) => e.dispose()));
  await t.cleanup();
});

// A 400x300 field of 100x100 blocks: at 0.1 µm/px each block is one 10 µm crop.
const blocks: [number, number, readonly [number, number, number]][] = [
  [0, 0, BLUE],
  [1, 0, BLUE],
  [2, 0, RED],
  [3, 0, BLUE],
  [0, 1, RED],
  [1, 1, BLUE],
  [2, 1, GREEN],
  [0, 2, RED],
  [3, 2, BLUE],
];
const field = paintField(
  400,
  300,
  blocks.map(([bx, by, rgb]) => ({ x: bx * 100, y: by * 100, size: 100, rgb })),
);

describe('onnx-crop-classifier', () => {
  it('classifies 10 µm crops and reports the majority over non-background crops', async () => {
    const engine = await load('colour');
    const out = await engine.analyze(field, { micronsPerPixel: 0.1, scaleSource: 'profile' });
    const byBox = out.detections
      .map((d) => [d.box.map((v) => Math.round(v)), d.label, d.morphotype, d.gram] as const)
      .sort((a, b) => a[0][1] - b[0][1] || a[0][0] - b[0][0]);
    expect(byBox).toEqual(
      blocks
        .map(([bx, by, rgb]) => {
          const cls =
            rgb === BLUE
              ? ['gp_rod', 'gpr', 'positive']
              : rgb === RED
                ? ['gn_rod', 'gnr', 'negative']
                : ['gp_coccus', 'gpc', 'positive'];
          return [[bx * 100, by * 100, bx * 100 + 100, by * 100 + 100], ...cls] as const;
        })
        .sort((a, b) => a[0][1] - b[0][1] || a[0][0] - b[0][0]),
    );
    const majority = out.detections
      .filter((d) => (d.explanation as Record<string, unknown> | undefined)?.vote === 'majority')
      .map((d) => d.label);
    expect(new Set(majority)).toEqual(new Set(['gp_rod']));
    expect(majority).toHaveLength(5);
    const summary = summarise(out.detections, { differential: out.differential });
    expect(summary.finding.en).toBe('Gram-positive rods and Gram-negative rods');
    expect(summary.morphotypes.map((m) => [m.morphotype, m.count])).toEqual([
      ['gpr', 5],
      ['gnr', 3],
      ['gpc', 1],
    ]);
    // gpr 5/9 x the Corynebacterium prior just ahead of gnr 3/9 x the Enterobacterales prior.
    const priors = LABEL_PRIORS_BY_MORPHOTYPE;
    expect(summary.differential.slice(0, 2).map((d) => [d.label, d.score])).toEqual([
      ['corynebacterium', Math.round((5 / 9) * priors.gpr.corynebacterium! * 1000) / 1000],
      ['enterobacterales', Math.round((3 / 9) * priors.gnr.enterobacterales! * 1000) / 1000],
    ]);
  });

  it('treats raw logits like probabilities and assumes the reference classes when a model has no names', async () => {
    const engine = await load('colour-logits');
    expect(engine.card.classes.map((c) => c.name)).toEqual(CLASSES);
    const out = await engine.analyze(field, { micronsPerPixel: 0.1, scaleSource: 'profile' });
    expect(out.detections.filter((d) => d.label === 'gp_rod')).toHaveLength(5);
    expect(out.detections.every((d) => d.score > 0.9 && d.score <= 1)).toBe(true);
  });

  it('enlarges crops smaller than the model input one by one', async () => {
    const engine = await load('colour');
    // 0.5 µm/px: a 10 µm crop is 20 px, enlarged to 32. An 80x60 field holds a 4x3 grid.
    const small = paintField(80, 60, [
      { x: 20, y: 20, size: 20, rgb: RED },
      { x: 60, y: 40, size: 20, rgb: GREEN },
    ]);
    const out = await engine.analyze(small, { micronsPerPixel: 0.5, scaleSource: 'option' });
    expect(out.detections.map((d) => [d.label, d.box])).toEqual([
      ['gn_rod', [20, 20, 40, 40]],
      ['gp_coccus', [60, 40, 80, 60]],
    ]);
  });

  it('refuses a field without a scale, and a crop larger than the field', async () => {
    const engine = await load('colour');
    await expect(
      engine.analyze(field, { micronsPerPixel: null, scaleSource: 'unknown' }),
    ).rejects.toMatchObject({
      code: 'ERR_SCALE_REQUIRED',
    });
    await expect(
      engine.analyze(field, { micronsPerPixel: 0.01, scaleSource: 'option' }),
    ).rejects.toMatchObject({
      code: 'ERR_VALIDATION',
    });
  });
});
