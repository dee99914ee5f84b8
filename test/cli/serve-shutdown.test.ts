import { request, type ClientRequest, type IncomingMessage } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { solidImage } from '../support/images.js';
import { startServeProcess, type ServeProcess } from '../support/serve-process.js';

/** Starts an upload and sends only the first part of its body, leaving the request in flight. */
async function startSlowUpload(
  url: string,
): Promise<{ req: ClientRequest; rest: Buffer; response: Promise<IncomingMessage> }> {
  const boundary = 'shutdown-boundary';
  const body = Buffer.concat([
    Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="image"; filename="f.png"\r\nContent-Type: image/png\r\n\r\n`,
    ),
    await solidImage('png', 320, 240, { r: 200, g: 190, b: 200 }),
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  const u = new URL(`${url}/api/v1/analyses`);
  const req = request({
    host: u.hostname,
    port: u.port,
    path: u.pathname,
    method: 'POST',
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': body.length },
  });
  const response = new Promise<IncomingMessage>((resolve, reject) => {
    req.on('response', resolve);
    req.on('error', reject);
  });
  const half = Math.floor(body.length / 2);
  req.write(body.subarray(0, half));
  // Long enough for a busy server to have parsed the headers: the request is then in flight, not idle.
  await new Promise((r) => setTimeout(r, 1000));
  return { req, rest: body.subarray(half), response };
}

const readBody = (res: IncomingMessage): Promise<string> =>
  new Promise((resolve) => {
    let text = '';
    res.on('data', (d: Buffer) => (text += d.toString()));
    res.on('end', () => resolve(text));
  });

describe('serve: graceful shutdown on SIGTERM', () => {
  let proc: ServeProcess | undefined;
  let dataDir: string | undefined;

  afterEach(async () => {
    await proc?.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('fails readiness first, lets the request in flight finish, then exits 0 within the grace period', async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'gramscope-serve-'));
    proc = await startServeProcess({
      GRAMSCOPE_DATA: dataDir,
      GRAMSCOPE_SHUTDOWN_DELAY_SECONDS: '1',
      GRAMSCOPE_SHUTDOWN_GRACE_SECONDS: '10',
    });
    expect((await fetch(`${proc.url}/readyz`)).status).toBe(200);
    const upload = await startSlowUpload(proc.url);

    const signalled = Date.now();
    proc.child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 200));
    // Still serving during the delay, but no longer ready.
    const ready = await fetch(`${proc.url}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ code: 'ERR_NOT_READY' });
    expect((await fetch(`${proc.url}/healthz`)).status).toBe(200);

    // Past the delay the listener is closing; the upload that was in flight still completes.
    await new Promise((r) => setTimeout(r, 1200));
    upload.req.end(upload.rest);
    const res = await upload.response;
    expect(res.statusCode).toBe(201);
    expect(JSON.parse(await readBody(res))).toMatchObject({ engine: { name: 'morphology' } });

    const { code } = await proc.exited;
    expect(code).toBe(0);
    expect(Date.now() - signalled).toBeLessThan(10_000);
    expect(proc.output()).toContain('shut down cleanly');
    await expect(fetch(`${proc.url}/healthz`)).rejects.toThrow();
  });

  it('exits 1 when work is still open at the end of the grace period', async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'gramscope-serve-'));
    proc = await startServeProcess({
      GRAMSCOPE_DATA: dataDir,
      GRAMSCOPE_SHUTDOWN_GRACE_SECONDS: '1',
    });
    const upload = await startSlowUpload(proc.url);
    upload.response.catch(() => undefined);
    const signalled = Date.now();
    proc.child.kill('SIGTERM');
    const { code } = await proc.exited;
    expect(code).toBe(1);
    const took = Date.now() - signalled;
    expect(took).toBeGreaterThanOrEqual(900);
    expect(took).toBeLessThan(5000);
    expect(proc.output()).toContain('grace period over');
    upload.req.destroy();
  });
});
