import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_DETECTOR_SETTINGS, type ModelCard } from '../../src/models/model-card.js';
import { openDatabase, type StoreDatabase } from '../../src/store/database.js';
import { SqlModelsRepository } from '../../src/store/models.repository.js';
import { DIALECTS, type TestDatabase } from '../support/databases.js';

const card = (id: string, engine: ModelCard['engine'] = 'onnx-detector', sha = 'a'): ModelCard => ({
  id,
  name: `model ${id}`,
  version: '1',
  engine,
  description: '',
  format: {
    kind: 'detector',
    layout: 'yolov5',
    inputName: 'images',
    outputName: 'output0',
    inputWidth: 640,
    inputHeight: 640,
    dynamicInput: false,
    stride: 32,
    tensorLayout: 'nchw',
  },
  classes: [{ index: 0, name: 'cons', label: 'cons' }],
  unmappedClasses: [],
  training: { description: '', micronsPerPixel: null },
  intendedUse: 'tests',
  validation: { description: '', metrics: { mAP50: 0.5 } },
  detector: DEFAULT_DETECTOR_SETTINGS,
  sha256: sha.repeat(64),
  sizeBytes: 3_000_000_000,
  producer: 'test',
  opset: 17,
  addedAt: `2026-01-0${id.length}T00:00:00.000Z`,
  addedBy: null,
});

describe.each(DIALECTS)('models repository on $name', ({ create }) => {
  let db: TestDatabase;
  let store: StoreDatabase;
  let repo: SqlModelsRepository;

  beforeAll(async () => {
    db = await create();
    store = await openDatabase({ dataDir: db.dataDir, databaseUrl: db.databaseUrl });
    repo = new SqlModelsRepository(store.db);
  });
  afterAll(async () => {
    await store.close();
    await db.cleanup();
  });

  it('stores cards whole, lists them and refuses a duplicate id', async () => {
    await repo.insert(card('a'));
    await repo.insert(card('bb', 'onnx-detector', 'a'));
    await repo.insert(card('ccc', 'onnx-crop-classifier', 'c'));
    await expect(repo.insert(card('a'))).rejects.toMatchObject({ code: 'ERR_CONFLICT' });
    expect(await repo.find('a')).toEqual({ card: card('a'), active: false });
    expect(await repo.find('zz')).toBeNull();
    expect((await repo.list()).map((e) => e.card.id)).toEqual(['a', 'bb', 'ccc']);
    expect(await repo.countBySha256('a'.repeat(64))).toBe(2);
  });

  it('keeps one active model per engine', async () => {
    expect(await repo.findActive('onnx-detector')).toBeNull();
    await repo.activate('a');
    await repo.activate('ccc');
    await repo.activate('bb');
    expect((await repo.findActive('onnx-detector'))?.card.id).toBe('bb');
    expect((await repo.findActive('onnx-crop-classifier'))?.card.id).toBe('ccc');
    expect((await repo.list()).map((e) => [e.card.id, e.active])).toEqual([
      ['a', false],
      ['bb', true],
      ['ccc', true],
    ]);
    await expect(repo.activate('nope')).rejects.toMatchObject({ code: 'ERR_MODEL_NOT_FOUND' });
  });

  it('records every change of an active model with the one before it, newest first', async () => {
    expect(await repo.activate('a', { by: 'ada', at: '2026-02-01T00:00:00.000Z' })).toBe('bb');
    expect(await repo.deactivate('onnx-detector', { by: 'ada', at: '2026-02-02T00:00:00.000Z' })).toBe('a');
    expect(await repo.findActive('onnx-detector')).toBeNull();
    expect(await repo.deactivate('onnx-detector')).toBeNull();
    expect(
      await repo.activate('bb', { action: 'rollback', by: null, at: '2026-02-03T00:00:00.000Z' }),
    ).toBeNull();
    const history = await repo.activations('onnx-detector');
    expect(history.slice(0, 4).map((h) => [h.action, h.previousModelId, h.modelId, h.by])).toEqual([
      ['rollback', null, 'bb', null],
      ['deactivate', null, null, null],
      ['deactivate', 'a', null, 'ada'],
      ['activate', 'bb', 'a', 'ada'],
    ]);
    expect(history[0]).toEqual({
      engine: 'onnx-detector',
      action: 'rollback',
      modelId: 'bb',
      previousModelId: null,
      at: '2026-02-03T00:00:00.000Z',
      by: null,
    });
    expect(await repo.activations('onnx-detector', 2)).toHaveLength(2);
    expect((await repo.activations('onnx-crop-classifier')).map((h) => h.modelId)).toEqual(['ccc']);
  });

  it('keeps the history consistent when changes arrive at once', async () => {
    await Promise.all(['a', 'bb', 'a', 'bb', 'a', 'bb'].map((id) => repo.activate(id)));
    const history = await repo.activations('onnx-detector', 6);
    // Each change names the one before it: the history is a chain, whatever order they landed in.
    for (let i = 0; i < history.length - 1; i++)
      expect(history[i].previousModelId).toBe(history[i + 1].modelId);
    expect((await repo.findActive('onnx-detector'))?.card.id).toBe(history[0].modelId);
    // Whichever landed last, the next test starts from 'bb' active.
    await repo.activate('bb');
  });

  it('removes a model with its activation', async () => {
    expect(await repo.remove('bb')).toBe(true);
    expect(await repo.remove('bb')).toBe(false);
    expect(await repo.findActive('onnx-detector')).toBeNull();
    expect(await repo.countBySha256('a'.repeat(64))).toBe(1);
  });
});
