/**
 * API tokens for machine clients (≥128-bit random, stored hashed, shown once, scoped, expiring,
 * revocable, never above the owner's current role), the per-user limit on analyses, and the CORS
 * allowlist.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { multipart } from '../support/app.js';
import { solidImage } from '../support/images.js';
import { createPerson, createTestApp, type TestApp, type TestPerson } from '../support/security.js';

describe('API tokens, analysis limits and CORS', () => {
  let t: TestApp;
  let lab: TestPerson;
  let image: Buffer;

  beforeAll(async () => {
    t = await createTestApp({
      'auth.localAccounts': true,
      'auth.tokenMaxDays': 90,
      'rateLimit.analysesPerMinute': 2,
      'server.corsOrigins': ['https://lis.hospital.test'],
    });
    lab = await createPerson(t, 'lab', 'analyst');
    image = await solidImage('png', 120, 90, { r: 205, g: 200, b: 210 });
  });
  afterAll(() => t.close());

  async function createToken(scopes: string[], expiresInDays = 30, person = lab) {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/tokens',
      headers: person.headers,
      payload: { name: `t-${scopes.join('-')}`, scopes, expiresInDays },
    });
    return res;
  }
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  const upload = (headers: Record<string, string>) => {
    const body = multipart([{ name: 'image', filename: 'f.png', contentType: 'image/png', data: image }]);
    return t.app.inject({
      method: 'POST',
      url: '/api/v1/analyses',
      payload: body.payload,
      headers: { ...body.headers, ...headers },
    });
  };

  it('makes 256-bit tokens, shows each once and stores only its SHA-256', async () => {
    const res = await createToken(['read']);
    expect(res.statusCode).toBe(201);
    const { token, record } = res.json<{ token: string; record: { id: string; prefix: string } }>();
    expect(token).toMatch(/^gst_[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(token.slice(4), 'base64url')).toHaveLength(32);
    const row = await t.ctx.store.db
      .selectFrom('api_tokens')
      .selectAll()
      .where('id', '=', record.id)
      .executeTakeFirstOrThrow();
    expect(JSON.stringify(row)).not.toContain(token.slice(10));
    expect(row.token_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(row.token_prefix).toBe(token.slice(0, 10));
    const list = await t.app.inject({ url: '/api/v1/tokens', headers: lab.headers });
    expect(list.statusCode).toBe(200);
    expect(list.body).toContain(record.id);
    expect(list.body).not.toContain(token.slice(10));
    // Two tokens never collide (a smoke check of the randomness source, not a proof).
    const other = (await createToken(['read'])).json<{ token: string }>().token;
    expect(other).not.toBe(token);
  });

  it('lets each scope do its own work only', async () => {
    const read = (await createToken(['read'])).json<{ token: string }>().token;
    const submit = (await createToken(['submit'])).json<{ token: string }>().token;
    expect((await t.app.inject({ url: '/api/v1/analyses', headers: bearer(read) })).statusCode).toBe(200);
    expect((await upload(bearer(read))).statusCode).toBe(403);
    expect((await upload(bearer(submit))).statusCode).toBe(201);
    // No scope beyond the owner's role: an analyst cannot mint a metrics (admin) token.
    const metrics = await createToken(['metrics']);
    expect(metrics.statusCode).toBe(403);
    const admin = await createPerson(t, 'ops-admin', 'admin');
    const adminMetrics = (await createToken(['metrics'], 30, admin)).json<{ token: string }>().token;
    expect((await t.app.inject({ url: '/metrics', headers: bearer(adminMetrics) })).statusCode).toBe(200);
    expect((await t.app.inject({ url: '/api/v1/analyses', headers: bearer(adminMetrics) })).statusCode).toBe(
      403,
    );
    // A token cannot make tokens (no escalation from a leaked token to a longer-lived one).
    const viaToken = await t.app.inject({
      method: 'POST',
      url: '/api/v1/tokens',
      headers: bearer(read),
      payload: { name: 'x', scopes: ['read'], expiresInDays: 1 },
    });
    expect(viaToken.statusCode).toBe(403);
  });

  it('refuses lifetimes beyond the configured maximum, expires tokens and revokes them at once', async () => {
    const tooLong = await createToken(['read'], 91);
    expect(tooLong.statusCode).toBe(400);
    const short = (await createToken(['read'], 1)).json<{ token: string }>().token;
    const revocable = await createToken(['read'], 30);
    const { token, record } = revocable.json<{ token: string; record: { id: string } }>();
    expect((await t.app.inject({ url: '/api/v1/analyses', headers: bearer(token) })).statusCode).toBe(200);
    const del = await t.app.inject({
      method: 'DELETE',
      url: `/api/v1/tokens/${record.id}`,
      headers: lab.headers,
    });
    expect(del.statusCode).toBe(204);
    const after = await t.app.inject({ url: '/api/v1/analyses', headers: bearer(token) });
    expect(after.statusCode).toBe(401);
    expect(after.json().code).toBe('ERR_AUTH_INVALID');
    t.clock.advance(86_400_000 + 1000);
    expect((await t.app.inject({ url: '/api/v1/analyses', headers: bearer(short) })).statusCode).toBe(401);
  });

  it('never acts above its owner’s current role', async () => {
    const owner = await createPerson(t, 'temp', 'analyst');
    const submit = (await createToken(['read', 'submit'], 30, owner)).json<{ token: string }>().token;
    await t.ctx.security.users.update(owner.id, { role: 'viewer' }, new Date(t.clock.now()).toISOString());
    expect((await upload(bearer(submit))).statusCode).toBe(403);
    expect((await t.app.inject({ url: '/api/v1/analyses', headers: bearer(submit) })).statusCode).toBe(200);
    await t.ctx.security.users.update(owner.id, { disabled: true }, new Date(t.clock.now()).toISOString());
    expect((await t.app.inject({ url: '/api/v1/analyses', headers: bearer(submit) })).statusCode).toBe(401);
  });

  it('limits analyses per user per minute, separately for each user', async () => {
    const busy = await createPerson(t, 'busy', 'analyst');
    const calm = await createPerson(t, 'calm', 'analyst');
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await upload(busy.headers)).statusCode);
    expect(statuses).toEqual([201, 201, 429]);
    const refused = await upload(busy.headers);
    expect(refused.json().code).toBe('ERR_RATE_LIMITED');
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect((await upload(calm.headers)).statusCode).toBe(201);
  });

  it('answers CORS only for the allowlisted origin', async () => {
    const preflight = (origin: string) =>
      t.app.inject({
        method: 'OPTIONS',
        url: '/api/v1/analyses',
        headers: {
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'authorization',
        },
      });
    const allowed = await preflight('https://lis.hospital.test');
    expect(allowed.headers['access-control-allow-origin']).toBe('https://lis.hospital.test');
    expect(String(allowed.headers['access-control-allow-headers'])).toContain('authorization');
    const other = await preflight('https://evil.test');
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
    const simple = await t.app.inject({
      url: '/api/v1/analyses',
      headers: { origin: 'https://evil.test', ...lab.headers },
    });
    expect(simple.headers['access-control-allow-origin']).toBeUndefined();
  });
});
