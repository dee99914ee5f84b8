/**
 * Route schemas compile on first use (cold start). Every schema of the real application must still
 * compile, validation must still coerce and refuse as Fastify's own compilers do, and a broken
 * schema must be caught by `compileAll()` rather than by the first unlucky request.
 */
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lazySchemaCompilers } from '../../src/server/lazy-schemas.js';
import { createTestApp, type TestApp } from '../support/app.js';

describe('lazily compiled route schemas', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => t.close());

  it('leaves schemas uncompiled at start, and every one of them compiles', () => {
    const before = t.app.schemas.pending();
    // Dozens of routes, each with a response serializer and most with a validator.
    expect(before).toBeGreaterThan(50);
    t.app.schemas.compileAll();
    expect(t.app.schemas.pending()).toBe(0);
  });

  it('coerces query strings, and refuses invalid ones with 400', async () => {
    const ok = await t.app.inject({ method: 'GET', url: '/api/v1/analyses?limit=3' });
    expect(ok.statusCode).toBe(200);
    const bad = await t.app.inject({ method: 'GET', url: '/api/v1/analyses?limit=abc' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json<{ code: string }>().code).toBe('ERR_VALIDATION');
    const outOfRange = await t.app.inject({ method: 'GET', url: '/api/v1/analyses?limit=1000' });
    expect(outOfRange.statusCode).toBe(400);
  });

  it('serializes responses through the response schema (unknown fields dropped)', async () => {
    const app = Fastify({ schemaController: { compilersFactory: lazySchemaCompilers().compilersFactory } });
    app.get(
      '/x',
      {
        schema: {
          querystring: {
            type: 'object',
            properties: { n: { type: 'integer', default: 7 } },
            additionalProperties: false,
          },
          response: { 200: { type: 'object', properties: { n: { type: 'integer' } } } },
        },
      },
      async (request) => ({ n: (request.query as { n: number }).n, secret: 'not in the schema' }),
    );
    expect((await app.inject({ url: '/x' })).json()).toEqual({ n: 7 });
    expect((await app.inject({ url: '/x?n=12' })).json()).toEqual({ n: 12 });
    const refused = await app.inject({ url: '/x?n=twelve' });
    expect(refused.statusCode).toBe(400);
    expect(refused.json<{ message: string }>().message).toMatch(/integer/);
    await app.close();
  });

  it('reports a schema that does not compile from compileAll()', async () => {
    const schemas = lazySchemaCompilers();
    const app = Fastify({ schemaController: { compilersFactory: schemas.compilersFactory } });
    app.get('/broken', { schema: { querystring: { type: 'no-such-type' } } }, async () => 'x');
    await app.ready();
    // GET and the HEAD route Fastify adds beside it.
    expect(schemas.pending()).toBe(2);
    expect(() => schemas.compileAll()).toThrow(/no-such-type|type/);
    await app.close();
  });
});
