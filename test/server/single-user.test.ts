/** Secure by default: no identity configured → the local user, on loopback only, with a banner. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/security.js';

describe('single-user mode', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  it('tells the web app to show the banner, before and after sign-in', async () => {
    const config = await t.app.inject({ url: '/api/v1/auth/config' });
    expect(config.json()).toMatchObject({ mode: 'single-user', methods: { oidc: false, local: false } });
    expect(config.json().banner).toMatch(/Single-user mode/);
    const about = await t.app.inject({ url: '/api/v1/about' });
    expect(about.statusCode).toBe(200);
    expect(about.json().security).toMatchObject({ mode: 'single-user', signIn: [] });
    expect(about.json().security.banner).toMatch(/loopback/);
  });

  it('acts as the local admin on loopback', async () => {
    const session = await t.app.inject({ url: '/api/v1/auth/session' });
    expect(session.json().user).toMatchObject({ id: 'local', role: 'admin', method: 'single-user' });
    expect((await t.app.inject({ url: '/api/v1/users' })).statusCode).toBe(200);
    expect((await t.app.inject({ url: '/api/v1/analyses' })).statusCode).toBe(200);
  });

  it('refuses a caller that is not on loopback', async () => {
    const res = await t.app.inject({ url: '/api/v1/analyses', remoteAddress: '192.0.2.10' });
    expect(res.statusCode).toBe(403);
    expect(res.json().code).toBe('ERR_FORBIDDEN');
  });

  it('refuses a DNS-rebinding page (foreign Host) and proxied requests', async () => {
    const rebinding = await t.app.inject({ url: '/api/v1/analyses', headers: { host: 'evil.example:8080' } });
    expect(rebinding.statusCode).toBe(403);
    const proxied = await t.app.inject({
      url: '/api/v1/analyses',
      headers: { 'x-forwarded-for': '198.51.100.7' },
    });
    expect(proxied.statusCode).toBe(403);
  });

  it('refuses cross-site writes (no cookies, but the browser still sends them)', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/profiles',
      headers: { origin: 'https://evil.example', 'content-type': 'application/json' },
      payload: { name: 'x', microscope: 'm', camera: 'c', objective: 'o', micronsPerPixel: 0.1 },
    });
    expect(res.statusCode).toBe(403);
    expect(res.json().code).toBe('ERR_ORIGIN_REFUSED');
    const sameOrigin = await t.app.inject({
      method: 'POST',
      url: '/api/v1/profiles',
      headers: { origin: 'http://localhost', 'content-type': 'application/json' },
      payload: { name: 'scope-a', microscope: 'm', camera: 'c', objective: 'o', micronsPerPixel: 0.1 },
    });
    expect(sameOrigin.statusCode).toBe(201);
  });

  it('records what the local user does in the audit chain', async () => {
    await t.app.inject({ url: '/api/v1/analyses' });
    const { items } = await t.ctx.security.audit.list({ limit: 5, action: 'analysis.list' });
    expect(items[0]).toMatchObject({ actor: { id: 'local', method: 'single-user' }, ip: '127.0.0.1' });
    expect(items[0].at).toMatch(/\+00:00$/);
  });
});
