/**
 * The roles × routes matrix, over every registered route (so a route added later cannot slip
 * through): without credentials each non-allowlisted route answers 401, with a role one step too
 * low 403, and every answer carries the security headers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Access } from '../../src/security/policy.js';
import type { Role } from '../../src/security/roles.js';
import {
  concreteUrl,
  createPerson,
  createTestApp,
  type TestApp,
  type TestPerson,
} from '../support/security.js';

/** Routes anyone may call. Adding to this list is a security decision: review it. */
const ALLOWLIST = new Set([
  'GET /healthz',
  'GET /readyz',
  'GET /api/v1/auth/config',
  'POST /api/v1/auth/login',
  'GET /api/v1/auth/oidc/start',
  'GET /api/v1/auth/oidc/callback',
  'POST /api/v1/access-requests',
  'OPTIONS *',
]);

const BELOW: Record<string, Role> = {
  viewer: 'none',
  analyst: 'viewer',
  reviewer: 'analyst',
  admin: 'reviewer',
};

function requiredRole(access: Access): string {
  return typeof access === 'string' ? access : access.role;
}

function expectSecurityHeaders(headers: Record<string, unknown>, url: string): void {
  const csp = String(headers['content-security-policy']);
  expect(csp).toContain("object-src 'none'");
  expect(csp).toContain("base-uri 'none'");
  expect(csp).toContain("frame-ancestors 'none'");
  expect(headers['x-content-type-options']).toBe('nosniff');
  expect(headers['referrer-policy']).toBe('no-referrer');
  expect(String(headers['strict-transport-security'])).toMatch(/max-age=(3153[6-9]\d{3}|[4-9]\d{7})/);
  if (url.startsWith('/api/')) expect(headers['cache-control']).toBe('no-store');
}

describe('every route: 401 without credentials, 403 one role too low', () => {
  let t: TestApp;
  const people = new Map<Role, TestPerson>();
  let token: string;

  beforeAll(async () => {
    t = await createTestApp({ 'auth.localAccounts': true });
    // A route declaring nothing, as a newcomer might write it: it must be closed to everyone.
    t.app.get('/api/v1/test-undeclared', async () => ({ open: true }));
    t.app.put('/api/v1/test-sign-off', { config: { access: 'reviewer' } }, async () => ({ signed: true }));
    await t.app.ready();
    for (const role of ['none', 'viewer', 'analyst', 'reviewer', 'admin'] as const)
      people.set(role, await createPerson(t, `user-${role}`, role));
    token = (
      await t.ctx.security.tokens.create({
        userId: people.get('admin')!.id,
        name: 'matrix',
        scopes: ['read', 'submit', 'metrics'],
        expiresInDays: 1,
      })
    ).token;
  });
  afterAll(() => t.close());

  it('declares access on every route except the deliberate test route', () => {
    const undeclared = t.app.routeAccess
      .filter((r) => r.access === undefined && r.method !== 'HEAD')
      .map((r) => `${r.method} ${r.url}`);
    expect(undeclared).toEqual(['GET /api/v1/test-undeclared']);
  });

  it('opens only the allowlisted routes to anonymous callers', () => {
    const open = t.app.routeAccess
      .filter((r) => r.access === 'public' && r.method !== 'HEAD')
      .map((r) => `${r.method} ${r.url}`)
      // The built web app's files are public; they hold no data.
      .filter((r) => !/^GET \/(assets\/|[^/]*\.(html|js|css|svg|png|ico|webmanifest|txt)$|$)/.test(r));
    for (const route of open) expect(ALLOWLIST, route).toContain(route);
  });

  it('answers 401 to anonymous requests on every other route', async () => {
    const guarded = t.app.routeAccess.filter((r) => r.access !== 'public' && r.method !== 'HEAD');
    expect(guarded.length).toBeGreaterThan(20);
    for (const route of guarded) {
      const url = concreteUrl(route.url);
      const res = await t.app.inject({ method: route.method as 'GET', url });
      expect(res.statusCode, `${route.method} ${route.url}`).toBe(401);
      expect(res.json()).toMatchObject({ code: 'ERR_AUTH_REQUIRED' });
      expect(Object.keys(res.json()).sort()).toEqual(['code', 'message']);
      expectSecurityHeaders(res.headers, url);
    }
  });

  it('answers 403 to a role one step too low on every role-guarded route', async () => {
    let checked = 0;
    for (const route of t.app.routeAccess) {
      if (route.method === 'HEAD' || route.access === undefined || route.access === 'public') continue;
      const url = concreteUrl(route.url);
      const person = route.access === 'signed-in' ? null : people.get(BELOW[requiredRole(route.access)])!;
      const headers = person ? person.headers : { authorization: `Bearer ${token}` };
      const res = await t.app.inject({ method: route.method as 'GET', url, headers });
      expect(res.statusCode, `${route.method} ${route.url} as ${person?.username ?? 'API token'}`).toBe(403);
      expect(res.json().code).toMatch(/^ERR_(FORBIDDEN|SECOND_FACTOR_REQUIRED)$/);
      expectSecurityHeaders(res.headers, url);
      checked++;
    }
    expect(checked).toBeGreaterThan(20);
  });

  it('refuses a route that declares nothing, even to an admin with two factors', async () => {
    const anonymous = await t.app.inject({ url: '/api/v1/test-undeclared' });
    expect(anonymous.statusCode).toBe(401);
    const admin = await t.app.inject({
      url: '/api/v1/test-undeclared',
      headers: people.get('admin')!.headers,
    });
    expect(admin.statusCode).toBe(403);
    expect(admin.body).not.toContain('open');
  });

  it('lets each role through to what it may do', async () => {
    const viewer = await t.app.inject({ url: '/api/v1/analyses', headers: people.get('viewer')!.headers });
    expect(viewer.statusCode).toBe(200);
    const reviewer = await t.app.inject({
      method: 'PUT',
      url: '/api/v1/test-sign-off',
      headers: people.get('reviewer')!.headers,
    });
    expect(reviewer.json()).toEqual({ signed: true });
    const analystSignOff = await t.app.inject({
      method: 'PUT',
      url: '/api/v1/test-sign-off',
      headers: people.get('analyst')!.headers,
    });
    expect(analystSignOff.statusCode).toBe(403);
    const metrics = await t.app.inject({ url: '/metrics', headers: { authorization: `Bearer ${token}` } });
    expect(metrics.statusCode).toBe(200);
    expect(metrics.body).toContain('gramscope_http_request_duration_seconds');
  });
});
