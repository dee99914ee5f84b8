/**
 * Authenticator secrets are sealed at rest (AES-256-GCM, key from configuration, bound to the
 * user) and fail closed when they do not open; the enrolment flow cannot be turned against the
 * account (a session without the factor cannot replace it, sessions from before enrolment end).
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAppContext } from '../../src/app/context.js';
import { loadConfig } from '../../src/config/load-config.js';
import { generateTotp } from '../../src/security/totp.js';
import { SecretBox } from '../../src/security/secret-box.js';
import {
  AUDIT_KEY,
  createPerson,
  createTestApp,
  PASSWORD,
  sessionCookieFrom,
  sessionHeaders,
  signInWithPassword,
  type TestApp,
} from '../support/security.js';

const K1 = `k1:${randomBytes(32).toString('base64')}`;
const K2 = `k2:${randomBytes(32).toString('base64')}`;

describe('authenticator secrets at rest', () => {
  let t: TestApp;
  const login = (app: TestApp, body: Record<string, string>) =>
    app.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: body });

  beforeAll(async () => {
    t = await createTestApp({ 'auth.localAccounts': true, 'storage.encryptionKeys': [K1] });
  });
  afterAll(() => t.close());

  const row = (username: string) =>
    t.ctx.store.db.selectFrom('users').selectAll().where('username', '=', username).executeTakeFirstOrThrow();

  async function enrol(app: TestApp, token: string): Promise<{ secret: string; session: string }> {
    const start = await app.app.inject({
      method: 'POST',
      url: '/api/v1/auth/totp/enroll',
      headers: sessionHeaders(token),
    });
    expect(start.statusCode, start.body).toBe(200);
    const secret = start.json<{ secret: string }>().secret;
    const confirm = await app.app.inject({
      method: 'POST',
      url: '/api/v1/auth/totp/confirm',
      headers: sessionHeaders(token),
      payload: { code: generateTotp(secret, app.clock.now()) },
    });
    expect(confirm.statusCode, confirm.body).toBe(200);
    return { secret, session: sessionCookieFrom(confirm.headers['set-cookie'])! };
  }

  it('stores the secret sealed with the configured key, pending and confirmed, and signs in with it', async () => {
    await createPerson(t, 'ana', 'reviewer', { secondFactor: false });
    const session = await signInWithPassword(t, 'ana');
    const start = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/totp/enroll',
      headers: sessionHeaders(session),
    });
    const pendingSecret = start.json<{ secret: string }>().secret;
    const pending = await row('ana');
    expect(pending.totp_pending_secret).toMatch(/^gs1:k1:/);
    expect(pending.totp_pending_secret).not.toContain(pendingSecret);
    const { secret } = await enrol(t, session);
    const stored = await row('ana');
    expect(stored.totp_secret).toMatch(/^gs1:k1:[A-Za-z0-9_-]+$/);
    expect(JSON.stringify(stored)).not.toContain(secret);
    t.clock.advance(31_000);
    const res = await login(t, {
      username: 'ana',
      password: PASSWORD,
      code: generateTotp(secret, t.clock.now()),
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().user).toMatchObject({ secondFactor: true, amr: ['pwd', 'otp'] });
  });

  it('does not open a sealed secret copied onto another user, and refuses that sign-in', async () => {
    await createPerson(t, 'ben', 'admin', { secondFactor: false });
    const ana = await row('ana');
    await t.ctx.store.db
      .updateTable('users')
      .set({ totp_secret: ana.totp_secret, totp_enabled: 1 })
      .where('username', '=', 'ben')
      .execute();
    const res = await login(t, { username: 'ben', password: PASSWORD, code: '123456' });
    expect(res.statusCode).toBe(500);
    expect(res.json().code).toBe('ERR_BLOB_UNREADABLE');
    expect(sessionCookieFrom(res.headers['set-cookie'])).toBeNull();
    // Without a code either: never signed in on the password alone.
    const noCode = await login(t, { username: 'ben', password: PASSWORD });
    expect(noCode.statusCode).toBeGreaterThanOrEqual(400);
    expect(sessionCookieFrom(noCode.headers['set-cookie'])).toBeNull();
  });

  it('fails closed when the key is gone, and opens after rotation with the old key kept', async () => {
    const ana = await row('ana');
    const secret = new SecretBox(
      [{ id: 'k1', key: Buffer.from(K1.slice(3), 'base64') }],
      Buffer.from(AUDIT_KEY),
    ).open(ana.totp_secret!, 'authenticator secret', ana.id);
    const common = {
      'storage.dataDir': t.db.dataDir,
      'storage.databaseUrl': t.db.databaseUrl,
      'audit.key': AUDIT_KEY,
      'auth.localAccounts': true,
    };
    for (const [keys, expected] of [
      [[], 500],
      [[K2], 500],
      [[K2, K1], 200],
    ] as const) {
      const ctx = await createAppContext(loadConfig({}, { ...common, 'storage.encryptionKeys': [...keys] }), {
        engines: [],
      });
      try {
        const user = ctx.security.users.findByUsername('ana');
        if (expected === 500) await expect(user).rejects.toMatchObject({ code: 'ERR_BLOB_UNREADABLE' });
        else expect((await user)?.totpSecret).toBe(secret);
      } finally {
        await ctx.close();
      }
    }
  });

  it('seals secrets stored in plain by an earlier version at start-up, under the audit-derived key without a keyring', async () => {
    const plain = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
    await createPerson(t, 'cleo', 'viewer', { secondFactor: false });
    await t.ctx.store.db
      .updateTable('users')
      .set({ totp_secret: plain, totp_enabled: 1 })
      .where('username', '=', 'cleo')
      .execute();
    const ctx = await createAppContext(
      loadConfig(
        {},
        {
          'storage.dataDir': t.db.dataDir,
          'storage.databaseUrl': t.db.databaseUrl,
          'audit.key': AUDIT_KEY,
          'auth.localAccounts': true,
        },
      ),
      { engines: [] },
    );
    try {
      const stored = await ctx.store.db
        .selectFrom('users')
        .select('totp_secret')
        .where('username', '=', 'cleo')
        .executeTakeFirstOrThrow();
      expect(stored.totp_secret).toMatch(/^gs1:audit-derived:/);
      expect((await ctx.security.users.findByUsername('cleo'))?.totpSecret).toBe(plain);
    } finally {
      await ctx.close();
    }
  });
});

describe('authenticator enrolment cannot be abused', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ 'auth.localAccounts': true });
  });
  afterAll(() => t.close());

  const post = (url: string, token: string, payload?: object) =>
    t.app.inject({ method: 'POST', url, headers: sessionHeaders(token), ...(payload ? { payload } : {}) });
  it('ends sessions signed in before enrolment (a stolen password-only session does not live on)', async () => {
    await createPerson(t, 'dan', 'admin', { secondFactor: false });
    const laptop = await signInWithPassword(t, 'dan');
    const stolen = await signInWithPassword(t, 'dan');
    const start = await post('/api/v1/auth/totp/enroll', laptop);
    const secret = start.json<{ secret: string }>().secret;
    const confirm = await post('/api/v1/auth/totp/confirm', laptop, {
      code: generateTotp(secret, t.clock.now()),
    });
    expect(confirm.statusCode).toBe(200);
    expect(
      (await t.app.inject({ url: '/api/v1/auth/session', headers: sessionHeaders(stolen) })).statusCode,
    ).toBe(401);
    expect(
      (await t.app.inject({ url: '/api/v1/auth/session', headers: sessionHeaders(laptop) })).statusCode,
    ).toBe(401);
    const fresh = sessionCookieFrom(confirm.headers['set-cookie'])!;
    expect((await t.app.inject({ url: '/api/v1/users', headers: sessionHeaders(fresh) })).statusCode).toBe(
      200,
    );
  });

  it('refuses to replace an enrolled authenticator from a session without it', async () => {
    const eve = await createPerson(t, 'eve', 'admin', { secondFactor: false, enrolTotp: true });
    const before = await t.ctx.security.users.require(eve.id);
    // A session signed in on the password alone (as one from before enrolment would be).
    const { token } = await t.ctx.security.sessions.create({
      userId: eve.id,
      method: 'local',
      amr: ['pwd'],
      ip: '127.0.0.1',
      userAgent: 'test',
    });
    const start = await post('/api/v1/auth/totp/enroll', token);
    expect(start.statusCode).toBe(403);
    expect(start.json().code).toBe('ERR_SECOND_FACTOR_REQUIRED');
    const confirm = await post('/api/v1/auth/totp/confirm', token, { code: '123456' });
    expect(confirm.statusCode).toBe(403);
    const after = await t.ctx.security.users.require(eve.id);
    expect(after.totpSecret).toBe(before.totpSecret);
    expect(after.totpPendingSecret).toBeNull();
  });

  it('confirms only a started enrolment, only with a code from the new secret', async () => {
    const fay = await createPerson(t, 'fay', 'analyst', { secondFactor: false });
    const none = await post('/api/v1/auth/totp/confirm', fay.sessionToken, { code: '123456' });
    expect(none.statusCode).toBe(409);
    const start = await post('/api/v1/auth/totp/enroll', fay.sessionToken);
    expect(start.statusCode).toBe(200);
    const wrong = await post('/api/v1/auth/totp/confirm', fay.sessionToken, {
      code: generateTotp('JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP', t.clock.now()),
    });
    expect(wrong.statusCode).toBe(401);
    expect((await t.ctx.security.users.require(fay.id)).totpEnabled).toBe(false);
    const { items } = await t.ctx.security.audit.list({ limit: 20, actorId: fay.id });
    expect(items.map((e) => e.action)).toContain('auth.totp.enrol-start');
  });
});
