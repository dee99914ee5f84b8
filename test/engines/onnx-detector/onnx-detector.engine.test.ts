import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OnnxDetectorEngine } from '../../../src/engines/onnx-detector/onnx-detector.engine.js';
import { buildCellDetector, buildConstantDetector } from '../../../src/models/builder/exact-models.js';
import { createTestRegistry, paintField, type TestRegistry } from '../../support/onnx-fixtures.js';

const unknownScale = { micronsPerPixel: null, scaleSource: 'unknown' } as const;
const sortBoxes = <T extends { box: number[]; label: string }>(d: T[]): T[] =>
  [...d].sort((a, b) => a.box[1] - b.box[1] || a.box[0] - b.box[0] || a.label.localeCompare(b.label));

let t: TestRegistry;
const engines: OnnxDetectorEngine[] = [];
async function load(id: string): Promise<OnnxDetectorEngine> {
  const engine = await OnnxDetectorEngine.create(await t.registry.resolve('onnx-detector', id), {
    runtime: { threads: 1, provider: 'cpu' },
  });
  engines.push(engine);
  return engine;
}

beforeAll(async () => {
  t = await createTestRegistry();
});
afterAll(async () => {
  await Promise.all(engines.map((e) => e.dispose()));
  await t.cleanup();
});

describe('onnx-detector on the YOLOv5 layout', () => {
  it('decodes, letterboxes back, thresholds per class, suppresses per class and maps labels exactly', async () => {
    // 64x64 fixed input; a 128x96 field is scaled by 0.5 and padded 8 px top and bottom.
    const { bytes } = buildConstantDetector({
      layout: 'yolov5',
      classes: ['Staphylococcus aureus', 'red cell', 'spore'],
      inputWidth: 64,
      inputHeight: 64,
      rows: [
        // cx, cy, w, h, obj, s_aureus, rbc, spore
        [20, 28, 8, 8, 0.9, 1.0, 0.1, 0.0], // s_aureus 0.9
        [21, 28, 8, 8, 0.8, 1.0, 0.0, 0.0], // same class, IoU 0.78: suppressed
        [21, 28, 8, 8, 0.7, 0.0, 1.0, 0.0], // rbc 0.7 at the same place: kept (class-aware)
        [40, 40, 10, 6, 0.5, 0.2, 0.0, 0.6], // spore 0.3: below the 0.35 class threshold set below
        [40, 20, 4, 4, 0.5, 0.0, 0.0, 0.8], // spore 0.4: kept, unmapped label
        [50, 50, 4, 4, 0.2, 1.0, 0.0, 0.0], // 0.2: below the 0.25 default
      ],
    });
    await t.registry.add({
      bytes,
      engine: 'onnx-detector',
      card: { id: 'const-v5', name: 'constant v5', detector: { classThresholds: { spore: 0.35 } } },
    });
    const entry = await t.registry.get('const-v5');
    expect(entry.card.format).toMatchObject({
      kind: 'detector',
      layout: 'yolov5',
      inputWidth: 64,
      dynamicInput: false,
    });
    expect(entry.card.unmappedClasses).toEqual(['spore']);
    const engine = await load('const-v5');
    const out = await engine.analyze(paintField(128, 96, []), unknownScale);
    expect(out.detections).toEqual([
      {
        box: [32, 32, 48, 48],
        label: 's_aureus',
        score: expect.closeTo(0.9, 6),
        morphotype: 'gpc_clusters',
        gram: 'positive',
      },
      { box: [34, 32, 50, 48], label: 'rbc', score: expect.closeTo(0.7, 6), morphotype: 'rbc', gram: 'n/a' },
      { box: [76, 20, 84, 28], label: 'spore', score: expect.closeTo(0.4, 6), morphotype: null, gram: 'n/a' },
    ]);
    expect(out.differential?.[0]).toMatchObject({ label: 's_aureus', score: 1 });
  });
});

describe('onnx-detector on the YOLOv8 layout', () => {
  it('reads [1, 4+nc, N] and honours class-aware NMS', async () => {
    const { bytes } = buildConstantDetector({
      layout: 'yolov8',
      classes: ['cons', 'candida'],
      inputWidth: 64,
      inputHeight: 64,
      dynamic: true,
      metadata: { imgsz: '[64, 64]' },
      rows: [
        // cx, cy, w, h, cons, candida
        [10, 10, 4, 4, 0.95, 0.1],
        [11, 10, 4, 4, 0.9, 0.0], // IoU 0.6 with the first: suppressed
        [30, 30, 20, 20, 0.0, 0.8],
        [31, 31, 20, 20, 0.85, 0.0], // other class, same place: kept
      ],
    });
    await t.registry.add({ bytes, engine: 'onnx-detector', card: { id: 'const-v8', name: 'constant v8' } });
    const engine = await load('const-v8');
    expect(engine.format).toMatchObject({ layout: 'yolov8', dynamicInput: true, inputWidth: 64 });
    // 64x48 field, dynamic model: rectangular letterbox 64x64 → no scaling; pad to a multiple of 32 → 64x64? 48 % 32 = 16: pad 8 + 8.
    const out = await engine.analyze(paintField(64, 48, []), unknownScale);
    expect(out.detections.map((d) => [d.label, d.box, Number(d.score.toFixed(4))])).toEqual([
      ['cons', [8, 0, 12, 4], 0.95],
      ['cons', [21, 13, 41, 33], 0.85],
      ['candida', [20, 12, 40, 32], 0.8],
    ]);
  });
});

describe('onnx-detector with the cell model', () => {
  const colours = {
    red: [255, 0, 0],
    green: [0, 255, 0],
    blue: [0, 0, 255],
  } as const;
  const squares = [
    { x: 0, y: 0, size: 8, rgb: colours.red },
    { x: 48, y: 16, size: 8, rgb: colours.green }, // in the overlap of the first two tile columns
    { x: 56, y: 56, size: 8, rgb: colours.blue }, // a seam in both directions
    { x: 96, y: 48, size: 8, rgb: colours.red },
    { x: 152, y: 104, size: 8, rgb: colours.green }, // bottom-right corner
    { x: 104, y: 8, size: 8, rgb: colours.blue },
  ];

  it('finds every painted cell at its exact place in whole-image mode', async () => {
    const { bytes } = buildCellDetector({
      layout: 'yolov5',
      classes: ['s_aureus', 'enterobacterales', 'candida'],
      inputSize: 160,
      dynamic: true,
    });
    await t.registry.add({
      bytes,
      engine: 'onnx-detector',
      card: { id: 'cells-whole', name: 'cells', detector: { tiling: 'whole', confidence: 0.5 } },
    });
    const engine = await load('cells-whole');
    const out = await engine.analyze(paintField(160, 112, squares), unknownScale);
    const expected = squares.map((s) => {
      const cx = s.x + 4;
      const cy = s.y + 4;
      return {
        box: [Math.max(0, cx - 12), Math.max(0, cy - 12), Math.min(160, cx + 12), Math.min(112, cy + 12)],
        label: s.rgb === colours.red ? 's_aureus' : s.rgb === colours.green ? 'enterobacterales' : 'candida',
        score: 1,
      };
    });
    expect(sortBoxes(out.detections.map((d) => ({ box: d.box, label: d.label, score: d.score })))).toEqual(
      sortBoxes(expected),
    );
  });

  it('gives the same boxes from overlapping tiles, merged across the seams', async () => {
    const { bytes } = buildCellDetector({
      layout: 'yolov8',
      classes: ['s_aureus', 'enterobacterales', 'candida'],
      inputSize: 64,
      dynamic: false,
    });
    await t.registry.add({
      bytes,
      engine: 'onnx-detector',
      card: {
        id: 'cells-tiled',
        name: 'cells tiled',
        detector: { tiling: 'tiled', tileOverlap: 0.25, confidence: 0.5 },
      },
    });
    const engine = await load('cells-tiled');
    const field = paintField(160, 112, squares);
    const plan = engine.plan(160, 112, null);
    expect(plan.mode === 'tiled' && plan.tiles.map((r) => [r.x, r.y])).toEqual([
      [0, 0],
      [48, 0],
      [96, 0],
      [0, 48],
      [48, 48],
      [96, 48],
    ]);
    const out = await engine.analyze(field, unknownScale);
    const expected = squares.map((s) => ({
      box: [Math.max(0, s.x - 8), Math.max(0, s.y - 8), Math.min(160, s.x + 16), Math.min(112, s.y + 16)],
    }));
    expect(sortBoxes(out.detections.map((d) => ({ box: d.box, label: '' })))).toEqual(
      sortBoxes(expected.map((e) => ({ ...e, label: '' }))),
    );
    expect(out.detections.every((d) => d.score === 1)).toBe(true);
  });
});
