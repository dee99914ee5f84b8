/**
 * Local accounts end to end through the HTTP API: argon2id, the password rule, TOTP with replay
 * refusal and recovery codes, sessions (rotation, idle and absolute timeouts on a fake clock,
 * sign-out and disabling end all sessions), cookies, CSRF, and the brute-force throttle.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkPasswordRule, hashPassword } from '../../src/security/passwords.js';
import { generateTotp } from '../../src/security/totp.js';
import {
  createPerson,
  createTestApp,
  PASSWORD,
  sessionCookieFrom,
  sessionHeaders,
  signInWithPassword,
  type TestApp,
} from '../support/security.js';

describe('password rule and hashing', () => {
  it('refuses short, common and name-containing passwords, and nothing else', () => {
    expect(checkPasswordRule('short1!')).toMatch(/12 characters/);
    expect(checkPasswordRule('password1234')).toMatch(/commonly used/);
    expect(checkPasswordRule('iloveyou2024!!')).toMatch(/commonly used/);
    expect(checkPasswordRule('aaaaaaaaaaaaaaa')).toMatch(/repetitive/);
    expect(checkPasswordRule('tanaka-hanako-2026', 'tanaka')).toMatch(/user name/);
    expect(checkPasswordRule('plum orchard lantern')).toBeNull();
    // No composition rules: a long lowercase passphrase is fine.
    expect(checkPasswordRule('thecatsatonthewarmmat')).toBeNull();
  });

  it('hashes with argon2id at OWASP parameters', async () => {
    expect(await hashPassword(PASSWORD)).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
  });
});

describe('local sign-in over HTTP', () => {
  let t: TestApp;
  const login = (body: Record<string, string>, ip = '127.0.0.1') =>
    t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: body, remoteAddress: ip });

  beforeAll(async () => {
    t = await createTestApp({ 'auth.localAccounts': true });
  });
  afterAll(() => t.close());

  it('issues a __Host- cookie, Secure, HttpOnly, SameSite=Strict, and a new id at every sign-in', async () => {
    await createPerson(t, 'alice', 'viewer', { secondFactor: false });
    const first = await login({ username: 'alice', password: PASSWORD });
    expect(first.statusCode).toBe(200);
    const cookie = String(first.headers['set-cookie']);
    expect(cookie).toMatch(/^__Host-gramscope-session=[A-Za-z0-9_-]{43};/);
    expect(cookie).toContain('Path=/');
    expect(cookie).toContain('Secure');
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Strict');
    expect(cookie).not.toContain('Domain');
    const second = await login({ username: 'ALICE', password: PASSWORD });
    expect(sessionCookieFrom(second.headers['set-cookie'])).not.toBe(
      sessionCookieFrom(first.headers['set-cookie']),
    );
    expect(first.json().user).toMatchObject({ username: 'alice', role: 'viewer', secondFactor: false });
    // The session is stored hashed: the cookie value is nowhere in the database.
    const rows = await t.ctx.store.db.selectFrom('sessions').selectAll().execute();
    expect(JSON.stringify(rows)).not.toContain(sessionCookieFrom(first.headers['set-cookie'])!);
  });

  it('asks for the authenticator code, accepts it once, and accepts a recovery code once', async () => {
    const bob = await createPerson(t, 'bob', 'reviewer');
    const noCode = await login({ username: 'bob', password: PASSWORD });
    expect(noCode.statusCode).toBe(401);
    expect(noCode.json().code).toBe('ERR_AUTH_CODE_REQUIRED');
    const code = generateTotp(bob.totpSecret!, t.clock.now());
    const ok = await login({ username: 'bob', password: PASSWORD, code });
    expect(ok.statusCode).toBe(200);
    expect(ok.json().user).toMatchObject({ secondFactor: true, amr: ['pwd', 'otp'] });
    const replay = await login({ username: 'bob', password: PASSWORD, code });
    expect(replay.statusCode).toBe(401);
    expect(replay.json().code).toBe('ERR_AUTH_INVALID');
    const recovery = bob.recoveryCodes[0];
    const rc = await login({ username: 'bob', password: PASSWORD, code: recovery });
    expect(rc.json().user).toMatchObject({ secondFactor: true, amr: ['pwd', 'rc'] });
    const rcAgain = await login({ username: 'bob', password: PASSWORD, code: recovery });
    expect(rcAgain.statusCode).toBe(401);
  });

  it('lets a password-only reviewer read but not sign off, and a password-only admin not administer', async () => {
    await createPerson(t, 'carol', 'reviewer', { secondFactor: false });
    const session = await login({ username: 'carol', password: PASSWORD });
    const headers = sessionHeaders(sessionCookieFrom(session.headers['set-cookie'])!);
    expect((await t.app.inject({ url: '/api/v1/analyses', headers })).statusCode).toBe(200);
    const signOff = t.app.routeAccess.find(
      (r) => typeof r.access === 'object' && r.access.audit === 'review.sign-off',
    );
    expect(signOff, 'the sign-off route exists').toBeDefined();
    const res = await t.app.inject({
      method: signOff!.method as 'POST',
      url: signOff!.url.replace(/:[a-z]+/gi, 'SPEC-1'),
      headers: { ...headers, 'content-type': 'application/json' },
      payload: {},
    });
    expect(res.statusCode).toBe(403);
    expect(res.json().code).toBe('ERR_SECOND_FACTOR_REQUIRED');
    await createPerson(t, 'dave', 'admin', { secondFactor: false });
    const admin = await login({ username: 'dave', password: PASSWORD });
    const users = await t.app.inject({
      url: '/api/v1/users',
      headers: sessionHeaders(sessionCookieFrom(admin.headers['set-cookie'])!),
    });
    expect(users.statusCode).toBe(403);
    expect(users.json().code).toBe('ERR_SECOND_FACTOR_REQUIRED');
  });

  it('enrols an authenticator through the API, then allows admin actions on a new session', async () => {
    await createPerson(t, 'erin', 'admin', { secondFactor: false });
    const session = await login({ username: 'erin', password: PASSWORD });
    const token = sessionCookieFrom(session.headers['set-cookie'])!;
    const enrol = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/totp/enroll',
      headers: sessionHeaders(token),
    });
    expect(enrol.statusCode).toBe(200);
    expect(enrol.json().uri).toMatch(/^otpauth:\/\/totp\/gramscope:erin\?/);
    const wrong = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/totp/confirm',
      headers: sessionHeaders(token),
      payload: { code: '000000' },
    });
    expect(wrong.statusCode).toBe(401);
    const confirm = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/totp/confirm',
      headers: sessionHeaders(token),
      payload: { code: generateTotp(enrol.json().secret, t.clock.now()) },
    });
    expect(confirm.statusCode).toBe(200);
    expect(confirm.json().recoveryCodes).toHaveLength(10);
    const elevated = sessionCookieFrom(confirm.headers['set-cookie'])!;
    expect(elevated).not.toBe(token);
    expect((await t.app.inject({ url: '/api/v1/users', headers: sessionHeaders(elevated) })).statusCode).toBe(
      200,
    );
    // The old session id is gone.
    expect(
      (await t.app.inject({ url: '/api/v1/auth/session', headers: sessionHeaders(token) })).statusCode,
    ).toBe(401);
  });

  it('refuses a cookie-authenticated write without the CSRF token', async () => {
    const admin = await createPerson(t, 'frank', 'admin');
    const payload = { name: 'scope-x', microscope: 'm', camera: 'c', objective: 'o', micronsPerPixel: 0.1 };
    const cookieOnly = { cookie: admin.headers.cookie };
    const missing = await t.app.inject({
      method: 'POST',
      url: '/api/v1/profiles',
      headers: cookieOnly,
      payload,
    });
    expect(missing.statusCode).toBe(403);
    expect(missing.json().code).toBe('ERR_CSRF');
    const wrong = await t.app.inject({
      method: 'POST',
      url: '/api/v1/profiles',
      headers: { ...cookieOnly, 'x-csrf-token': 'x'.repeat(43) },
      payload,
    });
    expect(wrong.json().code).toBe('ERR_CSRF');
    const crossSite = await t.app.inject({
      method: 'POST',
      url: '/api/v1/profiles',
      headers: { ...admin.headers, origin: 'https://evil.example' },
      payload,
    });
    expect(crossSite.json().code).toBe('ERR_ORIGIN_REFUSED');
    const ok = await t.app.inject({
      method: 'POST',
      url: '/api/v1/profiles',
      headers: admin.headers,
      payload,
    });
    expect(ok.statusCode).toBe(201);
  });

  it('ends every session at sign-out, and a signed-out session is refused', async () => {
    await createPerson(t, 'gina', 'viewer', { secondFactor: false });
    const a = await signInWithPassword(t, 'gina');
    const b = await signInWithPassword(t, 'gina');
    const out = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/logout',
      headers: sessionHeaders(a),
    });
    expect(out.statusCode).toBe(204);
    expect(String(out.headers['set-cookie'])).toMatch(/__Host-gramscope-session=;/);
    for (const s of [a, b]) {
      const res = await t.app.inject({ url: '/api/v1/analyses', headers: sessionHeaders(s) });
      expect(res.statusCode).toBe(401);
      expect(res.json().code).toBe('ERR_AUTH_INVALID');
    }
  });

  it('ends every session of a user an admin disables', async () => {
    const admin = await createPerson(t, 'hana', 'admin');
    const victim = await createPerson(t, 'ivan', 'analyst');
    const res = await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/users/${victim.id}`,
      headers: admin.headers,
      payload: { disabled: true },
    });
    expect(res.json()).toMatchObject({ disabled: true });
    expect((await t.app.inject({ url: '/api/v1/analyses', headers: victim.headers })).statusCode).toBe(401);
    expect((await login({ username: 'ivan', password: PASSWORD })).statusCode).toBe(401);
  });

  it('ends a session after 30 idle minutes, and after 12 hours however busy', async () => {
    const idle = await createPerson(t, 'jun', 'viewer');
    t.clock.advance(29 * 60_000);
    expect((await t.app.inject({ url: '/api/v1/analyses', headers: idle.headers })).statusCode).toBe(200);
    t.clock.advance(30 * 60_000 + 1000);
    expect((await t.app.inject({ url: '/api/v1/analyses', headers: idle.headers })).statusCode).toBe(401);
    const busy = await createPerson(t, 'kei', 'viewer');
    for (let h = 0; h < 11 * 3 + 2; h++) {
      t.clock.advance(20 * 60_000);
      expect((await t.app.inject({ url: '/api/v1/analyses', headers: busy.headers })).statusCode).toBe(200);
    }
    t.clock.advance(20 * 60_000);
    expect((await t.app.inject({ url: '/api/v1/analyses', headers: busy.headers })).statusCode).toBe(401);
  });

  it('answers the 6th failed sign-in in a minute with 429, per user name and per address', async () => {
    await createPerson(t, 'lee', 'viewer', { secondFactor: false });
    for (let i = 1; i <= 5; i++) {
      const res = await login({ username: 'lee', password: `wrong-password-${i}` }, '198.51.100.1');
      expect(res.statusCode, `attempt ${i}`).toBe(401);
    }
    const sixth = await login({ username: 'lee', password: PASSWORD }, '198.51.100.2');
    expect(sixth.statusCode).toBe(429);
    expect(sixth.json().code).toBe('ERR_RATE_LIMITED');
    expect(Number(sixth.headers['retry-after'])).toBeGreaterThan(0);
    // The address that failed five times is blocked for other names too.
    const otherName = await login({ username: 'nobody-here', password: 'x' }, '198.51.100.1');
    expect(otherName.statusCode).toBe(429);
    t.clock.advance(61_000);
    expect((await login({ username: 'lee', password: PASSWORD }, '198.51.100.2')).statusCode).toBe(200);
  });

  it('holds the limit against a burst of parallel guesses (counted before the password is checked)', async () => {
    await createPerson(t, 'burst', 'viewer', { secondFactor: false });
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        login({ username: 'burst', password: `guess-${i}` }, `203.0.113.${i + 1}`),
      ),
    );
    const statuses = answers.map((r) => r.statusCode);
    // At most five passwords were ever compared; the rest were refused unseen.
    expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(5);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(15);
    t.clock.advance(61_000);
  });

  it('records sign-ins and failures in the audit chain without the password', async () => {
    const { items } = await t.ctx.security.audit.list({ limit: 500, action: 'auth.login' });
    expect(items.some((e) => e.outcome === 'failure' && e.details.reason === 'wrong password')).toBe(true);
    expect(items.some((e) => e.outcome === 'success' && e.actor?.name === 'bob')).toBe(true);
    expect(JSON.stringify(items)).not.toContain(PASSWORD);
    expect((await t.ctx.security.audit.verify()).ok).toBe(true);
  });
});
