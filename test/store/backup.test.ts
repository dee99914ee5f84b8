/**
 * The restore drill (SECURITY.md "Backups"): fill a data directory through the application, back
 * it up while it is open, wipe it, restore, and check counts, blobs and that the data serves again.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAppContext, type AppContext } from '../../src/app/context.js';
import { loadConfig } from '../../src/config/load-config.js';
import type { AuditVerifyReport } from '../../src/security/audit.service.js';
import { createBackup, restoreBackup, verifyBackup } from '../../src/store/backup.js';
import { buildConstantDetector } from '../../src/models/builder/exact-models.js';
import { ENGINES } from '../fixtures/test-engines.js';
import { spinFrame } from '../support/frames.js';

const KEY = `drill:${randomBytes(32).toString('base64')}`;

async function openContext(dataDir: string): Promise<AppContext> {
  const config = loadConfig(
    {},
    {
      'storage.dataDir': dataDir,
      'storage.retainImages': true,
      'storage.encryptionKeys': [KEY],
      'analysis.defaultEngine': 'spin',
    },
  );
  return createAppContext(config, { engines: ENGINES });
}

describe('backup and restore drill (embedded SQLite + blobs)', () => {
  let work: string;
  let dataDir: string;
  let backupDir: string;
  const ids: string[] = [];
  let modelSha256 = '';
  let auditBefore: AuditVerifyReport;

  beforeAll(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'gramscope-drill-'));
    dataDir = path.join(work, 'data');
    backupDir = path.join(work, 'backup-1');
    const ctx = await openContext(dataDir);
    for (let i = 0; i < 5; i++) {
      const result = await ctx.analysis.analyze({
        bytes: await spinFrame(10, 8 + i),
        specimen: `DRILL-${i % 2}`,
      });
      ids.push(result.id);
    }
    await ctx.profiles.create({
      name: 'scope-7',
      microscope: 'M',
      camera: 'C',
      objective: '100x',
      micronsPerPixel: 0.05,
    });
    // A registered model: its file lives in <data>/models and must come back with its card.
    modelSha256 = (
      await ctx.models.add({
        bytes: buildConstantDetector({
          layout: 'yolov5',
          classes: ['cons'],
          rows: [[16, 16, 8, 8, 0.9, 1]],
          inputWidth: 32,
          inputHeight: 32,
        }).bytes,
        engine: 'onnx-detector',
        card: { id: 'drill-model', name: 'Drill' },
      })
    ).sha256;
    // Audit entries as the API writes them (analysis views, a sign-in): the chain must survive.
    for (const [i, id] of ids.entries())
      await ctx.security.audit.record({
        action: 'analysis.view',
        actor: { id: `user-${i % 2}`, name: `User ${i % 2}`, method: 'local' },
        target: { type: 'analysis', id },
        details: { drill: i },
      });
    await ctx.security.audit.record({ action: 'auth.login', outcome: 'failure', ip: '192.0.2.7' });
    auditBefore = await ctx.security.audit.verify();
    expect(auditBefore).toMatchObject({ ok: true, problem: null });
    expect(auditBefore.entries).toBeGreaterThanOrEqual(ids.length + 1);
    // Backed up while the application still has the database open.
    await createBackup(dataDir, backupDir, '0.1.0-test');
    await ctx.close();
  });

  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it('writes a manifest with counts, migrations and a checksum for every file', async () => {
    const manifest = await verifyBackup(backupDir);
    expect(manifest.counts.analyses).toBe(5);
    expect(manifest.counts.profiles).toBe(3);
    expect(manifest.migrations[0]).toBe('0001-initial');
    const blobFiles = Object.keys(manifest.files).filter((f) => f.startsWith('blobs/images/'));
    expect(blobFiles).toHaveLength(5);
    expect(Object.keys(manifest.files).filter((f) => f.startsWith('models/'))).toEqual([
      `models/${modelSha256}.onnx`,
    ]);
    expect(manifest.counts.models).toBe(1);
    for (const hash of Object.values(manifest.files)) expect(hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('restores into a wiped data directory: counts match, blobs decrypt, analyses serve', async () => {
    await rm(dataDir, { recursive: true, force: true });
    const result = await restoreBackup(backupDir, dataDir, {
      verifiers: [
        async (dir) => {
          const ctx = await openContext(dir);
          try {
            const report = await ctx.security.audit.verify();
            return { name: 'audit chain', ok: report.ok && report.entries === auditBefore.entries };
          } finally {
            await ctx.close();
          }
        },
      ],
    });
    expect(result.checks.map((c) => [c.name, c.ok])).toEqual([
      ['row counts', true],
      ['blobs', true],
      ['model files', true],
      ['audit chain', true],
    ]);
    expect(result.checks.find((c) => c.name === 'model files')?.detail).toBe('1/1');
    expect(result.counts.analyses).toBe(5);
    const ctx = await openContext(dataDir);
    try {
      expect(await ctx.analyses.count()).toBe(5);
      const list = await ctx.analyses.list({ limit: 50, specimen: 'DRILL-0' });
      expect(list.items).toHaveLength(3);
      const stored = await ctx.analyses.require(ids[2]);
      const row = await ctx.store.db
        .selectFrom('analyses')
        .select('image_key')
        .where('id', '=', stored.id)
        .executeTakeFirstOrThrow();
      const png = await ctx.blobs.get(row.image_key!);
      expect(png?.subarray(1, 4).toString()).toBe('PNG');
      expect((await ctx.profiles.find('scope-7'))?.micronsPerPixel).toBe(0.05);
      expect(await ctx.models.verify('drill-model')).toMatchObject({ ok: true, actual: modelSha256 });
      // The audit chain came back whole: no break named, the same number of entries and the same
      // head (so a SIEM anchor recorded before the backup still verifies), and it keeps growing.
      const audit = await ctx.security.audit.verify(auditBefore.head!);
      expect(audit).toMatchObject({ ok: true, problem: null, entries: auditBefore.entries });
      expect(audit.head).toEqual(auditBefore.head);
      await ctx.security.audit.record({ action: 'analysis.view', target: { type: 'analysis', id: ids[0] } });
      expect(await ctx.security.audit.verify()).toMatchObject({
        ok: true,
        entries: auditBefore.entries + 1,
      });
      expect((await ctx.models.activate('drill-model')).card.sha256).toBe(modelSha256);
    } finally {
      await ctx.close();
    }
  });

  it('refuses to restore over data unless forced, and then keeps the old data aside', async () => {
    await expect(restoreBackup(backupDir, dataDir)).rejects.toMatchObject({ code: 'ERR_RESTORE_TARGET' });
    const result = await restoreBackup(backupDir, dataDir, { force: true });
    expect(result.checks.every((c) => c.ok)).toBe(true);
    const { readdir } = await import('node:fs/promises');
    expect((await readdir(dataDir)).some((f) => f.startsWith('gramscope.db.before-restore-'))).toBe(true);
  });

  it('refuses a damaged or incomplete backup before touching the target', async () => {
    const target = path.join(work, 'untouched');
    const blob = Object.keys((await verifyBackup(backupDir)).files).find((f) => f.startsWith('blobs/'))!;
    const original = await readFile(path.join(backupDir, blob));
    await writeFile(path.join(backupDir, blob), Buffer.concat([original, Buffer.from('x')]));
    await expect(restoreBackup(backupDir, target)).rejects.toMatchObject({
      code: 'ERR_BACKUP_INVALID',
      message: expect.stringContaining('checksum'),
    });
    await rm(path.join(backupDir, blob));
    await expect(restoreBackup(backupDir, target)).rejects.toMatchObject({
      code: 'ERR_BACKUP_INVALID',
      message: expect.stringContaining('missing'),
    });
    await writeFile(path.join(backupDir, blob), original);
    await writeFile(path.join(backupDir, 'stray.txt'), 'x');
    await expect(verifyBackup(backupDir)).rejects.toMatchObject({ code: 'ERR_BACKUP_INVALID' });
    await rm(path.join(backupDir, 'stray.txt'));
    await expect(restoreBackup(path.join(work, 'nope'), target)).rejects.toMatchObject({
      code: 'ERR_BACKUP_INVALID',
    });
    expect(existsSync(path.join(target, 'gramscope.db'))).toBe(false);
    await expect(verifyBackup(backupDir)).resolves.toMatchObject({ counts: { analyses: 5 } });
  });

  it('refuses to overwrite an existing backup folder', async () => {
    await expect(createBackup(dataDir, backupDir, 'x')).rejects.toMatchObject({ code: 'ERR_CONFLICT' });
  });
});
