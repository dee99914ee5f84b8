import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAppContext, type AppContext } from '../../src/app/context.js';
import { loadConfig } from '../../src/config/load-config.js';
import { buildMeanColourClassifier, buildConstantDetector } from '../../src/models/builder/exact-models.js';
import { buildApp, type GramscopeApp } from '../../src/server/build-app.js';
import { createSqliteTestDatabase, type TestDatabase } from '../support/databases.js';
import { solidImage } from '../support/images.js';

let db: TestDatabase;
let ctx: AppContext;
let app: GramscopeApp;

beforeAll(async () => {
  db = await createSqliteTestDatabase();
  ctx = await createAppContext(loadConfig({}, { 'storage.dataDir': db.dataDir, 'onnx.threads': 1 }));
  app = await buildApp(ctx);
});
afterAll(async () => {
  await app.close();
  await ctx.close();
  await db.cleanup();
});

describe('GET /api/v1/models', () => {
  it('lists registered models with their cards, and the ONNX engines analyse with the active one', async () => {
    expect((await app.inject({ method: 'GET', url: '/api/v1/models' })).json()).toEqual({ items: [] });
    const detector = buildConstantDetector({
      layout: 'yolov5',
      classes: ['cons', 'spore'],
      rows: [[16, 16, 8, 8, 0.9, 1, 0]],
      inputWidth: 32,
      inputHeight: 32,
    });
    await ctx.models.add({
      bytes: detector.bytes,
      engine: 'onnx-detector',
      card: { id: 'det', name: 'Detector' },
    });
    const classifier = buildMeanColourClassifier({
      classes: ['background', 'gp_rod'],
      weights: [
        [0, 0, 0],
        [0, 0, 10],
      ],
      biases: [1, 0],
      inputSize: 16,
    });
    await ctx.models.add({
      bytes: classifier.bytes,
      engine: 'onnx-crop-classifier',
      card: { id: 'cls', name: 'Classifier' },
    });

    const res = await app.inject({ method: 'GET', url: '/api/v1/models' });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(
      body.items.map((m: { id: string; engine: string; active: boolean; labels: string[] }) => [
        m.id,
        m.engine,
        m.active,
        m.labels,
      ]),
    ).toEqual([
      ['det', 'onnx-detector', true, ['cons', 'spore']],
      ['cls', 'onnx-crop-classifier', true, ['background', 'gp_rod']],
    ]);
    expect(body.items[0].unmappedLabels).toEqual(['spore']);
    expect(body.items[0].card).toMatchObject({
      format: { layout: 'yolov5' },
      sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
    });

    const engines = (await app.inject({ method: 'GET', url: '/api/v1/engines' })).json();
    expect(engines.items.map((e: { name: string }) => e.name)).toEqual(
      expect.arrayContaining(['onnx-detector', 'onnx-crop-classifier']),
    );
    const engine = await ctx.engines.get('onnx-detector');
    expect(engine.model).toMatchObject({ id: 'det', name: 'Detector' });
  });

  it('analyses an upload with the active detector, decoding at the size the model needs', async () => {
    const boundary = 'gramscope-test-boundary';
    const image = await solidImage('jpeg', 128, 128);
    const part = (name: string, value: string): string =>
      `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
    const body = Buffer.concat([
      Buffer.from(part('engine', 'onnx-detector')),
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="image"; filename="f.jpg"\r\nContent-Type: image/jpeg\r\n\r\n`,
      ),
      image,
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/analyses',
      headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
      payload: body,
    });
    expect(res.statusCode).toBe(201);
    const result = res.json();
    // The 32x32 model sees the field at 1/4 scale; its box [12, 12, 20, 20] maps back to original pixels.
    expect(result.image).toMatchObject({ width: 128, height: 128 });
    expect(result.engine).toMatchObject({ name: 'onnx-detector', model: { id: 'det' } });
    expect(result.detections).toEqual([
      {
        box: [48, 48, 80, 80],
        label: 'cons',
        score: expect.closeTo(0.9, 6),
        morphotype: 'gpc_clusters',
        gram: 'positive',
      },
    ]);
    expect(result.summary.finding.en).toBe('Gram-positive cocci in clusters');
  });
});
