/**
 * FHIR delivery on sign-off, against a loopback server that records requests: retries on 5xx with
 * backoff, stops on other 4xx, audits every attempt, and an admin can requeue a failed delivery.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Bundle, DiagnosticReport } from 'fhir/r4.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createReportTestApp, type ReportTestApp } from '../support/report-fixtures.js';
import { fieldResult } from '../support/stored-analyses.js';
import { validateFhir } from '../support/fhir-validation.js';

interface Recorded {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

let server: Server;
let base: string;
const recorded: Recorded[] = [];
let script: { status: number; headers?: Record<string, string> }[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      recorded.push({
        method: req.method!,
        url: req.url!,
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      const next = script.shift() ?? { status: 200 };
      res.writeHead(next.status, { 'content-type': 'application/fhir+json', ...next.headers });
      res.end(JSON.stringify({ resourceType: 'Bundle', type: 'transaction-response' }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/fhir`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

let t: ReportTestApp | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
  recorded.length = 0;
  script = [];
});

async function appWithEndpoint(extra: Record<string, string | number> = {}): Promise<ReportTestApp> {
  return createReportTestApp({
    'fhir.endpoint': base,
    'fhir.bearerToken': 'test-token-123',
    'fhir.retryBaseMs': 20,
    'fhir.retryMaxMs': 200,
    'fhir.maxAttempts': 4,
    ...extra,
  });
}

async function signedOffSpecimen(app: ReportTestApp, id: string): Promise<void> {
  await app.ctx.specimensRepository.admitField(id, null);
  await app.ctx.analyses.insert(fieldResult({ specimen: id }));
  const res = await app.app.inject({
    method: 'PUT',
    url: `/api/v1/specimens/${id}/review`,
    payload: { version: 1 },
  });
  expect(res.statusCode).toBe(200);
}

async function settled(app: ReportTestApp, id: string) {
  for (let i = 0; i < 200; i++) {
    const [d] = await app.ctx.deliveriesRepository.forSubject('specimen', id);
    if (d && d.status !== 'pending') return d;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error('delivery did not settle');
}

describe('FHIR delivery', () => {
  it('posts the final report on sign-off, retrying 503 and 500 until it is accepted', async () => {
    t = await appWithEndpoint();
    script = [
      { status: 503, headers: { 'retry-after': '0' } },
      { status: 500 },
      { status: 200, headers: { location: `${base}/Bundle/1` } },
    ];
    await signedOffSpecimen(t, 'SP-DELIVER');
    const delivery = await settled(t, 'SP-DELIVER');
    expect(delivery).toMatchObject({
      status: 'delivered',
      attempts: 3,
      lastStatus: 200,
      responseLocation: `${base}/Bundle/1`,
    });
    expect(recorded).toHaveLength(3);
    for (const r of recorded) {
      expect(r.method).toBe('POST');
      expect(r.url).toBe('/fhir');
      expect(r.headers['content-type']).toBe('application/fhir+json; charset=utf-8');
      expect(r.headers.authorization).toBe('Bearer test-token-123');
    }
    const bundle = JSON.parse(recorded[2].body) as Bundle;
    expect(bundle.type).toBe('transaction');
    expect(validateFhir(bundle)).toEqual([]);
    const report = bundle.entry![0].resource as DiagnosticReport;
    expect(report.status).toBe('final');
    // The same bundle every time, so the conditional PUTs make retries idempotent.
    expect(recorded[0].body).toBe(recorded[2].body);
    const audits = t.audit.entries.filter((e) => e.action === 'fhir.delivery');
    expect(audits.map((a) => a.outcome)).toEqual(['failure', 'failure', 'success']);
    expect(audits.map((a) => a.details?.httpStatus)).toEqual([503, 500, 200]);
    // The token never reaches the audit trail.
    expect(JSON.stringify(t.audit.entries)).not.toContain('test-token-123');
    const listed = await t.app.inject({ method: 'GET', url: '/api/v1/specimens/SP-DELIVER/deliveries' });
    expect(listed.json().items[0].status).toBe('delivered');
  });

  it('does not retry a 400, and an admin can requeue the failed delivery', async () => {
    t = await appWithEndpoint();
    script = [{ status: 400 }];
    await signedOffSpecimen(t, 'SP-REJECT');
    const failed = await settled(t, 'SP-REJECT');
    expect(failed).toMatchObject({ status: 'failed', attempts: 1, lastStatus: 400 });
    expect(failed.lastError).toMatch(/^HTTP 400/);
    expect(recorded).toHaveLength(1);

    const retried = await t.app.inject({ method: 'POST', url: `/api/v1/deliveries/${failed.id}/retry` });
    expect(retried.statusCode).toBe(202);
    const delivered = await settled(t, 'SP-REJECT');
    expect(delivered).toMatchObject({ status: 'delivered', attempts: 1 });
    expect(recorded).toHaveLength(2);
    const again = await t.app.inject({ method: 'POST', url: `/api/v1/deliveries/${failed.id}/retry` });
    expect(again.statusCode).toBe(409);
  });

  it('gives up after the configured number of attempts', async () => {
    t = await appWithEndpoint({ 'fhir.maxAttempts': 3 });
    script = [{ status: 502 }, { status: 502 }, { status: 502 }, { status: 200 }];
    await signedOffSpecimen(t, 'SP-DOWN');
    const failed = await settled(t, 'SP-DOWN');
    expect(failed).toMatchObject({ status: 'failed', attempts: 3, lastStatus: 502 });
    expect(recorded).toHaveLength(3);
  });

  it('retries when the endpoint cannot be reached', async () => {
    t = await createReportTestApp({
      'fhir.endpoint': 'http://127.0.0.1:9/fhir',
      'fhir.retryBaseMs': 10,
      'fhir.maxAttempts': 2,
    });
    await signedOffSpecimen(t, 'SP-UNREACHABLE');
    const failed = await settled(t, 'SP-UNREACHABLE');
    expect(failed).toMatchObject({ status: 'failed', attempts: 2, lastStatus: null });
    expect(failed.lastError).toBeTruthy();
  });

  it('sends nothing when no endpoint is configured', async () => {
    t = await createReportTestApp();
    await signedOffSpecimen(t, 'SP-OFF');
    expect(await t.ctx.deliveriesRepository.forSubject('specimen', 'SP-OFF')).toEqual([]);
    expect(recorded).toHaveLength(0);
  });
});
