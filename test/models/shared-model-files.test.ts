/**
 * Replicas share model files through the object store (S3, here a local S3-compatible server): a
 * model added on one replica serves on another whose models folder lacks it, the fetched copy is
 * checked against the card's sha256, and removal takes the shared copy too.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OnnxDetectorEngine } from '../../src/engines/onnx-detector/onnx-detector.engine.js';
import { OnnxModelProbe } from '../../src/engines/onnx-runtime/model-probe.js';
import { buildConstantDetector } from '../../src/models/builder/exact-models.js';
import { ModelFileStore } from '../../src/models/model-files.js';
import { ModelRegistryService } from '../../src/models/model-registry.service.js';
import { InMemoryModelsRepository } from '../../src/models/models.repository.js';
import { EncryptedBlobStore, parseKeyring } from '../../src/store/encrypted-blob-store.js';
import { S3BlobStore } from '../../src/store/s3-blob-store.js';
import { paintField } from '../support/onnx-fixtures.js';
import { startTestS3, type TestS3 } from '../support/s3.js';

describe('model files shared between replicas through the object store', () => {
  let s3: TestS3;
  let bucket: S3BlobStore;
  let shared: EncryptedBlobStore;
  let work: string;
  let a: ModelRegistryService;
  let b: ModelRegistryService;
  let dirB: string;
  const repository = new InMemoryModelsRepository();
  const bytes = buildConstantDetector({
    layout: 'yolov5',
    classes: ['cons'],
    rows: [[16, 16, 8, 8, 0.9, 1]],
    inputWidth: 32,
    inputHeight: 32,
  }).bytes;

  beforeAll(async () => {
    s3 = await startTestS3();
    bucket = new S3BlobStore({
      bucket: s3.bucket,
      endpoint: s3.endpoint,
      region: 'us-east-1',
      prefix: 'site/',
      forcePathStyle: true,
      credentials: s3.credentials,
    });
    // As configured with encryption keys: model files are encrypted at rest in the bucket too.
    shared = new EncryptedBlobStore(bucket, parseKeyring([`k1:${Buffer.alloc(32, 7).toString('base64')}`]));
    work = await mkdtemp(path.join(tmpdir(), 'gramscope-replicas-'));
    dirB = path.join(work, 'b');
    const replica = (dir: string) =>
      new ModelRegistryService({
        repository,
        files: new ModelFileStore(dir, shared),
        probe: new OnnxModelProbe(),
        maxBytes: 1024 * 1024,
      });
    a = replica(path.join(work, 'a'));
    b = replica(dirB);
  });
  afterAll(async () => {
    bucket.close();
    await s3.close();
    await rm(work, { recursive: true, force: true });
  });

  it('serves a model added on one replica from another that never had its file', async () => {
    const card = await a.add({ bytes, engine: 'onnx-detector', card: { id: 'det', name: 'Det' } });
    expect((await shared.get(`models/${card.sha256}.onnx`))?.equals(Buffer.from(bytes))).toBe(true);
    expect(existsSync(path.join(dirB, `${card.sha256}.onnx`))).toBe(false);

    const resolved = await b.resolve('onnx-detector');
    expect(resolved.filePath).toBe(path.join(dirB, `${card.sha256}.onnx`));
    expect(await readFile(resolved.filePath)).toEqual(Buffer.from(bytes));
    const engine = await OnnxDetectorEngine.create(resolved, { runtime: { threads: 1, provider: 'cpu' } });
    try {
      const out = await engine.analyze(paintField(32, 32, []), {
        micronsPerPixel: null,
        scaleSource: 'unknown',
      });
      expect(out.detections.map((d) => [d.label, d.box])).toEqual([['cons', [12, 12, 20, 20]]]);
    } finally {
      await engine.dispose();
    }
  });

  it('refuses a shared copy altered in the object store, and writes nothing locally', async () => {
    const { card } = await a.get('det');
    await rm(path.join(dirB, `${card.sha256}.onnx`));
    const altered = Buffer.from(bytes);
    altered[altered.length - 20] ^= 0xff;
    await shared.put(`models/${card.sha256}.onnx`, altered);
    await expect(b.resolve('onnx-detector')).rejects.toMatchObject({ code: 'ERR_MODEL_HASH_MISMATCH' });
    await expect(b.activate('det')).rejects.toMatchObject({ code: 'ERR_MODEL_HASH_MISMATCH' });
    expect(existsSync(path.join(dirB, `${card.sha256}.onnx`))).toBe(false);
    await shared.put(`models/${card.sha256}.onnx`, bytes);
    expect((await b.activate('det')).card.id).toBe('det');
  });

  it('keeps refused files out of the bucket and removes the shared copy with the last card', async () => {
    await expect(
      a.add({ bytes: bytes.subarray(0, 100), engine: 'onnx-detector', card: { name: 'half' } }),
    ).rejects.toMatchObject({ code: 'ERR_MODEL_INVALID' });
    const { card } = await a.get('det');
    await a.remove('det', { force: true });
    expect(await shared.get(`models/${card.sha256}.onnx`)).toBeNull();
    expect(await repository.list()).toEqual([]);
  });
});
