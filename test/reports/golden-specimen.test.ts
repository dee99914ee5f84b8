/**
 * The golden specimen (issue 8 "must show"): generated fields of a S. aureus blood culture go
 * through the API with the default morphology engine; the PDF's extracted text carries the finding
 * in both languages and the engine/model version, the FHIR bundle validates against the official R4
 * schema with the right codes, and the report says preliminary until signed off, final after.
 */
import type { Bundle, DiagnosticReport, Observation } from 'fhir/r4.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateFhir } from '../support/fhir-validation.js';
import {
  createReportTestApp,
  generatedFieldPng,
  postField,
  readPdf,
  type ReportTestApp,
} from '../support/report-fixtures.js';

const SPECIMEN = 'BC-2026-0001';
let t: ReportTestApp;
let engineVersion: string;

beforeAll(async () => {
  t = await createReportTestApp({
    'storage.retainImages': true,
    // Retained images are encrypted at rest, so retention needs a key.
    'storage.encryptionKeys': [`test:${Buffer.alloc(32, 7).toString('base64')}`],
    'reports.siteName': 'Test Hospital Laboratory',
  });
  const created = await t.app.inject({
    method: 'POST',
    url: '/api/v1/specimens',
    payload: { id: SPECIMEN, accession: 'ACC-42', collectedAt: '2026-01-05T01:00:00Z' },
  });
  expect(created.statusCode).toBe(201);
  for (const seed of [11, 12, 13]) {
    const posted = await postField(t.app, await generatedFieldPng(seed, ['s_aureus', 'rbc']), {
      specimen: SPECIMEN,
      micronsPerPixel: '0.1',
    });
    expect(posted.statusCode).toBe(201);
    engineVersion = (posted.json.engine as { version: string }).version;
  }
});
afterAll(async () => {
  await t?.close();
});

const bundleOf = async (query = ''): Promise<Bundle> => {
  const res = await t.app.inject({
    method: 'GET',
    url: `/api/v1/specimens/${SPECIMEN}/report.fhir.json${query}`,
  });
  expect(res.statusCode).toBe(200);
  expect(res.headers['content-type']).toContain('application/fhir+json');
  return res.json();
};
const resources = <T>(bundle: Bundle, type: string): T[] =>
  (bundle.entry ?? []).map((e) => e.resource).filter((r) => r?.resourceType === type) as T[];

describe('golden specimen', () => {
  it('pools three fields into one finding', async () => {
    const res = await t.app.inject({ method: 'GET', url: `/api/v1/specimens/${SPECIMEN}` });
    expect(res.statusCode).toBe(200);
    const summary = res.json();
    expect(summary.fields).toHaveLength(3);
    expect(summary.specimen.version).toBe(3);
    expect(summary.pooled.finding.en.startsWith('Gram-positive cocci in clusters')).toBe(true);
    expect(summary.pooled.morphotypes[0].morphotype).toBe('gpc_clusters');
    // Counts pool exactly: the sum over fields.
    const organisms = summary.fields.reduce((n: number, f: { organisms: number }) => n + f.organisms, 0);
    expect(summary.pooled.gram.positive + summary.pooled.gram.negative).toBe(organisms);
    expect(['cons', 's_aureus']).toContain(summary.pooled.differential[0].label);
    expect(summary.pooled.differential[0].evidence).toMatch(/weighted by organisms per field/);
  });

  it('renders a preliminary PDF with the finding in both languages and the engine version', async () => {
    const res = await t.app.inject({ method: 'GET', url: `/api/v1/specimens/${SPECIMEN}/report.pdf` });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/pdf');
    expect(res.headers['content-disposition']).toBe(`attachment; filename="gramscope-${SPECIMEN}.pdf"`);
    const summary = (await t.app.inject({ method: 'GET', url: `/api/v1/specimens/${SPECIMEN}` })).json();
    const { text, pages } = await readPdf(res.rawPayload);
    expect(pages).toBe(2);
    expect(text).toContain(summary.pooled.finding.en);
    expect(text).toContain(summary.pooled.finding.ja);
    expect(text).toContain(`engine morphology version ${engineVersion}`);
    expect(text).toContain('PRELIMINARY');
    expect(text).toContain('仮報告');
    expect(text).toContain('ACC-42');
    expect(text).toContain('Test Hospital Laboratory');
    expect(text).toContain('Decision support only');
    expect(text).not.toContain('FINAL');
    // Times print in the configured zone (collected 01:00Z = 10:00 in Tokyo).
    expect(text).toContain('2026-01-05 10:00:00');
  });

  it('produces a FHIR R4 bundle that validates and carries the right codes', async () => {
    const bundle = await bundleOf();
    expect(validateFhir(bundle)).toEqual([]);
    const [report] = resources<DiagnosticReport>(bundle, 'DiagnosticReport');
    expect(report.status).toBe('preliminary');
    expect(report.category![0].coding![0]).toMatchObject({
      system: 'http://terminology.hl7.org/CodeSystem/v2-0074',
      code: 'MB',
    });
    expect(report.code.coding![0]).toMatchObject({ system: 'http://loinc.org', code: '87969-2' });
    expect(report.conclusion).toContain('グラム陽性球菌（ブドウ状）');
    const observations = resources<Observation>(bundle, 'Observation');
    const gpc = observations.find((o) => o.valueCodeableConcept?.coding?.[0]?.code === '70003006');
    expect(gpc).toBeDefined();
    expect(gpc!.status).toBe('preliminary');
    expect(gpc!.code.coding![0].code).toBe('87969-2');
    expect(gpc!.method!.coding![0].code).toBe('62777006');
    // References resolve inside the bundle: Specimen, Device (engine and version) and Media.
    const urls = new Map((bundle.entry ?? []).map((e) => [e.fullUrl, e.resource]));
    expect(urls.get(gpc!.specimen!.reference)?.resourceType).toBe('Specimen');
    const device = urls.get(gpc!.device!.reference) as { resourceType: string; version: { value: string }[] };
    expect(device.resourceType).toBe('Device');
    expect(device.version[0].value).toBe(engineVersion);
    expect(report.media).toHaveLength(3);
    for (const m of report.media!) expect(urls.get(m.link.reference)?.resourceType).toBe('Media');
    expect(report.result).toHaveLength(observations.length);
    // Conditional PUTs on identifiers make re-delivery idempotent.
    for (const e of bundle.entry ?? []) expect(e.request!.method).toBe('PUT');
    // The same report always has the same internal ids.
    expect((await bundleOf()).entry!.map((e) => e.fullUrl)).toEqual(bundle.entry!.map((e) => e.fullUrl));
  });

  it('offers the JP Core profile', async () => {
    const bundle = await bundleOf('?profile=jp-core');
    expect(validateFhir(bundle)).toEqual([]);
    const [report] = resources<DiagnosticReport>(bundle, 'DiagnosticReport');
    expect(report.meta!.profile).toEqual([
      'http://jpfhir.jp/fhir/core/StructureDefinition/JP_DiagnosticReport_Microbiology',
    ]);
    expect(report.category![0].coding![0].code).toBe('LP7819-8');
    expect(report.code.coding!.map((c) => c.code)).toEqual(['18725-2', '87969-2']);
    const [obs] = resources<Observation>(bundle, 'Observation');
    expect(obs.meta!.profile).toEqual([
      'http://jpfhir.jp/fhir/core/StructureDefinition/JP_Observation_Microbiology',
    ]);
    expect(obs.category!.map((c) => c.coding![0].code)).toEqual(['laboratory', '18725-2', 'gram-stain']);
  });

  it('signs off: the report becomes final, and no more fields can join', async () => {
    const stale = await t.app.inject({
      method: 'PUT',
      url: `/api/v1/specimens/${SPECIMEN}/review`,
      payload: { version: 2 },
    });
    expect(stale.statusCode).toBe(409);
    expect(stale.json().details.currentVersion).toBe(3);

    const signed = await t.app.inject({
      method: 'PUT',
      url: `/api/v1/specimens/${SPECIMEN}/review`,
      payload: { version: 3, comment: 'Agrees with the smear' },
    });
    expect(signed.statusCode).toBe(200);
    expect(signed.json()).toMatchObject({
      status: 'final',
      signOff: { method: 'single-user', comment: 'Agrees with the smear' },
    });

    const pdf = await readPdf(
      (await t.app.inject({ method: 'GET', url: `/api/v1/specimens/${SPECIMEN}/report.pdf` })).rawPayload,
    );
    expect(pdf.text).toContain('FINAL');
    expect(pdf.text).toContain('確定報告');
    expect(pdf.text).not.toContain('PRELIMINARY');
    expect(pdf.text).toContain('Local user (single-user mode)');

    const bundle = await bundleOf();
    expect(validateFhir(bundle)).toEqual([]);
    const [report] = resources<DiagnosticReport>(bundle, 'DiagnosticReport');
    expect(report.status).toBe('final');
    expect(report.resultsInterpreter![0].display).toBe('Local user (single-user mode)');
    for (const o of resources<Observation>(bundle, 'Observation')) expect(o.status).toBe('final');

    const late = await postField(t.app, await generatedFieldPng(14, ['s_aureus', 'rbc']), {
      specimen: SPECIMEN,
    });
    expect(late.statusCode).toBe(409);
    expect(late.json.code).toBe('ERR_CONFLICT');
    const again = await t.app.inject({
      method: 'PUT',
      url: `/api/v1/specimens/${SPECIMEN}/review`,
      payload: { version: 4 },
    });
    expect(again.statusCode).toBe(409);
    const list = (await t.app.inject({ method: 'GET', url: `/api/v1/analyses?specimen=${SPECIMEN}` })).json();
    expect(list.items.map((i: { status: string }) => i.status)).toEqual(['final', 'final', 'final']);
  });

  it('audits every view, export and sign-off, refused ones included', () => {
    const actions = t.audit.entries.map((e) => `${e.action}:${e.outcome}`);
    expect(actions).toContain('specimen.create:success');
    expect(actions).toContain('specimen.view:success');
    expect(actions).toContain('report.export:success');
    expect(actions).toContain('review.sign-off:failure');
    expect(actions).toContain('review.sign-off:success');
    const pdfExports = t.audit.entries.filter(
      (e) => e.action === 'report.export' && e.details?.format === 'pdf',
    );
    expect(pdfExports.length).toBe(2);
    expect(pdfExports[0]).toMatchObject({ actor: 'local', target: { type: 'specimen', id: SPECIMEN } });
  });
});
