/**
 * A live WebSocket lives no longer than the credentials it was opened with: sign-out closes it at
 * once, and a session ended elsewhere (timeout, another replica, `gramscope users disable`) or a
 * role taken away closes it at the next re-check (every 15 s on the security clock, and before
 * every freeze), before another frame is analysed or stored.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { LIVE_RECHECK_MS } from '../../src/server/routes/live.routes.js';
import { solidImage } from '../support/images.js';
import { createPerson, createTestApp, type TestApp } from '../support/security.js';

interface Message {
  type: string;
  code?: string;
}

class Client {
  readonly ws: WebSocket;
  readonly messages: Message[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;

  constructor(url: string, headers: Record<string, string>) {
    this.ws = new WebSocket(url, { headers });
    this.ws.on('message', (data, isBinary) => {
      if (!isBinary) this.messages.push(JSON.parse(Buffer.from(data as Buffer).toString('utf8')) as Message);
    });
    this.closed = new Promise((resolve) =>
      this.ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
    );
  }

  async waitFor(type: string, timeoutMs = 15_000): Promise<Message> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const at = this.messages.findIndex((m) => m.type === type);
      if (at >= 0) return this.messages.splice(at, 1)[0];
      if (Date.now() > deadline) throw new Error(`no ${type} message: ${JSON.stringify(this.messages)}`);
      if (this.ws.readyState === WebSocket.CLOSED) throw new Error(`closed before ${type}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

describe('live sockets and the session behind them', () => {
  let t: TestApp;
  let base: string;
  let frame: Buffer;

  beforeAll(async () => {
    t = await createTestApp({ 'auth.localAccounts': true });
    base = await t.app.listen({ port: 0, host: '127.0.0.1' });
    frame = await solidImage('png', 64, 48, { r: 205, g: 200, b: 210 });
  });
  afterAll(() => t.close());

  async function open(name: string) {
    const person = await createPerson(t, name, 'analyst');
    const client = new Client(`${base.replace('http', 'ws')}/api/v1/live`, {
      cookie: person.headers.cookie,
      origin: base,
    });
    await client.waitFor('ready');
    client.ws.send(frame);
    await client.waitFor('result');
    return { person, client };
  }

  const analyses = async () => (await t.ctx.store.db.selectFrom('analyses').select('id').execute()).length;

  it('keeps streaming across re-checks while the session is valid', async () => {
    const { client } = await open('steady');
    t.clock.advance(LIVE_RECHECK_MS + 1000);
    client.ws.send(frame);
    await client.waitFor('result');
    expect(client.ws.readyState).toBe(WebSocket.OPEN);
    client.ws.close();
    await client.closed;
  });

  it('closes at sign-out', async () => {
    const { person, client } = await open('leaver');
    const out = await t.app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: person.headers });
    expect(out.statusCode).toBe(204);
    expect(await client.closed).toEqual({ code: 1008, reason: 'session ended' });
  });

  it('closes before the next frame once the session ended elsewhere', async () => {
    const { person, client } = await open('elsewhere');
    // As another replica, a timeout or `gramscope users disable` would: straight in the database.
    await t.ctx.security.sessions.endAllForUser(person.id);
    t.clock.advance(LIVE_RECHECK_MS + 1000);
    client.ws.send(frame);
    expect((await client.closed).code).toBe(1008);
    expect(client.messages.filter((m) => m.type === 'result')).toEqual([]);
  });

  it('closes when the role no longer allows live analysis', async () => {
    const { person, client } = await open('demoted');
    await t.ctx.security.users.update(person.id, { role: 'viewer' }, new Date(t.clock.now()).toISOString());
    t.clock.advance(LIVE_RECHECK_MS + 1000);
    client.ws.send(frame);
    expect((await client.closed).code).toBe(1008);
  });

  it('checks again before every freeze, storing nothing for an ended session', async () => {
    const { person, client } = await open('freezer');
    const before = await analyses();
    await t.ctx.security.sessions.endAllForUser(person.id);
    // No clock advance: a freeze always re-checks.
    client.ws.send(JSON.stringify({ type: 'freeze' }));
    expect((await client.closed).code).toBe(1008);
    expect(client.messages.filter((m) => m.type === 'frozen')).toEqual([]);
    expect(await analyses()).toBe(before);
  });
});
