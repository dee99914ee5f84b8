import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Value } from '@sinclair/typebox/value';
import { AnalysisResultSchema } from '../../src/domain/analysis-result.js';
import { SVG, TEXT, pngDeclaring, solidImage, truncatedJpeg } from '../support/images.js';
import { createTestApp, multipart, type TestApp } from '../support/app.js';
import { synthFieldJpeg } from '../support/fields.js';

describe('POST /api/v1/analyses', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ 'intake.maxBytes': 2 * 1024 * 1024 });
  });
  afterAll(() => t.close());

  const post = (parts: Parameters<typeof multipart>[0]) =>
    t.app.inject({ method: 'POST', url: '/api/v1/analyses', ...multipart(parts) });

  it('analyses a generated field and returns 201 with the SPEC §2 result, then lists and fetches it', async () => {
    const image = await synthFieldJpeg(11);
    const res = await post([
      { name: 'specimen', value: 'BC-2026-0001' },
      { name: 'image', filename: 'field.jpg', contentType: 'image/jpeg', data: image },
    ]);
    expect(res.statusCode).toBe(201);
    const body = res.json();
    expect(Value.Check(AnalysisResultSchema, body)).toBe(true);
    expect(body.engine.name).toBe('morphology');
    expect(body.specimen).toBe('BC-2026-0001');
    expect(body.detections.length).toBeGreaterThan(0);
    expect(body.summary.finding.en.length).toBeGreaterThan(0);
    expect(res.headers.location).toBe(`/api/v1/analyses/${body.id}`);
    expect(res.headers['cache-control']).toBe('no-store');

    const one = await t.app.inject({ method: 'GET', url: `/api/v1/analyses/${body.id}` });
    expect(one.statusCode).toBe(200);
    expect(one.json()).toEqual(body);

    const list = await t.app.inject({ method: 'GET', url: '/api/v1/analyses?specimen=BC-2026-0001' });
    expect(list.json().items.map((i: { id: string }) => i.id)).toEqual([body.id]);
  });

  it('uses the explicit scale when given', async () => {
    const res = await post([
      { name: 'micronsPerPixel', value: '0.1' },
      { name: 'image', filename: 'f.png', contentType: 'image/png', data: await solidImage('png', 200, 150) },
    ]);
    expect(res.statusCode).toBe(201);
    expect(res.json().image).toMatchObject({ micronsPerPixel: 0.1, scaleSource: 'option' });
  });

  it.each([
    ['a text file named .png', 'x.png', 'image/png', TEXT, 415, 'ERR_IMAGE_TYPE'],
    ['an SVG', 'x.svg', 'image/svg+xml', SVG, 415, 'ERR_IMAGE_TYPE'],
    [
      'a PNG declaring 50000x50000',
      'bomb.png',
      'image/png',
      pngDeclaring(50_000, 50_000),
      422,
      'ERR_IMAGE_DIMENSIONS',
    ],
  ])('refuses %s with a JSON code, fast', async (_name, filename, contentType, data, status, code) => {
    const started = performance.now();
    const res = await post([{ name: 'image', filename, contentType, data }]);
    expect(res.statusCode).toBe(status);
    expect(res.json()).toMatchObject({ code });
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('refuses a truncated JPEG', async () => {
    const res = await post([
      { name: 'image', filename: 't.jpg', contentType: 'image/jpeg', data: await truncatedJpeg() },
    ]);
    expect(res.statusCode).toBe(422);
    expect(res.json().code).toBe('ERR_IMAGE_CORRUPT');
  });

  it('refuses a file over the byte limit with 413', async () => {
    const res = await post([
      {
        name: 'image',
        filename: 'big.jpg',
        contentType: 'image/jpeg',
        data: Buffer.alloc(3 * 1024 * 1024, 0xff),
      },
    ]);
    expect(res.statusCode).toBe(413);
    expect(res.json().code).toBe('ERR_IMAGE_TOO_LARGE');
  });

  it('refuses a request without an image, a non-multipart body, unknown fields and bad field values', async () => {
    const none = await post([{ name: 'specimen', value: 'S1' }]);
    expect(none.statusCode).toBe(400);
    expect(none.json().code).toBe('ERR_IMAGE_MISSING');

    const json = await t.app.inject({ method: 'POST', url: '/api/v1/analyses', payload: { image: 'abc' } });
    expect(json.statusCode).toBe(415);
    expect(json.json().code).toBe('ERR_UNSUPPORTED_MEDIA_TYPE');

    const png = await solidImage('png');
    const image = { name: 'image', filename: 'a.png', contentType: 'image/png', data: png };
    const unknown = await post([{ name: 'colour', value: 'red' }, image]);
    expect(unknown.json().code).toBe('ERR_VALIDATION');

    const badSpecimen = await post([{ name: 'specimen', value: '../../etc/passwd' }, image]);
    expect(badSpecimen.statusCode).toBe(400);

    const badEngine = await post([{ name: 'engine', value: 'nope' }, image]);
    expect(badEngine.json().code).toBe('ERR_ENGINE_UNKNOWN');

    const badProfile = await post([{ name: 'profile', value: 'no-such-scope' }, image]);
    expect(badProfile.json().code).toBe('ERR_PROFILE_UNKNOWN');

    const twoFiles = await post([
      image,
      { name: 'image', filename: 'b.png', contentType: 'image/png', data: png },
    ]);
    expect(twoFiles.statusCode).toBe(400);
  });

  it('keeps serving and loses nothing after bad input', async () => {
    const before = await t.ctx.analyses.count();
    await post([{ name: 'image', filename: 'x.png', contentType: 'image/png', data: TEXT }]);
    expect(await t.ctx.analyses.count()).toBe(before);
    const health = await t.app.inject({ method: 'GET', url: '/healthz' });
    expect(health.statusCode).toBe(200);
  });

  it('answers unknown ids and routes with JSON 404s, never a stack trace', async () => {
    const missing = await t.app.inject({ method: 'GET', url: '/api/v1/analyses/nope' });
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toEqual({ code: 'ERR_NOT_FOUND', message: 'No analysis with id nope' });
    const route = await t.app.inject({ method: 'GET', url: '/api/v1/nothing-here' });
    expect(route.statusCode).toBe(404);
    expect(route.json().code).toBe('ERR_ROUTE_NOT_FOUND');
    const badQuery = await t.app.inject({ method: 'GET', url: '/api/v1/analyses?limit=100000' });
    expect(badQuery.statusCode).toBe(400);
    expect(badQuery.json().code).toBe('ERR_VALIDATION');
    expect(badQuery.body).not.toMatch(/at .*\.(ts|js):\d+/);
  });
});
