import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startTestServer, type TestServer } from '../support/server.js';
import { spinFrame } from '../support/frames.js';

interface Message {
  type: string;
  seq?: number | null;
  code?: string;
  [key: string]: unknown;
}

/** A client that queues what the server sends, so tests can await messages in order. */
class Client {
  readonly ws: WebSocket;
  readonly messages: Message[] = [];
  #waiters: (() => void)[] = [];
  closed: Promise<{ code: number; reason: string }>;

  constructor(url: string, headers: Record<string, string> = {}) {
    this.ws = new WebSocket(url, { headers });
    this.ws.on('message', (data, isBinary) => {
      if (!isBinary) this.messages.push(JSON.parse(Buffer.from(data as Buffer).toString('utf8')) as Message);
      this.#waiters.splice(0).forEach((w) => w());
    });
    this.closed = new Promise((resolve) =>
      this.ws.on('close', (code, reason) => {
        resolve({ code, reason: reason.toString() });
        this.#waiters.splice(0).forEach((w) => w());
      }),
    );
  }

  async next(timeoutMs = 10_000): Promise<Message> {
    const deadline = Date.now() + timeoutMs;
    while (this.messages.length === 0) {
      if (Date.now() > deadline) throw new Error('no message arrived');
      if (this.ws.readyState === WebSocket.CLOSED) throw new Error('socket closed');
      await new Promise<void>((resolve) => {
        this.#waiters.push(resolve);
        setTimeout(resolve, 200);
      });
    }
    return this.messages.shift()!;
  }
}

const liveUrl = (server: TestServer, query = ''): string =>
  `${server.url.replace('http', 'ws')}/api/v1/live${query}`;

describe('live WebSocket', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({
      overrides: { 'server.corsOrigins': ['https://lab.example'], 'live.maxFrameBytes': 64 * 1024 },
    });
  });

  afterAll(async () => {
    await server.close();
  });

  it('says ready, then answers a frame with its result', async () => {
    const client = new Client(liveUrl(server));
    const ready = await client.next();
    expect(ready).toMatchObject({
      type: 'ready',
      protocol: 1,
      engine: { name: 'spin', version: '1.0.0', model: null },
      maxFrameBytes: 64 * 1024,
    });
    client.ws.send(await spinFrame(20));
    const result = await client.next();
    expect(result).toMatchObject({ type: 'result', seq: 1, image: { width: 16, height: 12 } });
    expect(result.detections).toEqual([
      { box: [0, 0, 16, 12], label: 's_aureus', score: 0.9, morphotype: 'gpc_clusters', gram: 'positive' },
    ]);
    expect((result.summary as { gram: unknown }).gram).toEqual({ positive: 1, negative: 0 });
    client.ws.close();
    await client.closed;
  });

  it('keeps one frame in flight and one waiting, dropping older waiting frames', async () => {
    const client = new Client(liveUrl(server));
    await client.next();
    const slow = await spinFrame(400);
    for (let i = 0; i < 5; i++) client.ws.send(slow);
    const got: string[] = [];
    while (got.length < 5) {
      const m = await client.next();
      got.push(`${m.type}:${m.seq}`);
    }
    // Frame 1 runs; 2, 3 and 4 each wait until a newer frame replaces them; 5 runs after 1.
    expect(got).toEqual(['dropped:2', 'dropped:3', 'dropped:4', 'result:1', 'result:5']);
    client.ws.close();
    await client.closed;
  });

  it('answers a bad frame with an error and keeps the socket open', async () => {
    const client = new Client(liveUrl(server));
    await client.next();
    client.ws.send(Buffer.from('definitely not an image, whatever the client claims'));
    expect(await client.next()).toMatchObject({ type: 'error', seq: 1, code: 'ERR_IMAGE_TYPE' });
    client.ws.send('{"type":"dance"}');
    expect(await client.next()).toMatchObject({ type: 'error', seq: null, code: 'ERR_VALIDATION' });
    client.ws.send('not json');
    expect(await client.next()).toMatchObject({ type: 'error', seq: null, code: 'ERR_VALIDATION' });
    client.ws.send(await spinFrame(10));
    expect(await client.next()).toMatchObject({ type: 'result', seq: 2 });
    client.ws.close();
    await client.closed;
  });

  it('freezes the latest frame as a stored analysis', async () => {
    const client = new Client(liveUrl(server, '?specimen=BC-77'));
    await client.next();
    client.ws.send('{"type":"freeze"}');
    expect(await client.next()).toMatchObject({ type: 'error', code: 'ERR_LIVE_NO_FRAME' });
    client.ws.send(await spinFrame(10));
    expect(await client.next()).toMatchObject({ type: 'result', seq: 1 });
    client.ws.send('{"type":"freeze"}');
    const frozen = await client.next();
    expect(frozen).toMatchObject({ type: 'frozen', seq: 1, analysis: { specimen: 'BC-77' } });
    const id = (frozen.analysis as { id: string }).id;
    const stored = await server.app.inject({ method: 'GET', url: `/api/v1/analyses/${id}` });
    expect(stored.statusCode).toBe(200);
    expect(stored.json()).toMatchObject({ id, specimen: 'BC-77', engine: { name: 'spin' } });
    client.ws.close();
    await client.closed;
  });

  it('refuses a cross-site Origin before upgrading, and accepts its own and configured ones', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const ws = new WebSocket(liveUrl(server), { headers: { origin: 'https://evil.example' } });
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.on('open', () => reject(new Error('opened')));
    });
    expect(status).toBe(403);
    for (const origin of ['https://lab.example', server.url]) {
      const client = new Client(liveUrl(server), { origin });
      expect((await client.next()).type).toBe('ready');
      client.ws.close();
      await client.closed;
    }
  });

  it('refuses bad query parameters before upgrading', async () => {
    const status = await new Promise<number>((resolve) => {
      const ws = new WebSocket(liveUrl(server, '?engine=../../etc'));
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    });
    expect(status).toBe(400);
  });

  it('closes with 1008 when the engine is unknown', async () => {
    const client = new Client(liveUrl(server, '?engine=nosuch'));
    expect(await client.next()).toMatchObject({ type: 'error', code: 'ERR_ENGINE_UNKNOWN' });
    expect((await client.closed).code).toBe(1008);
  });

  it('closes with 1009 when a frame is larger than allowed', async () => {
    const client = new Client(liveUrl(server));
    await client.next();
    client.ws.send(Buffer.alloc(65 * 1024, 1));
    expect((await client.closed).code).toBe(1009);
  });

  it('cancels the analysis when the socket closes, freeing the queue', async () => {
    const client = new Client(liveUrl(server));
    await client.next();
    client.ws.send(await spinFrame(2500));
    await new Promise((r) => setTimeout(r, 150));
    expect(server.ctx.analysis.queue.stats().running).toBe(1);
    client.ws.terminate();
    const started = Date.now();
    while (server.ctx.analysis.queue.stats().running > 0 && Date.now() - started < 2000)
      await new Promise((r) => setTimeout(r, 20));
    expect(server.ctx.analysis.queue.stats().running).toBe(0);
    expect(Date.now() - started).toBeLessThan(2000);
    const metrics = await server.app.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.body).toMatch(/gramscope_analyses_total\{engine="spin",outcome="cancelled"\} 1/);
    expect(metrics.body).toMatch(/gramscope_live_frames_total\{outcome="dropped"\} 3/);
  });
});
