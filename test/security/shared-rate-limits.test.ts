/**
 * With GRAMSCOPE_REDIS_URL the request limits are counted in Redis, so they hold across replicas
 * (two apps on one database here, as two replicas would be); without Redis reachable the limits
 * are skipped and requests are still served.
 */
import { randomInt } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSqliteTestDatabase, type TestDatabase } from '../support/databases.js';
import { multipart } from '../support/app.js';
import { solidImage } from '../support/images.js';
import { createPerson, createTestApp, sessionHeaders, type TestApp } from '../support/security.js';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
/** Like PostgreSQL: the tests fail when Redis is down, unless told to skip on purpose. */
const SKIP_REDIS = process.env.GRAMSCOPE_TEST_SKIP_REDIS === '1';

describe.skipIf(SKIP_REDIS)('request limits shared through Redis', () => {
  let shared: TestDatabase;
  let a: TestApp;
  let b: TestApp;
  // A fresh address and fresh users per run: counts from an earlier run cannot interfere.
  const address = `198.18.${randomInt(0, 255)}.${randomInt(1, 254)}`;

  beforeAll(async () => {
    shared = await createSqliteTestDatabase();
    const overrides = {
      'auth.localAccounts': true,
      'rateLimit.redisUrl': REDIS_URL,
      'rateLimit.perAddressPerMinute': 4,
      'rateLimit.analysesPerMinute': 3,
    };
    // Two replicas on one database; each closes its own handles, the folder is removed once.
    const reuse = async (): Promise<TestDatabase> => ({ ...shared, cleanup: async () => {} });
    a = await createTestApp(overrides, { database: reuse });
    b = await createTestApp(overrides, { database: reuse });
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await shared?.cleanup();
  });

  it('counts one address across both replicas', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      const app = i % 2 ? b : a;
      statuses.push(
        (await app.app.inject({ url: '/api/v1/auth/config', remoteAddress: address })).statusCode,
      );
    }
    expect(statuses).toEqual([200, 200, 200, 200]);
    const fifth = await a.app.inject({ url: '/api/v1/auth/config', remoteAddress: address });
    expect(fifth.statusCode).toBe(429);
    expect(fifth.json().code).toBe('ERR_RATE_LIMITED');
    expect((await b.app.inject({ url: '/api/v1/auth/config', remoteAddress: address })).statusCode).toBe(429);
  });

  it('counts one user’s analyses across both replicas', async () => {
    const lab = await createPerson(a, `lab-${randomInt(1e9)}`, 'analyst');
    // The same session works on both replicas (one database).
    const headers = sessionHeaders(lab.sessionToken);
    const image = await solidImage('png', 64, 48, { r: 205, g: 200, b: 210 });
    const upload = (app: TestApp) => {
      const body = multipart([{ name: 'image', filename: 'f.png', contentType: 'image/png', data: image }]);
      return app.app.inject({
        method: 'POST',
        url: '/api/v1/analyses',
        payload: body.payload,
        headers: { ...body.headers, ...headers },
      });
    };
    const statuses = [
      (await upload(a)).statusCode,
      (await upload(b)).statusCode,
      (await upload(a)).statusCode,
    ];
    expect(statuses).toEqual([201, 201, 201]);
    expect((await upload(b)).statusCode).toBe(429);
  });
});

describe('request limits when Redis is unreachable', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({
      'auth.localAccounts': true,
      'rateLimit.redisUrl': 'redis://127.0.0.1:1',
      'rateLimit.perAddressPerMinute': 2,
    });
  });
  afterAll(() => t?.close());

  it('serves requests (skipping the limit) instead of failing them', async () => {
    const started = Date.now();
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++)
      statuses.push(
        (await t.app.inject({ url: '/api/v1/auth/config', remoteAddress: '198.51.100.77' })).statusCode,
      );
    expect(statuses).toEqual([200, 200, 200, 200]);
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});
