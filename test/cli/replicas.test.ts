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
import { createAppContext } from '../../src/app/context.js';
import { loadConfig } from '../../src/config/load-config.js';
import { AuditService, loadAuditKey } from '../../src/security/audit.service.js';
import { SYSTEM_CLOCK } from '../../src/security/clock.js';
import { hashPassword } from '../../src/security/passwords.js';
import { SKIP_PG, createPostgresTestDatabase, type TestDatabase } from '../support/databases.js';
import { PASSWORD, sessionCookieFrom, sessionHeaders } from '../support/security.js';
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

describe.skipIf(SKIP_PG)('two replicas with local accounts share sessions and one audit chain', () => {
  let db: TestDatabase;
  const dirs: string[] = [];
  let a: ServeProcess;
  let b: ServeProcess;
  let env: (dir: string) => Record<string, string>;

  beforeAll(async () => {
    db = await createPostgresTestDatabase();
    env = (dir) => ({
      GRAMSCOPE_DATA: dir,
      DATABASE_URL: db.databaseUrl,
      GRAMSCOPE_CONCURRENCY: '1',
      GRAMSCOPE_LOCAL_ACCOUNTS: 'true',
      GRAMSCOPE_AUDIT_KEY: 'replica-test-audit-key-0123456789abcdef',
    });
    const [da, dbb, dc] = await Promise.all(
      [0, 1, 2].map(() => mkdtemp(path.join(tmpdir(), 'gramscope-replica-'))),
    );
    dirs.push(da, dbb, dc);
    [a, b] = await Promise.all([startServeProcess(env(da)), startServeProcess(env(dbb))]);
    // A user made by an administrator (directly in the shared database).
    const ctx = await createAppContext(loadConfig(env(dc)), { engines: [] });
    await ctx.security.users.create(
      {
        username: 'tech1',
        displayName: 'Tech One',
        role: 'analyst',
        source: 'local',
        passwordHash: await hashPassword(PASSWORD),
      },
      new Date().toISOString(),
    );
    await ctx.close();
  });

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await db.cleanup();
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  });

  it('signs in on one replica, uses the session on the other, and both append to one valid chain', async () => {
    const login = await fetch(`${a.url}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'tech1', password: PASSWORD }),
    });
    expect(login.status).toBe(200);
    const token = sessionCookieFrom(login.headers.getSetCookie())!;
    expect(token).toBeTruthy();

    const session = await fetch(`${b.url}/api/v1/auth/session`, { headers: sessionHeaders(token) });
    expect(session.status).toBe(200);
    expect(JSON.stringify(await session.json())).toContain('tech1');

    const form = new FormData();
    form.set('image', new Blob([await solidImage('png', 120, 90, { r: 205, g: 200, b: 210 })]), 'f.png');
    const posted = await fetch(`${b.url}/api/v1/analyses`, {
      method: 'POST',
      body: form,
      headers: sessionHeaders(token),
    });
    expect(posted.status).toBe(201);
    expect((await fetch(`${a.url}/api/v1/analyses`)).status).toBe(401);

    const ctx = await createAppContext(loadConfig(env(dirs[2])), { engines: [] });
    try {
      const audit = new AuditService({
        db: ctx.store.db,
        key: loadAuditKey('replica-test-audit-key-0123456789abcdef', dirs[2]),
        clock: SYSTEM_CLOCK,
      });
      const report = await audit.verify();
      expect(report.ok).toBe(true);
      const { items } = await audit.list({ limit: 50 });
      const actions = items.map((e) => e.action);
      expect(actions).toContain('auth.login');
      expect(actions.some((x) => x.startsWith('analysis'))).toBe(true);
    } finally {
      await ctx.close();
    }
  });

  // Last in this file: it uses up 127.0.0.1's sign-in allowance for a minute.
  it('counts failed sign-ins across replicas: five in a minute in all, however they are spread', async () => {
    const attempt = (url: string, password: string) =>
      fetch(`${url}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'tech1', password }),
      });
    const first = [(await attempt(a.url, 'wrong-1')).status, (await attempt(b.url, 'wrong-2')).status];
    expect(first).toEqual([401, 401]);
    // Then a burst of parallel guesses on both replicas.
    const burst = await Promise.all(
      Array.from({ length: 10 }, (_, i) => attempt(i % 2 ? b.url : a.url, `guess-${i}`)),
    );
    // At most three (a guess is counted against the name and the address, in whichever order the
    // database takes them, so interleaving can refuse even one of the three).
    const statuses = burst.map((r) => r.status);
    expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(3);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(7);
    expect(statuses.every((s) => s === 401 || s === 429)).toBe(true);
    const refused = burst.find((r) => r.status === 429)!;
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    // Refused before the password is checked: the right password does not get through either.
    const rightOnA = await attempt(a.url, PASSWORD);
    expect(rightOnA.status).toBe(429);
    expect(((await rightOnA.json()) as { code: string }).code).toBe('ERR_RATE_LIMITED');
  });
});
