import { request as httpRequest } from 'node:http';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLoggerOptions } from '../../src/server/logging.js';
import { DIALECTS } from '../support/databases.js';
import { spinFrame } from '../support/frames.js';
import { startTestServer, type TestServer } from '../support/server.js';

/** A multipart body with one image and optional fields. */
function form(image: Buffer, fields: Record<string, string> = {}): { body: Buffer; type: string } {
  const boundary = `----b${Math.random().toString(16).slice(2)}`;
  const parts: Buffer[] = [];
  for (const [k, v] of Object.entries(fields))
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`));
  parts.push(
    Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="image"; filename="f.png"\r\nContent-Type: image/png\r\n\r\n`,
    ),
    image,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  );
  return { body: Buffer.concat(parts), type: `multipart/form-data; boundary=${boundary}` };
}

async function post(server: TestServer, image: Buffer, fields: Record<string, string> = {}, headers = {}) {
  const { body, type } = form(image, fields);
  const res = await fetch(`${server.url}/api/v1/analyses`, {
    method: 'POST',
    body,
    headers: { 'content-type': type, ...headers },
  });
  return { status: res.status, headers: res.headers, json: (await res.json()) as Record<string, unknown> };
}

describe.each(DIALECTS)('analyses on worker threads, stored in $name', ({ create }) => {
  let server: TestServer;
  const lines: string[] = [];

  beforeAll(async () => {
    const stream = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(...chunk.toString().split('\n').filter(Boolean));
        done();
      },
    });
    server = await startTestServer({
      database: await create(),
      overrides: { 'analysis.concurrency': 1, 'analysis.queueLimit': 1, 'analysis.deadlineMs': 1500 },
      app: { logger: createLoggerOptions({ level: 'info', stream }) },
    });
  });

  afterAll(async () => {
    await server.close();
  });

  it('analyses, stores and lists; the request id is echoed', async () => {
    const res = await post(
      server,
      await spinFrame(20),
      { specimen: 'SPEC-42' },
      { 'x-request-id': 'trace-0001-abc' },
    );
    expect(res.status).toBe(201);
    expect(res.headers.get('x-request-id')).toBe('trace-0001-abc');
    expect(res.json).toMatchObject({ specimen: 'SPEC-42', engine: { name: 'spin' }, image: { width: 16 } });
    const list = await fetch(`${server.url}/api/v1/analyses?specimen=SPEC-42`).then((r) => r.json());
    expect((list as { items: { id: string }[] }).items.map((i) => i.id)).toEqual([res.json.id]);
    const bad = await fetch(`${server.url}/healthz`, { headers: { 'x-request-id': 'x y <script>' } });
    expect(bad.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('answers 503 with Retry-After when the queue is full, and serves the rest', async () => {
    const slow = await spinFrame(600);
    const results = await Promise.all([post(server, slow), post(server, slow), post(server, slow)]);
    const statuses = results.map((r) => r.status).sort();
    expect(statuses).toEqual([201, 201, 503]);
    const refused = results.find((r) => r.status === 503)!;
    expect(refused.json.code).toBe('ERR_BUSY');
    expect(refused.headers.get('retry-after')).toBe('2');
  });

  it('gives up at the deadline and frees the worker', async () => {
    const started = Date.now();
    const res = await post(server, await spinFrame(2550));
    expect(res.status).toBe(503);
    expect(res.json.code).toBe('ERR_DEADLINE');
    expect(Date.now() - started).toBeLessThan(2500);
    // The worker was terminated; its replacement starts (slowly from TypeScript sources) and serves.
    let status = 0;
    for (let i = 0; i < 5 && status !== 201; i++) status = (await post(server, await spinFrame(10))).status;
    expect(status).toBe(201);
  });

  it('cancels the analysis when the client goes away', async () => {
    const { body, type } = form(await spinFrame(2500));
    const url = new URL(`${server.url}/api/v1/analyses`);
    await new Promise<void>((resolve) => {
      const req = httpRequest(
        {
          host: url.hostname,
          port: url.port,
          path: url.pathname,
          method: 'POST',
          headers: { 'content-type': type },
        },
        () => undefined,
      );
      req.on('error', () => resolve());
      req.end(body);
      setTimeout(() => {
        req.destroy();
        resolve();
      }, 300);
    });
    const started = Date.now();
    while (server.ctx.analysis.queue.stats().running > 0 && Date.now() - started < 2000)
      await new Promise((r) => setTimeout(r, 20));
    expect(server.ctx.analysis.queue.stats().running).toBe(0);
    const metrics = await fetch(`${server.url}/metrics`).then((r) => r.text());
    expect(metrics).toMatch(/gramscope_analyses_total\{engine="spin",outcome="cancelled"\} 1/);
  });

  it('exports per-engine timings, queue depth and rejections', async () => {
    const metrics = await fetch(`${server.url}/metrics`).then((r) => r.text());
    expect(metrics).toMatch(/gramscope_analyses_total\{engine="spin",outcome="ok"\} [3-9]/);
    expect(metrics).toMatch(/gramscope_analyses_total\{engine="spin",outcome="rejected"\} 1/);
    expect(metrics).toMatch(/gramscope_analyses_total\{engine="spin",outcome="deadline"\} [1-5]/);
    expect(metrics).toMatch(/gramscope_queue_rejections_total 1/);
    expect(metrics).toMatch(/gramscope_engine_duration_seconds_count\{engine="spin"\} [3-9]/);
    expect(metrics).toMatch(/gramscope_queue_depth 0/);
    expect(metrics).toMatch(/gramscope_worker_threads 1/);
    expect(metrics).toMatch(/gramscope_worker_threads_started 1/);
    expect(metrics).toMatch(
      /gramscope_http_request_duration_seconds_count\{method="POST",route="\/api\/v1\/analyses",status="201"\} \d+/,
    );
  });

  it('logs structured lines with request ids and no specimen ids, query strings or credentials', async () => {
    await post(
      server,
      await spinFrame(10),
      { specimen: 'PATIENT-TANAKA-1970' },
      {
        authorization: 'Bearer sekrit-token-value',
        cookie: '__Host-session=sekrit-cookie',
      },
    );
    await fetch(`${server.url}/api/v1/analyses?specimen=PATIENT-TANAKA-1970`);
    const text = lines.join('\n');
    expect(text).not.toContain('PATIENT-TANAKA');
    expect(text).not.toContain('sekrit');
    const parsed = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    const completed = parsed.filter((l) => l.msg === 'request completed');
    expect(completed.length).toBeGreaterThan(3);
    for (const line of completed) {
      expect(line.reqId).toEqual(expect.any(String));
      expect(line.time).toMatch(/^\d{4}-\d\d-\d\dT/);
    }
    expect(parsed.some((l) => (l.req as { path?: string } | undefined)?.path === '/api/v1/analyses')).toBe(
      true,
    );
  });
});
