import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.js';

describe('operations and documents', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  it('is alive and ready with the default engine loaded and storage reachable', async () => {
    expect((await t.app.inject('/healthz')).json()).toEqual({ status: 'ok' });
    const ready = await t.app.inject('/readyz');
    expect(ready.statusCode).toBe(200);
    expect(ready.json().checks.storage).toEqual({ ok: true, detail: 'sqlite' });
    expect(ready.json().checks.engine.ok).toBe(true);
  });

  it('fails readiness first when draining', async () => {
    t.app.health.draining = true;
    const res = await t.app.inject('/readyz');
    t.app.health.draining = false;
    expect(res.statusCode).toBe(503);
    expect(res.json().code).toBe('ERR_NOT_READY');
  });

  it('serves an OpenAPI 3.1 document generated from the route schemas', async () => {
    const doc = (await t.app.inject('/api/v1/openapi.json')).json();
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/api/v1/analyses', '/api/v1/analyses/{id}', '/healthz', '/readyz']),
    );
    expect(doc.paths['/api/v1/analyses'].post.responses['201']).toBeDefined();
  });

  it('exposes Prometheus metrics including HTTP latency and queue depth', async () => {
    await t.app.inject('/healthz');
    const res = await t.app.inject('/metrics');
    expect(res.headers['content-type']).toContain('text/plain');
    expect(res.body).toContain('gramscope_http_request_duration_seconds_bucket');
    expect(res.body).toContain('gramscope_queue_depth 0');
  });

  it('lists engines and bundled calibration profiles', async () => {
    expect((await t.app.inject('/api/v1/engines')).json().default).toBe('morphology');
    const profiles = (await t.app.inject('/api/v1/profiles'))
      .json()
      .items.map((p: { name: string }) => p.name);
    expect(profiles).toContain('synthetic-default');
  });

  it('creates, validates and deletes a calibration profile', async () => {
    const created = await t.app.inject({
      method: 'POST',
      url: '/api/v1/profiles',
      payload: {
        name: 'lab-scope-2',
        microscope: 'Olympus CX43',
        camera: 'DP23',
        objective: '100x oil',
        micronsPerPixel: 0.065,
      },
    });
    expect(created.statusCode).toBe(201);
    const bad = await t.app.inject({
      method: 'POST',
      url: '/api/v1/profiles',
      payload: { name: 'x', micronsPerPixel: -1 },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().code).toBe('ERR_VALIDATION');
    const del = await t.app.inject({ method: 'DELETE', url: `/api/v1/profiles/${created.json().id}` });
    expect(del.statusCode).toBe(204);
  });

  it('sets strict security headers', async () => {
    const res = await t.app.inject('/api/v1/engines');
    const csp = String(res.headers['content-security-policy']);
    expect(csp).toContain("object-src 'none'");
    expect(csp).toContain("base-uri 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    expect(String(res.headers['strict-transport-security'])).toMatch(/max-age=31536000/);
  });
});
