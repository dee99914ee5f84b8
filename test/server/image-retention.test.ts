/**
 * Image retention on both databases: the period (configuration, then an admin's override stored in
 * the database), the purge that deletes old originals but keeps their analyses, the original-image
 * route (decrypted, audited, 404 with a code once purged or never retained), the CLI run, and the
 * migration that fills the Japanese finding of existing rows.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Kysely, Migrator, PostgresDialect, SqliteDialect } from 'kysely';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnalysisResult } from '../../src/domain/analysis-result.js';
import { migrationProvider } from '../../src/store/migrations/index.js';
import type { Database } from '../../src/store/schema.js';
import { DIALECTS, type TestDatabase } from '../support/databases.js';
import { runCli } from '../support/cli.js';
import { startServeProcess } from '../support/serve-process.js';
import {
  AUDIT_KEY,
  createPerson,
  createTestApp,
  type TestApp,
  type TestPerson,
} from '../support/security.js';
import { fieldResult } from '../support/stored-analyses.js';
import { readPdf } from '../support/report-fixtures.js';

const DAY = 86_400_000;
const KEY = `k1:${randomBytes(32).toString('base64')}`;

async function png(seed: number): Promise<Buffer> {
  return sharp({
    create: { width: 40, height: 30, channels: 3, background: { r: seed, g: 120, b: 200 } },
  })
    .png()
    .toBuffer();
}

describe.each(DIALECTS)('image retention with $name', ({ name, create }) => {
  let t: TestApp;
  let viewer: TestPerson;
  let admin: TestPerson;
  let db: TestDatabase;
  let database: () => Promise<TestDatabase>;

  /** An analysis created `ageDays` ago (by the test clock), its image retained when `image` is given. */
  async function stored(ageDays: number, image?: Buffer): Promise<AnalysisResult> {
    const result = fieldResult({ createdAt: new Date(t.clock.now() - ageDays * DAY).toISOString() });
    let imageKey: string | null = null;
    if (image) {
      imageKey = `images/${result.createdAt.slice(0, 10)}/${result.id}.png`;
      await t.ctx.blobs.put(imageKey, image);
    }
    await t.ctx.analyses.insert(result, { imageKey });
    return result;
  }

  const get = (url: string, who: TestPerson) => t.app.inject({ method: 'GET', url, headers: who.headers });
  const put = (body: unknown, who: TestPerson) =>
    t.app.inject({
      method: 'PUT',
      url: '/api/v1/settings/retention',
      headers: { ...who.headers, 'content-type': 'application/json' },
      payload: JSON.stringify(body),
    });
  const auditOf = async (action: string) => (await t.ctx.security.audit.list({ limit: 200, action })).items;

  beforeAll(async () => {
    db = await create();
    database = () => Promise.resolve(db);
    t = await createTestApp(
      {
        'auth.localAccounts': true,
        'storage.retainImages': true,
        'storage.encryptionKeys': [KEY],
        'storage.imageRetentionDays': 30,
      },
      { database },
    );
    viewer = await createPerson(t, 'vera-viewer', 'viewer', { secondFactor: false });
    admin = await createPerson(t, 'ada-admin', 'admin');
  });
  afterAll(() => t.close());

  it('reports the configured period to a viewer, and what is always kept', async () => {
    const res = await get('/api/v1/settings/retention', viewer);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      imagesDays: 30,
      imagesDaysConfigured: 30,
      source: 'configuration',
      updatedAt: null,
      updatedBy: null,
      retainImages: true,
      imagesEncrypted: true,
      keptIndefinitely: ['analyses', 'detections', 'reviews', 'audit-log'],
      lastPurge: null,
    });
    const about = await get('/api/v1/about', viewer);
    expect(about.json()).toMatchObject({
      storage: { retainImages: true, imagesEncrypted: true },
      retention: { imagesDays: 30, source: 'configuration' },
    });
  });

  it('lets only an admin change the period; the change is stored and audited', async () => {
    expect((await put({ imagesDays: 7 }, viewer)).statusCode).toBe(403);
    const res = await put({ imagesDays: 7 }, admin);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ imagesDays: 7, source: 'administrator', updatedBy: 'ada-admin' });
    // Stored in the database: a second context on the same database reads the same value.
    const row = await t.ctx.store.db
      .selectFrom('settings')
      .selectAll()
      .where('key', '=', 'retention.images')
      .executeTakeFirstOrThrow();
    expect(JSON.parse(row.value_json)).toEqual({ days: 7 });
    expect(row.updated_by).toBe('ada-admin');
    expect((await get('/api/v1/settings/retention', viewer)).json()).toMatchObject({ imagesDays: 7 });
    const [entry] = await auditOf('settings.retention.update');
    expect(entry).toMatchObject({
      outcome: 'success',
      actor: { name: 'ada-admin' },
      target: { type: 'settings', id: 'retention' },
      details: { imagesDaysFrom: 30, imagesDaysTo: 7, source: 'administrator' },
    });
  });

  it('refuses out-of-range, mistyped and unknown values without changing anything', async () => {
    for (const body of [
      { imagesDays: -1 },
      { imagesDays: 36_501 },
      { imagesDays: '5' },
      { imagesDays: 1.5 },
      {},
    ]) {
      const res = await put(body, admin);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(res.json().code).toBe('ERR_VALIDATION');
    }
    expect((await put({ imagesDays: 7, auditDays: 1 }, admin)).statusCode).toBe(400);
    expect((await get('/api/v1/settings/retention', viewer)).json()).toMatchObject({ imagesDays: 7 });
  });

  it('returns to the configured period when the override is removed', async () => {
    const res = await put({ imagesDays: null }, admin);
    expect(res.json()).toMatchObject({ imagesDays: 30, source: 'configuration', updatedBy: null });
  });

  it('purges only originals past the period, keeping the analyses and their detections', async () => {
    const oldImage = await png(10);
    const recentImage = await png(200);
    const old = await stored(40, oldImage);
    const recent = await stored(10, recentImage);
    const fresh = await stored(0, await png(90));

    // At rest the image is encrypted: the PNG signature is nowhere in the file.
    const file = path.join(db.dataDir, 'blobs', `images/${recent.createdAt.slice(0, 10)}/${recent.id}.png`);
    expect((await readFile(file)).includes(Buffer.from([0x89, 0x50, 0x4e, 0x47]))).toBe(false);

    const run = await t.app.inject({
      method: 'POST',
      url: '/api/v1/settings/retention/purge',
      headers: admin.headers,
    });
    expect(run.statusCode).toBe(200);
    expect(run.json()).toMatchObject({ trigger: 'admin', days: 30, purged: 1, failed: 0 });

    const oldView = (await get(`/api/v1/analyses/${old.id}`, viewer)).json();
    expect(oldView.detections).toEqual(old.detections);
    expect(oldView.summary.finding).toEqual(old.summary.finding);
    expect(oldView.storedImage).toMatchObject({ status: 'purged', purgedAt: expect.any(String) });
    const json = (await get(`/api/v1/analyses/${old.id}/report.json`, viewer)).json();
    expect(json.fields[0]).toMatchObject({
      imageRetained: false,
      imagePurgedAt: oldView.storedImage.purgedAt,
    });
    const pdf = await get(`/api/v1/analyses/${old.id}/report.pdf`, viewer);
    expect((await readPdf(pdf.rawPayload)).text).toContain('deleted at the end of their retention period');
    const gone = await get(`/api/v1/analyses/${old.id}/original.png`, viewer);
    expect(gone.statusCode).toBe(404);
    expect(gone.json().code).toBe('ERR_IMAGE_PURGED');
    expect(await t.ctx.blobs.get(`images/${old.createdAt.slice(0, 10)}/${old.id}.png`)).toBeNull();

    // The recent one is served, decrypted, byte for byte what was stored.
    const kept = await get(`/api/v1/analyses/${recent.id}/original.png`, viewer);
    expect(kept.statusCode).toBe(200);
    expect(kept.headers['content-type']).toBe('image/png');
    expect(kept.rawPayload.equals(recentImage)).toBe(true);
    expect((await get(`/api/v1/analyses/${recent.id}`, viewer)).json().storedImage).toEqual({
      status: 'retained',
      purgedAt: null,
    });

    const [purge] = await auditOf('retention.purge');
    expect(purge).toMatchObject({
      outcome: 'success',
      actor: { name: 'ada-admin' },
      details: { trigger: 'admin', days: 30, purged: 1, failed: 0 },
    });
    const views = await auditOf('analysis.image.view');
    expect(views.map((v) => [v.actor?.name, v.target?.id, v.outcome])).toEqual(
      expect.arrayContaining([
        ['vera-viewer', old.id, 'failure'],
        ['vera-viewer', recent.id, 'success'],
      ]),
    );

    // A shorter period: the scheduled run takes the 10-day-old image too, and says so in the audit log.
    await put({ imagesDays: 7 }, admin);
    const scheduled = await t.ctx.retention.purge('schedule');
    expect(scheduled).toMatchObject({ days: 7, purged: 1, failed: 0 });
    expect((await get(`/api/v1/analyses/${recent.id}/original.png`, viewer)).json().code).toBe(
      'ERR_IMAGE_PURGED',
    );
    expect((await get(`/api/v1/analyses/${fresh.id}/original.png`, viewer)).statusCode).toBe(200);
    // A scheduled run with nothing due is recorded as the last run but not audited (no noise).
    expect((await t.ctx.retention.purge('schedule')).purged).toBe(0);
    expect(await auditOf('retention.purge')).toHaveLength(2);
    expect((await get('/api/v1/settings/retention', viewer)).json().lastPurge).toMatchObject({
      trigger: 'schedule',
      purged: 0,
    });

    // 0 keeps images forever: nothing is looked at, and the hourly run writes no entry.
    const ancient = await stored(400, await png(60));
    await put({ imagesDays: 0 }, admin);
    expect(await t.ctx.retention.purge('schedule')).toMatchObject({ days: 0, cutoff: null, purged: 0 });
    expect(await auditOf('retention.purge')).toHaveLength(2);
    expect((await get(`/api/v1/analyses/${ancient.id}/original.png`, viewer)).statusCode).toBe(200);
    await put({ imagesDays: null }, admin);
    // Back to 30 days: the 400-day-old image goes on the next run.
    expect((await t.ctx.retention.purge('schedule')).purged).toBe(1);
  });

  it('answers 404 with a code for an image never retained, and for an unknown analysis', async () => {
    const bare = await stored(1);
    const res = await get(`/api/v1/analyses/${bare.id}/original.png`, viewer);
    expect(res.statusCode).toBe(404);
    expect(res.json().code).toBe('ERR_IMAGE_NOT_RETAINED');
    expect((await get(`/api/v1/analyses/${bare.id}`, viewer)).json().storedImage).toEqual({
      status: 'not-retained',
      purgedAt: null,
    });
    const unknown = await get('/api/v1/analyses/no-such-id/original.png', viewer);
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().code).toBe('ERR_NOT_FOUND');
    expect((await t.app.inject({ url: `/api/v1/analyses/${bare.id}/original.png` })).statusCode).toBe(401);
  });

  it('lists the Japanese finding beside the English one, and searches it', async () => {
    const list = (await get('/api/v1/analyses?limit=200', viewer)).json();
    const item = list.items[0];
    expect(item.findingJa).toMatch(/[\u3040-\u30ff\u4e00-\u9fff]/);
    expect(item.findingJa).not.toBe(item.finding);
    const needle = item.findingJa.slice(0, 4);
    const found = (await get(`/api/v1/analyses?q=${encodeURIComponent(needle)}`, viewer)).json();
    expect(found.items.length).toBeGreaterThan(0);
    expect(found.items.every((i: { findingJa: string }) => i.findingJa.includes(needle))).toBe(true);
  });

  it('keeps the audit chain intact through all of it', async () => {
    expect(await t.ctx.security.audit.verify()).toMatchObject({ ok: true });
  });

  it.runIf(name === 'sqlite')(
    'purges from the command line with the same rules and audit entry',
    async () => {
      const old = await stored(45, await png(33));
      const env = {
        GRAMSCOPE_DATA: db.dataDir,
        GRAMSCOPE_ENCRYPTION_KEYS: KEY,
        GRAMSCOPE_RETAIN_IMAGES: 'true',
        GRAMSCOPE_AUDIT_KEY: AUDIT_KEY,
        GRAMSCOPE_IMAGE_RETENTION_DAYS: '30',
      };
      // The CLI uses the real clock; the test clock started at the real time, so 45 days is past 30.
      const out = await runCli(['retention', 'purge', '--json'], { env });
      expect(out.stderr).toBe('');
      expect(out.code).toBe(0);
      expect(JSON.parse(out.stdout)).toMatchObject({ trigger: 'cli', days: 30, purged: 1, failed: 0 });
      expect((await get(`/api/v1/analyses/${old.id}/original.png`, viewer)).json().code).toBe(
        'ERR_IMAGE_PURGED',
      );
      const status = await runCli(['retention', 'status'], { env });
      expect(status.stdout).toContain('images kept: 30 days (GRAMSCOPE_IMAGE_RETENTION_DAYS)');
      expect(status.stdout).toMatch(/last purge: .* \(cli\): 1 deleted, 0 failed/);
      const [entry] = await auditOf('retention.purge');
      expect(entry).toMatchObject({
        actor: { id: 'cli', method: 'cli' },
        details: { trigger: 'cli', purged: 1 },
      });
    },
  );

  it.runIf(name === 'sqlite')(
    'runs the purge when `gramscope serve` starts (then hourly)',
    async () => {
      const old = await stored(50, await png(44));
      const serve = await startServeProcess({
        GRAMSCOPE_DATA: db.dataDir,
        GRAMSCOPE_ENCRYPTION_KEYS: KEY,
        GRAMSCOPE_RETAIN_IMAGES: 'true',
        GRAMSCOPE_AUDIT_KEY: AUDIT_KEY,
        GRAMSCOPE_IMAGE_RETENTION_DAYS: '30',
      });
      try {
        await expect
          .poll(
            async () =>
              (
                await t.ctx.store.db
                  .selectFrom('analyses')
                  .select('image_purged_at')
                  .where('id', '=', old.id)
                  .executeTakeFirstOrThrow()
              ).image_purged_at,
            { timeout: 20_000, interval: 200 },
          )
          .not.toBeNull();
        await expect.poll(() => serve.output(), { timeout: 5_000 }).toContain('"event":"retention.purge"');
        const [entry] = await auditOf('retention.purge');
        expect(entry).toMatchObject({ actor: null, details: { trigger: 'schedule', days: 30, purged: 1 } });
      } finally {
        await serve.stop();
      }
    },
    60_000,
  );
});

describe.each(DIALECTS)('migration 0005 with $name', ({ name, create }) => {
  it('fills the Japanese finding of analyses stored before it', async () => {
    const target = await create();
    const db =
      name === 'postgres'
        ? new Kysely<Database>({
            dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: target.databaseUrl }) }),
          })
        : new Kysely<Database>({
            dialect: new SqliteDialect({ database: new SQLite(path.join(target.dataDir, 'm.db')) }),
          });
    try {
      const migrator = new Migrator({ db, provider: migrationProvider });
      expect((await migrator.migrateTo('0004-security')).error).toBeUndefined();
      const result = fieldResult();
      await db
        .insertInto('analyses')
        .values({
          id: result.id,
          created_at: result.createdAt,
          engine_name: 'morphology',
          engine_version: '1',
          image_sha256: 'a'.repeat(64),
          image_width: 1,
          image_height: 1,
          finding_en: result.summary.finding.en,
          gram_positive: 0,
          gram_negative: 0,
          detection_count: 0,
          status: 'preliminary',
          result_json: JSON.stringify(result),
        })
        .execute();
      expect((await migrator.migrateToLatest()).error).toBeUndefined();
      const row = await db
        .selectFrom('analyses')
        .select(['finding_ja', 'image_purged_at'])
        .where('id', '=', result.id)
        .executeTakeFirstOrThrow();
      expect(row).toEqual({ finding_ja: result.summary.finding.ja, image_purged_at: null });
    } finally {
      await db.destroy();
      await target.cleanup();
    }
  });
});
