import { readdir, readFile, writeFile } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OnnxDetectorEngine } from '../../src/engines/onnx-detector/onnx-detector.engine.js';
import { GraphBuilder } from '../../src/models/builder/graph-builder.js';
import { buildConstantDetector, buildMeanColourClassifier } from '../../src/models/builder/exact-models.js';
import { parseModelCardInput } from '../../src/models/model-registry.service.js';
import { createTestRegistry, paintField, type TestRegistry } from '../support/onnx-fixtures.js';

const detector = (classes = ['cons', 'rbc']): Uint8Array =>
  buildConstantDetector({
    layout: 'yolov5',
    classes,
    rows: [[16, 16, 8, 8, 0.9, ...classes.map((_, i) => (i === 0 ? 1 : 0))]],
    inputWidth: 32,
    inputHeight: 32,
  }).bytes;

let t: TestRegistry;
beforeEach(async () => {
  t = await createTestRegistry();
});
afterEach(async () => {
  await t.cleanup();
});

async function storedFiles(): Promise<string[]> {
  return (await readdir(t.files.dir).catch(() => [])).sort();
}

describe('model registry', () => {
  it('adds a model with a complete card and makes the first one of an engine active', async () => {
    const card = await t.registry.add({
      bytes: detector(),
      engine: 'onnx-detector',
      card: {
        name: 'Gram YOLO',
        version: '2024.1',
        training: { description: '23,753 blood-culture smears', micronsPerPixel: 0.07 },
        validation: { description: 'site validation set', metrics: { mAP50: 0.71 } },
      },
      addedBy: 'admin',
    });
    expect(card).toMatchObject({
      id: 'gram-yolo-2024.1',
      engine: 'onnx-detector',
      classes: [
        { index: 0, name: 'cons', label: 'cons' },
        { index: 1, name: 'rbc', label: 'rbc' },
      ],
      unmappedClasses: [],
      training: { micronsPerPixel: 0.07 },
      validation: { metrics: { mAP50: 0.71 } },
      format: {
        layout: 'yolov5',
        inputWidth: 32,
        inputHeight: 32,
        inputName: 'images',
        outputName: 'output0',
      },
      producer: 'gramscope-builder 1',
      opset: 17,
      addedBy: 'admin',
    });
    expect(card.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(await storedFiles()).toEqual([`${card.sha256}.onnx`]);
    expect((await t.registry.list()).map((e) => [e.card.id, e.active])).toEqual([['gram-yolo-2024.1', true]]);
    expect((await t.registry.resolve('onnx-detector')).card.id).toBe('gram-yolo-2024.1');
  });

  it('activates and removes models, keeping shared files until the last card goes', async () => {
    const a = await t.registry.add({
      bytes: detector(),
      engine: 'onnx-detector',
      card: { id: 'a', name: 'a' },
    });
    await t.registry.add({ bytes: detector(), engine: 'onnx-detector', card: { id: 'b', name: 'b' } });
    expect((await t.registry.resolve('onnx-detector')).card.id).toBe('a');
    await t.registry.activate('b');
    expect((await t.registry.resolve('onnx-detector')).card.id).toBe('b');
    await expect(t.registry.remove('b')).rejects.toMatchObject({ code: 'ERR_CONFLICT' });
    await t.registry.remove('a');
    expect(await storedFiles()).toEqual([`${a.sha256}.onnx`]);
    await t.registry.remove('b', { force: true });
    expect(await storedFiles()).toEqual([]);
    await expect(t.registry.resolve('onnx-detector')).rejects.toMatchObject({ code: 'ERR_MODEL_NOT_FOUND' });
  });

  it('refuses duplicate ids, unknown ids and models of another engine', async () => {
    await t.registry.add({ bytes: detector(), engine: 'onnx-detector', card: { id: 'a', name: 'a' } });
    await expect(
      t.registry.add({ bytes: detector(), engine: 'onnx-detector', card: { id: 'a', name: 'again' } }),
    ).rejects.toMatchObject({ code: 'ERR_CONFLICT' });
    await expect(t.registry.activate('nope')).rejects.toMatchObject({ code: 'ERR_MODEL_NOT_FOUND' });
    await expect(t.registry.resolve('onnx-crop-classifier', 'a')).rejects.toMatchObject({
      code: 'ERR_VALIDATION',
    });
  });

  it('takes class names from a labels file and reports unmapped ones', async () => {
    const card = await t.registry.add({
      bytes: detector(),
      engine: 'onnx-detector',
      card: { name: 'relabelled' },
      labels: { text: 'names:\n  0: Staphylococcus aureus\n  1: spore\n', fileName: 'data.yaml' },
    });
    expect(card.classes.map((c) => [c.name, c.label])).toEqual([
      ['Staphylococcus aureus', 's_aureus'],
      ['spore', null],
    ]);
    expect(card.unmappedClasses).toEqual(['spore']);
    await expect(
      t.registry.add({
        bytes: detector(),
        engine: 'onnx-detector',
        card: { name: 'three' },
        labels: { text: 'a\nb\nc\n', fileName: 'labels.txt' },
      }),
    ).rejects.toMatchObject({ code: 'ERR_MODEL_LAYOUT' });
  });

  it('refuses a corrupt or truncated file and stores nothing', async () => {
    const bytes = detector();
    await expect(
      t.registry.add({
        bytes: new TextEncoder().encode('this is not an onnx model at all'),
        engine: 'onnx-detector',
        card: { name: 'x' },
      }),
    ).rejects.toMatchObject({ code: 'ERR_MODEL_INVALID' });
    await expect(
      t.registry.add({
        bytes: bytes.subarray(0, Math.floor(bytes.length / 2)),
        engine: 'onnx-detector',
        card: { name: 'half' },
      }),
    ).rejects.toMatchObject({ code: 'ERR_MODEL_INVALID' });
    expect(await storedFiles()).toEqual([]);
    expect(await t.registry.list()).toEqual([]);
  });

  it('refuses a graph the runtime cannot load, a wrong input rank and an unknown output layout', async () => {
    const unknownOp = new GraphBuilder('bad');
    unknownOp.output(
      unknownOp.node('NoSuchOperator', [unknownOp.input('images', [1, 3, 32, 32])]),
      'out',
      [1, 3, 32, 32],
    );
    await expect(
      t.registry.add({ bytes: unknownOp.encode(), engine: 'onnx-detector', card: { name: 'bad op' } }),
    ).rejects.toMatchObject({
      code: 'ERR_MODEL_INVALID',
      message: expect.stringContaining('NoSuchOperator'),
    });

    const rank3 = new GraphBuilder('rank3');
    rank3.output(rank3.node('Relu', [rank3.input('images', [3, 32, 32])]), 'out', [3, 32, 32]);
    await expect(
      t.registry.add({ bytes: rank3.encode(), engine: 'onnx-detector', card: { name: 'rank 3' } }),
    ).rejects.toMatchObject({ code: 'ERR_MODEL_LAYOUT', message: expect.stringContaining('rank 3') });

    const flat = new GraphBuilder('flat');
    flat.output(flat.node('Flatten', [flat.input('images', [1, 3, 32, 32])]), 'out', [1, 3072]);
    await expect(
      t.registry.add({ bytes: flat.encode(), engine: 'onnx-detector', card: { name: 'flat' } }),
    ).rejects.toMatchObject({ code: 'ERR_MODEL_LAYOUT' });
    expect(await storedFiles()).toEqual([]);
  });

  it('refuses files over the size limit before reading them', async () => {
    const { ModelRegistryService } = await import('../../src/models/model-registry.service.js');
    const small = new ModelRegistryService({
      repository: t.repository,
      files: t.files,
      probe: { probe: () => Promise.reject(new Error('not reached')) },
      maxBytes: 100,
    });
    await expect(
      small.add({ bytes: detector(), engine: 'onnx-detector', card: { name: 'big' } }),
    ).rejects.toMatchObject({
      code: 'ERR_MODEL_TOO_LARGE',
    });
  });

  it('refuses a classifier without its background class', async () => {
    const { bytes } = buildMeanColourClassifier({
      classes: ['rod', 'coccus'],
      weights: [
        [1, 0, 0],
        [0, 1, 0],
      ],
      biases: [0, 0],
      inputSize: 16,
    });
    await expect(
      t.registry.add({ bytes, engine: 'onnx-crop-classifier', card: { name: 'no background' } }),
    ).rejects.toMatchObject({ code: 'ERR_MODEL_LABELS' });
    const card = await t.registry.add({
      bytes,
      engine: 'onnx-crop-classifier',
      card: { name: 'every crop votes', classifier: { backgroundClass: '' } },
    });
    expect(card.format).toMatchObject({ kind: 'classifier', inputSize: 16, fixedBatch: 0 });
  });

  it('refuses to load a stored model whose file was tampered with', async () => {
    const card = await t.registry.add({
      bytes: detector(),
      engine: 'onnx-detector',
      card: { id: 'tampered', name: 't' },
    });
    const resolved = await t.registry.resolve('onnx-detector', 'tampered');
    const engine = await OnnxDetectorEngine.create(resolved, { runtime: { threads: 1, provider: 'cpu' } });
    const before = await engine.analyze(paintField(32, 32, []), {
      micronsPerPixel: null,
      scaleSource: 'unknown',
    });
    expect(before.detections).toHaveLength(1);
    await engine.dispose();

    const bytes = await readFile(resolved.filePath);
    bytes[bytes.length - 20] ^= 0xff;
    await writeFile(resolved.filePath, bytes);
    expect(await t.registry.verify('tampered')).toMatchObject({ ok: false });
    await expect(
      OnnxDetectorEngine.create(resolved, { runtime: { threads: 1, provider: 'cpu' } }),
    ).rejects.toMatchObject({
      code: 'ERR_MODEL_HASH_MISMATCH',
    });
    expect((await t.registry.get('tampered')).card.sha256).toBe(card.sha256);
  });
});

describe('model card files', () => {
  it('parses YAML cards and names every invalid field', () => {
    expect(
      parseModelCardInput(
        'name: Gram\nversion: "2"\ndetector:\n  confidence: 0.3\n  tiling: tiled\n',
        'card.yaml',
      ),
    ).toEqual({ name: 'Gram', version: '2', detector: { confidence: 0.3, tiling: 'tiled' } });
    expect(() =>
      parseModelCardInput('name: Gram\ndetector:\n  confidence: 3\nnmae: typo\n', 'card.yaml'),
    ).toThrow(/confidence|nmae/);
    expect(() => parseModelCardInput('{', 'card.json')).toThrow(/not valid/);
  });
});
