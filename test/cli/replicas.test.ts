/**
 * Stateless replicas: two `gramscope serve` processes against one PostgreSQL, each with its own
 * data directory, behave as one service. Started together on an empty schema, they also prove
 * that concurrent migrations serialise. (Sessions, rate limits and the audit chain join this test
 * as the security layer lands them in the database.)
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SKIP_PG, createPostgresTestDatabase, type TestDatabase } from '../support/databases.js';
import { solidImage } from '../support/images.js';
import { startServeProcess, type ServeProcess } from '../support/serve-process.js';

async function upload(url: string, specimen: string): Promise<{ status: number; id: string }> {
  const form = new FormData();
  form.set('specimen', specimen);
  form.set('image', new Blob([await solidImage('png', 160, 120, { r: 210, g: 200, b: 215 })]), 'f.png');
  const res = await fetch(`${url}/api/v1/analyses`, { method: 'POST', body: form });
  return { status: res.status, id: ((await res.json()) as { id: string }).id };
}

describe.skipIf(SKIP_PG)('two replicas on one PostgreSQL', () => {
  let db: TestDatabase;
  const dirs: string[] = [];
  let a: ServeProcess;
  let b: ServeProcess;

  beforeAll(async () => {
    db = await createPostgresTestDatabase();
    const env = async (): Promise<Record<string, string>> => {
      const dir = await mkdtemp(path.join(tmpdir(), 'gramscope-replica-'));
      dirs.push(dir);
      return { GRAMSCOPE_DATA: dir, DATABASE_URL: db.databaseUrl, GRAMSCOPE_CONCURRENCY: '1' };
    };
    // Started together on an empty schema: both run the migrations, one waits for the other's lock.
    [a, b] = await Promise.all([startServeProcess(await env()), startServeProcess(await env())]);
  });

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await db.cleanup();
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  });

  it('both are ready on the shared database', async () => {
    for (const r of [a, b]) {
      const res = await fetch(`${r.url}/readyz`);
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ checks: { storage: { ok: true, detail: 'postgres' } } });
    }
  });

  it('an analysis written on one replica is read and listed on the other', async () => {
    const onA = await upload(a.url, 'REPL-A');
    const onB = await upload(b.url, 'REPL-B');
    expect([onA.status, onB.status]).toEqual([201, 201]);
    const fromB = await fetch(`${b.url}/api/v1/analyses/${onA.id}`);
    expect(fromB.status).toBe(200);
    expect(await fromB.json()).toMatchObject({ id: onA.id, specimen: 'REPL-A' });
    for (const r of [a, b]) {
      const list = (await fetch(`${r.url}/api/v1/analyses?limit=10`).then((x) => x.json())) as {
        items: { id: string }[];
      };
      expect(list.items.map((i) => i.id).sort()).toEqual([onA.id, onB.id].sort());
    }
  });
});
