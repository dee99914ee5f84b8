/**
 * The model registry's admin API on SQLite and PostgreSQL: upload with checks (size, ONNX, layout,
 * sha256 on the way), label mapping reported, activate / deactivate / roll back with a refused
 * tampered file, removal; admins only, and every action in the audit chain.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GraphBuilder } from '../../src/models/builder/graph-builder.js';
import { buildConstantDetector } from '../../src/models/builder/exact-models.js';
import { DIALECTS } from '../support/databases.js';
import { multipart } from '../support/app.js';
import {
  AUDIT_KEY,
  createPerson,
  createTestApp,
  type TestApp,
  type TestPerson,
} from '../support/security.js';
import { createAppContext } from '../../src/app/context.js';
import { loadConfig } from '../../src/config/load-config.js';

const MAX_MODEL_BYTES = 64 * 1024;

/** A detector whose one box has class `hot`; different `hot` values give different files. */
const detector = (classes: string[], hot = 0): Buffer =>
  Buffer.from(
    buildConstantDetector({
      layout: 'yolov5',
      classes,
      rows: [[16, 16, 8, 8, 0.9, ...classes.map((_, i) => (i === hot ? 1 : 0))]],
      inputWidth: 32,
      inputHeight: 32,
      // Larger than the image limit below: the model limit, not the image one, applies to uploads.
      metadata: { note: 'x'.repeat(2048) },
    }).bytes,
  );

const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

type Part = Parameters<typeof multipart>[0][number];
const modelPart = (data: Buffer, filename = 'model.onnx'): Part => ({
  name: 'model',
  filename,
  contentType: 'application/octet-stream',
  data,
});

describe.each(DIALECTS)('model admin API on $name', ({ create }) => {
  let t: TestApp;
  let admin: TestPerson;
  let reviewer: TestPerson;
  let modelsDir: string;

  const upload = (parts: Part[], who: TestPerson = admin) => {
    const body = multipart(parts);
    return t.app.inject({
      method: 'POST',
      url: '/api/v1/models',
      headers: { ...who.headers, ...body.headers },
      payload: body.payload,
    });
  };
  const post = (url: string, body: object = {}, who: TestPerson = admin) =>
    t.app.inject({ method: 'POST', url, headers: who.headers, payload: body });
  const list = async () =>
    (await t.app.inject({ method: 'GET', url: '/api/v1/models', headers: admin.headers }))
      .json<{ items: { id: string; active: boolean }[] }>()
      .items.map((m) => [m.id, m.active]);
  const stored = async () => (await readdir(modelsDir).catch(() => [])).sort();
  const audit = async (action: string) =>
    (await t.ctx.security.audit.list({ limit: 100, action })).items
      .reverse()
      .map((e): Record<string, unknown> => ({
        outcome: e.outcome,
        actor: e.actor?.id,
        target: e.target?.id ?? null,
        ...e.details,
      }));

  beforeAll(async () => {
    t = await createTestApp(
      {
        'auth.localAccounts': true,
        'onnx.maxModelBytes': MAX_MODEL_BYTES,
        'onnx.threads': 1,
        'intake.maxBytes': 1024,
      },
      { database: create },
    );
    await t.app.ready();
    admin = await createPerson(t, 'ada', 'admin');
    reviewer = await createPerson(t, 'rex', 'reviewer');
    modelsDir = path.join(t.db.dataDir, 'models');
  });
  afterAll(() => t.close());

  it('refuses everyone but admins, and admins without a second factor or with API tokens', async () => {
    const bytes = detector(['cons', 'rbc']);
    const byReviewer = await upload([modelPart(bytes)], reviewer);
    expect([byReviewer.statusCode, byReviewer.json().code]).toEqual([403, 'ERR_FORBIDDEN']);
    const oneFactor = await createPerson(t, 'ada1', 'admin', { secondFactor: false });
    expect((await upload([modelPart(bytes)], oneFactor)).statusCode).toBe(403);
    const { token } = await t.ctx.security.tokens.create({
      userId: admin.id,
      name: 'ci',
      scopes: ['read', 'submit'],
      expiresInDays: 1,
    });
    const body = multipart([modelPart(bytes)]);
    const byToken = await t.app.inject({
      method: 'POST',
      url: '/api/v1/models',
      headers: { authorization: `Bearer ${token}`, ...body.headers },
      payload: body.payload,
    });
    expect(byToken.statusCode).toBe(403);
    const anonymous = await t.app.inject({ method: 'POST', url: '/api/v1/models/x/activate', payload: {} });
    expect(anonymous.statusCode).toBe(401);
    expect((await post('/api/v1/models/x/activate', {}, reviewer)).statusCode).toBe(403);
    expect(await list()).toEqual([]);
    expect(await stored()).toEqual([]);
  });

  it('uploads a model with its card, records its sha256 and reports classes outside the TAXONOMY', async () => {
    const bytes = detector(['Staphylococcus aureus', 'spore', 'RBC']);
    expect(bytes.length).toBeGreaterThan(1024);
    const res = await upload([
      { name: 'engine', value: 'onnx-detector' },
      { name: 'name', value: 'Site YOLO' },
      { name: 'version', value: '2026.1' },
      { name: 'sha256', value: sha256(bytes).toUpperCase() },
      {
        name: 'card',
        value: JSON.stringify({
          training: { description: '1,200 smears', micronsPerPixel: 0.07 },
          validation: { metrics: { mAP50: 0.7 } },
        }),
      },
      modelPart(bytes),
    ]);
    expect(res.statusCode).toBe(201);
    const body = res.json();
    expect(body).toMatchObject({
      id: 'site-yolo-2026.1',
      engine: 'onnx-detector',
      sha256: sha256(bytes),
      labels: ['s_aureus', 'spore', 'rbc'],
      unmappedLabels: ['spore'],
      active: true,
      card: {
        format: { kind: 'detector', layout: 'yolov5', inputWidth: 32, inputHeight: 32 },
        training: { description: '1,200 smears', micronsPerPixel: 0.07 },
        validation: { metrics: { mAP50: 0.7 } },
        sizeBytes: bytes.length,
        addedBy: admin.id,
      },
    });
    expect(await stored()).toEqual([`${sha256(bytes)}.onnx`]);
    expect(await readFile(path.join(modelsDir, `${sha256(bytes)}.onnx`))).toEqual(bytes);
    expect(await audit('model.add')).toEqual([
      {
        outcome: 'success',
        actor: admin.id,
        target: 'site-yolo-2026.1',
        sha256: sha256(bytes),
        sizeBytes: bytes.length,
        engine: 'onnx-detector',
        model: 'site-yolo-2026.1',
        unmappedLabels: 1,
        active: true,
      },
    ]);
    const engine = await t.ctx.engines.get('onnx-detector');
    expect(engine.model).toMatchObject({ id: 'site-yolo-2026.1', sha256: sha256(bytes) });
    // The data-handling page names the model behind each engine.
    const about = await t.app.inject({ method: 'GET', url: '/api/v1/about', headers: reviewer.headers });
    expect(about.json().models).toEqual([
      {
        engine: 'onnx-detector',
        id: 'site-yolo-2026.1',
        name: 'Site YOLO',
        version: '2026.1',
        sha256: sha256(bytes),
        active: true,
      },
    ]);
  });

  it('takes class names from an uploaded labels file', async () => {
    const res = await upload([
      { name: 'id', value: 'labelled' },
      { name: 'name', value: 'Labelled' },
      modelPart(detector(['a', 'b'], 1)),
      {
        name: 'labels',
        filename: 'data.yaml',
        contentType: 'text/yaml',
        data: Buffer.from('names:\n  0: E. coli\n  1: mystery rod\n'),
      },
    ]);
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({
      labels: ['enterobacterales', 'mystery rod'],
      unmappedLabels: ['mystery rod'],
      active: false,
    });
  });

  it('refuses a file changed on the way, a corrupt file, a wrong layout and an oversized file, storing nothing', async () => {
    const before = await stored();
    const bytes = detector(['cons', 'rbc'], 1);
    const tampered = Buffer.from(bytes);
    tampered[tampered.length - 20] ^= 0xff;
    const cases: [Part[], number, string][] = [
      [
        [{ name: 'sha256', value: sha256(bytes) }, { name: 'name', value: 'm' }, modelPart(tampered)],
        422,
        'ERR_MODEL_HASH_MISMATCH',
      ],
      [
        [{ name: 'name', value: 'junk' }, modelPart(Buffer.from('this is not an onnx model'))],
        422,
        'ERR_MODEL_INVALID',
      ],
      [
        [{ name: 'name', value: 'half' }, modelPart(bytes.subarray(0, bytes.length >> 1))],
        422,
        'ERR_MODEL_INVALID',
      ],
      [[{ name: 'name', value: 'flat' }, modelPart(flatModel())], 422, 'ERR_MODEL_LAYOUT'],
      // Streamed past the limit: refused by the multipart reader.
      [
        [{ name: 'name', value: 'big' }, modelPart(Buffer.alloc(MAX_MODEL_BYTES + 1))],
        413,
        'ERR_MODEL_TOO_LARGE',
      ],
      // Declared larger than the limit: refused before the body is read.
      [
        [{ name: 'name', value: 'huge' }, modelPart(Buffer.alloc(MAX_MODEL_BYTES + 2 * 1024 * 1024))],
        413,
        'ERR_MODEL_TOO_LARGE',
      ],
      [[{ name: 'name', value: 'none' }], 400, 'ERR_VALIDATION'],
      [[{ name: 'engine', value: 'morphology' }, modelPart(bytes)], 400, 'ERR_VALIDATION'],
      [
        [{ name: 'card', value: '{"intendedUse": 5}' }, { name: 'name', value: 'c' }, modelPart(bytes)],
        400,
        'ERR_VALIDATION',
      ],
      [
        [{ name: 'name', value: 'dup' }, { name: 'id', value: 'labelled' }, modelPart(bytes)],
        409,
        'ERR_CONFLICT',
      ],
    ];
    for (const [parts, status, code] of cases) {
      const res = await upload(parts);
      expect([res.statusCode, res.json().code], JSON.stringify(parts.map((p) => p.name))).toEqual([
        status,
        code,
      ]);
    }
    expect(
      res415(
        await t.app.inject({
          method: 'POST',
          url: '/api/v1/models',
          headers: { ...admin.headers, 'content-type': 'application/json' },
          payload: {},
        }),
      ),
    ).toBe('ERR_UNSUPPORTED_MEDIA_TYPE');
    expect(await stored()).toEqual(before);
    expect((await list()).map(([id]) => id)).toEqual(['site-yolo-2026.1', 'labelled']);
    const failures = (await audit('model.add')).filter((e) => e.outcome === 'failure');
    expect(failures.map((e) => e.code)).toEqual([...cases.map((c) => c[2]), 'ERR_UNSUPPORTED_MEDIA_TYPE']);
    expect(failures[0]).toMatchObject({ actor: admin.id, sha256: sha256(tampered) });
  });

  it('activates, rolls back and deactivates, and refuses to activate a tampered file', async () => {
    const next = await upload([
      { name: 'id', value: 'next' },
      { name: 'name', value: 'Next' },
      modelPart(detector(['cons'], 0)),
    ]);
    expect(next.json()).toMatchObject({ active: false });

    const activated = await post('/api/v1/models/next/activate');
    expect(activated.statusCode).toBe(200);
    expect(activated.json()).toMatchObject({
      model: { id: 'next', active: true },
      previous: 'site-yolo-2026.1',
    });
    expect((await t.ctx.engines.get('onnx-detector')).model?.id).toBe('next');

    const back = await post('/api/v1/models/rollback', { engine: 'onnx-detector' });
    expect(back.json()).toMatchObject({ model: { id: 'site-yolo-2026.1' }, previous: 'next' });
    expect((await t.ctx.engines.get('onnx-detector')).model?.id).toBe('site-yolo-2026.1');
    // A second roll back undoes the first.
    expect((await post('/api/v1/models/rollback', { engine: 'onnx-detector' })).json()).toMatchObject({
      model: { id: 'next' },
      previous: 'site-yolo-2026.1',
    });

    // The earlier model's file is altered on disk: activating it, or rolling back to it, is refused.
    const file = path.join(modelsDir, `${(await t.ctx.models.get('site-yolo-2026.1')).card.sha256}.onnx`);
    const original = await readFile(file);
    const altered = Buffer.from(original);
    altered[altered.length - 20] ^= 0xff;
    await writeFile(file, altered);
    for (const res of [
      await post('/api/v1/models/site-yolo-2026.1/activate'),
      await post('/api/v1/models/rollback', { engine: 'onnx-detector' }),
    ]) {
      expect([res.statusCode, res.json().code]).toEqual([422, 'ERR_MODEL_HASH_MISMATCH']);
    }
    expect((await post('/api/v1/models/site-yolo-2026.1/verify')).json()).toEqual({
      ok: false,
      expected: sha256(original),
      actual: sha256(altered),
    });
    expect((await t.ctx.models.resolve('onnx-detector')).card.id).toBe('next');
    await writeFile(file, original);

    const off = await post('/api/v1/models/next/deactivate');
    expect(off.json()).toEqual({ model: null, previous: 'next' });
    expect((await list()).filter(([, active]) => active)).toEqual([]);
    await expect(t.ctx.engines.get('onnx-detector')).rejects.toMatchObject({ code: 'ERR_MODEL_NOT_FOUND' });
    const again = await post('/api/v1/models/next/deactivate');
    expect([again.statusCode, again.json().code]).toEqual([409, 'ERR_CONFLICT']);
    expect((await post('/api/v1/models/nope/activate')).statusCode).toBe(404);
    // After a deactivation the roll back returns to the model that was active before it.
    expect((await post('/api/v1/models/rollback', { engine: 'onnx-detector' })).json()).toMatchObject({
      model: { id: 'next' },
      previous: null,
    });
    const none = await post('/api/v1/models/rollback', { engine: 'onnx-crop-classifier' });
    expect([none.statusCode, none.json().code]).toEqual([409, 'ERR_CONFLICT']);

    const history = await t.app.inject({
      method: 'GET',
      url: '/api/v1/models/activations?engine=onnx-detector',
      headers: admin.headers,
    });
    expect(
      history
        .json()
        .items.map(
          (h: {
            action: string;
            previousModelId: string | null;
            modelId: string | null;
            by: string | null;
          }) => [h.action, h.previousModelId, h.modelId, h.by],
        ),
    ).toEqual([
      ['rollback', null, 'next', admin.id],
      ['deactivate', 'next', null, admin.id],
      ['rollback', 'site-yolo-2026.1', 'next', admin.id],
      ['rollback', 'next', 'site-yolo-2026.1', admin.id],
      ['activate', 'site-yolo-2026.1', 'next', admin.id],
      ['activate', null, 'site-yolo-2026.1', admin.id],
    ]);

    expect(
      (await audit('model.activate')).map((e) => [e.outcome, e.target, e.previous ?? null, e.code ?? null]),
    ).toEqual([
      ['success', 'next', 'site-yolo-2026.1', null],
      ['failure', 'site-yolo-2026.1', null, 'ERR_MODEL_HASH_MISMATCH'],
      ['failure', 'nope', null, 'ERR_MODEL_NOT_FOUND'],
    ]);
    expect((await audit('model.rollback')).map((e) => [e.outcome, e.model ?? null, e.code ?? null])).toEqual([
      ['success', 'site-yolo-2026.1', null],
      ['success', 'next', null],
      ['failure', null, 'ERR_MODEL_HASH_MISMATCH'],
      ['success', 'next', null],
      ['failure', null, 'ERR_CONFLICT'],
    ]);
    expect((await audit('model.deactivate')).map((e) => e.outcome)).toEqual(['success', 'failure']);
  });

  it('a second replica on the same database serves the newly active model within a second', async () => {
    const replica = await createAppContext(
      loadConfig(
        {},
        {
          'storage.dataDir': t.db.dataDir,
          'storage.databaseUrl': t.db.databaseUrl,
          'audit.key': AUDIT_KEY,
          'onnx.threads': 1,
        },
      ),
    );
    try {
      expect((await replica.engines.get('onnx-detector')).model?.id).toBe('next');
      expect((await post('/api/v1/models/site-yolo-2026.1/activate')).statusCode).toBe(200);
      await new Promise((r) => setTimeout(r, 1100));
      const engine = await replica.engines.get('onnx-detector');
      expect(engine.model?.id).toBe('site-yolo-2026.1');
      // The same instance while the active model stays: the session is loaded once.
      expect(await replica.engines.get('onnx-detector')).toBe(engine);
    } finally {
      await replica.close();
    }
    expect((await post('/api/v1/models/next/activate')).statusCode).toBe(200);
  });

  it('removes models: the active one only with force, the file with the last card using it', async () => {
    const active = await t.app.inject({
      method: 'DELETE',
      url: '/api/v1/models/next',
      headers: admin.headers,
    });
    expect([active.statusCode, active.json().code]).toEqual([409, 'ERR_CONFLICT']);
    const removed = await t.app.inject({
      method: 'DELETE',
      url: '/api/v1/models/labelled',
      headers: admin.headers,
    });
    expect(removed.statusCode).toBe(204);
    const forced = await t.app.inject({
      method: 'DELETE',
      url: '/api/v1/models/next?force=true',
      headers: admin.headers,
    });
    expect(forced.statusCode).toBe(204);
    expect((await list()).map(([id]) => id)).toEqual(['site-yolo-2026.1']);
    expect(await stored()).toEqual([`${(await t.ctx.models.get('site-yolo-2026.1')).card.sha256}.onnx`]);
    expect((await t.ctx.models.activations('onnx-detector', 1))[0]).toMatchObject({
      action: 'deactivate',
      previousModelId: 'next',
      modelId: null,
    });
    expect((await audit('model.remove')).map((e) => [e.outcome, e.target, e.code ?? null])).toEqual([
      ['failure', 'next', 'ERR_CONFLICT'],
      ['success', 'labelled', null],
      ['success', 'next', null],
    ]);
    expect((await t.ctx.security.audit.verify()).ok).toBe(true);
  });
});

function res415(res: { statusCode: number; json: () => { code: string } }): string {
  expect(res.statusCode).toBe(415);
  return res.json().code;
}

/** A graph with an image input whose output is no detector layout. */
function flatModel(): Buffer {
  const g = new GraphBuilder('flat');
  g.output(g.node('Flatten', [g.input('images', [1, 3, 32, 32])]), 'out', [1, 3072]);
  return Buffer.from(g.encode());
}
