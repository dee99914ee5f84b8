/** Apps and people for security tests: a real app on a real database, users with real sessions. */
import { Writable } from 'node:stream';
import { createAppContext, type AppContext } from '../../src/app/context.js';
import { loadConfig, type ConfigOverrides } from '../../src/config/load-config.js';
import { buildApp, type GramscopeApp } from '../../src/server/build-app.js';
import { createLoggerOptions } from '../../src/server/logging.js';
import { ManualClock } from '../../src/security/clock.js';
import { hashPassword } from '../../src/security/passwords.js';
import type { Role } from '../../src/security/roles.js';
import { SESSION_COOKIE, csrfTokenFor } from '../../src/security/sessions.service.js';
import { createRecoveryCodes, createTotpSecret } from '../../src/security/totp.js';
import { createSqliteTestDatabase, type TestDatabase } from './databases.js';

export const AUDIT_KEY = 'test-audit-key-0123456789abcdef0123456789';

export interface TestApp {
  app: GramscopeApp;
  ctx: AppContext;
  clock: ManualClock;
  db: TestDatabase;
  /** Captured log lines (when `captureLogs`). */
  logs: string[];
  close(): Promise<void>;
}

export async function createTestApp(
  overrides: ConfigOverrides = {},
  options: { database?: () => Promise<TestDatabase>; captureLogs?: boolean } = {},
): Promise<TestApp> {
  const db = await (options.database ?? createSqliteTestDatabase)();
  const config = loadConfig(
    {},
    {
      'storage.dataDir': db.dataDir,
      'storage.databaseUrl': db.databaseUrl,
      'audit.key': AUDIT_KEY,
      ...overrides,
    },
  );
  const clock = new ManualClock(Date.now());
  const ctx = await createAppContext(config, { clock });
  const logs: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      logs.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  const app = await buildApp(ctx, {
    logger: options.captureLogs ? createLoggerOptions({ level: 'info', stream }) : false,
  });
  return {
    app,
    ctx,
    clock,
    db,
    logs,
    async close() {
      await app.close();
      await ctx.close();
      await db.cleanup();
    },
  };
}

export interface TestPerson {
  id: string;
  username: string;
  password: string;
  totpSecret: string | null;
  recoveryCodes: string[];
  /** Cookie header and CSRF header of a live session. */
  headers: Record<string, string>;
  sessionToken: string;
}

export const PASSWORD = 'plum-orchard-lantern-42';

/** Creates a local user and a session for them (two factors unless `secondFactor: false`). */
export async function createPerson(
  t: TestApp,
  username: string,
  role: Role,
  options: { secondFactor?: boolean; enrolTotp?: boolean } = {},
): Promise<TestPerson> {
  const secondFactor = options.secondFactor ?? true;
  const enrolTotp = options.enrolTotp ?? secondFactor;
  const now = new Date(t.clock.now()).toISOString();
  const user = await t.ctx.security.users.create(
    { username, displayName: username, role, source: 'local', passwordHash: await hashPassword(PASSWORD) },
    now,
  );
  let totpSecret: string | null = null;
  let recoveryCodes: string[] = [];
  if (enrolTotp) {
    totpSecret = createTotpSecret();
    const rc = createRecoveryCodes();
    recoveryCodes = rc.codes;
    await t.ctx.security.users.update(
      user.id,
      { totpSecret, totpEnabled: true, recoveryCodes: rc.hashes },
      now,
    );
  }
  const { token } = await t.ctx.security.sessions.create({
    userId: user.id,
    method: 'local',
    amr: secondFactor ? ['pwd', 'otp'] : ['pwd'],
    ip: '127.0.0.1',
    userAgent: 'test',
  });
  return {
    id: user.id,
    username,
    password: PASSWORD,
    totpSecret,
    recoveryCodes,
    sessionToken: token,
    headers: sessionHeaders(token),
  };
}

export function sessionHeaders(token: string): Record<string, string> {
  return { cookie: `${SESSION_COOKIE}=${token}`, 'x-csrf-token': csrfTokenFor(token) };
}

/** The session cookie value set by a response, if any. */
export function sessionCookieFrom(setCookie: string | string[] | undefined): string | null {
  const all = Array.isArray(setCookie) ? setCookie : setCookie ? [setCookie] : [];
  for (const c of all) {
    const m = new RegExp(`^${SESSION_COOKIE}=([^;]*)`).exec(c);
    if (m && m[1]) return m[1];
  }
  return null;
}

/**
 * Signs a person in over HTTP with the test password alone (a password-only session) and returns
 * the new session's cookie value; throws when the server set none.
 */
export async function signInWithPassword(t: TestApp, username: string): Promise<string> {
  const res = await t.app.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    payload: { username, password: PASSWORD },
  });
  const token = sessionCookieFrom(res.headers['set-cookie']);
  if (!token) throw new Error(`${username} was not signed in: ${res.statusCode} ${res.body}`);
  return token;
}

/** Fills a route pattern's parameters with harmless values. */
export function concreteUrl(url: string): string {
  return url.replace(/:[A-Za-z0-9_]+/g, 'x0').replace(/\*$/, 'x0');
}
