/**
 * Exports: CSV safe to open in a spreadsheet, annotated PNG honest about retention, JSON of the full
 * result, the CLI, fonts found or refused clearly.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAppContext } from '../../src/app/context.js';
import { registerReport } from '../../src/cli/commands/report.command.js';
import { loadConfig } from '../../src/config/load-config.js';
import { chooseScaleBar, wrapText } from '../../src/imaging/overlay.js';
import { buildConstantDetector } from '../../src/models/builder/exact-models.js';
import { ANALYSES_CSV_HEADER, csvCell } from '../../src/reports/csv-export.js';
import { findJapaneseFont } from '../../src/reports/fonts.js';
import { invokeCommands } from '../support/cli.js';
import { createReportTestApp, readPdf, type ReportTestApp } from '../support/report-fixtures.js';
import { fieldResult } from '../support/stored-analyses.js';

describe('CSV', () => {
  it('quotes every cell and neutralises formula triggers', () => {
    expect(csvCell('=HYPERLINK("http://x","y")')).toBe(`"'=HYPERLINK(""http://x"",""y"")"`);
    for (const s of ['+1', '-2', '@SUM(A1)', '\tcmd', '\rcmd'])
      expect(csvCell(s).startsWith(`"'`)).toBe(true);
    expect(csvCell('Gram-positive cocci')).toBe('"Gram-positive cocci"');
    expect(csvCell(-1.5)).toBe('"-1.5"');
    expect(csvCell(null)).toBe('""');
  });
});

describe('scale bar', () => {
  it('picks a round length no longer than a fifth of the width', () => {
    expect(chooseScaleBar(0.1, 2000)).toEqual({ um: 20, px: 200 });
    expect(chooseScaleBar(0.1, 640)).toEqual({ um: 10, px: 100 });
    expect(chooseScaleBar(0.044, 2048).um).toBe(10);
  });
});

describe('overlay text', () => {
  it('wraps a long finding or note at spaces so it stays inside its box', () => {
    expect(wrapText('F1: Gram-positive cocci in clusters and Gram-negative rods', 24)).toEqual([
      'F1: Gram-positive cocci',
      'in clusters and',
      'Gram-negative rods',
    ]);
    expect(wrapText('short', 40)).toEqual(['short']);
    // A word longer than a line is cut rather than overflowing.
    expect(wrapText('x'.repeat(20), 8)).toEqual(['xxxxxxxx', 'xxxxxxxx', 'xxxx']);
  });
});

describe('fonts', () => {
  it('names what it tried when no Japanese font is installed', () => {
    expect(() => findJapaneseFont('', [{ path: '/nonexistent/font.ttf', face: undefined }])).toThrow(
      expect.objectContaining({
        code: 'ERR_REPORT_FONT_MISSING',
        message: expect.stringContaining('/nonexistent/font.ttf'),
      }),
    );
    expect(() => findJapaneseFont('/nonexistent/other.ttf')).toThrow(
      expect.objectContaining({ code: 'ERR_REPORT_FONT_MISSING' }),
    );
    expect(findJapaneseFont('').path).toMatch(/\.tt[fc]$/);
  });
});

describe('exports over HTTP', () => {
  let t: ReportTestApp;
  beforeAll(async () => {
    t = await createReportTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('says when the field image was not retained, and draws the boxes on a blank canvas', async () => {
    const result = fieldResult();
    await t.ctx.analyses.insert(result);
    const res = await t.app.inject({ method: 'GET', url: `/api/v1/analyses/${result.id}/image.png` });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('image/png');
    expect(res.headers['x-gramscope-image-retained']).toBe('false');
    const { data, info } = await sharp(res.rawPayload)
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    expect([info.width, info.height]).toEqual([400, 300]);
    const px = (x: number, y: number) => [
      ...data.subarray((y * info.width + x) * 3, (y * info.width + x) * 3 + 3),
    ];
    expect(px(200, 298)).toEqual([255, 243, 205]); // the note banner along the bottom
    expect(px(5, 150)).toEqual([236, 236, 236]); // neutral canvas, no image
    // A box edge in its morphotype colour (gnr: 213,94,0) at the rod's left edge.
    expect(px(100, 105)).toEqual([213, 94, 0]);
    const missing = await t.app.inject({ method: 'GET', url: '/api/v1/analyses/nope/image.png' });
    expect(missing.statusCode).toBe(404);
  });

  it('exports CSV of fields and of detections, and the full JSON', async () => {
    const result = fieldResult({ specimen: 'SP-CSV' });
    await t.ctx.specimensRepository.admitField('SP-CSV', null);
    await t.ctx.analyses.insert(result);
    const csv = await t.app.inject({ method: 'GET', url: '/api/v1/specimens/SP-CSV/report.csv' });
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(csv.body.startsWith('\uFEFF"specimen","accession","field"')).toBe(true);
    const lines = csv.body.trim().split('\r\n');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain('"グラム陽性球菌（ブドウ状）、グラム陰性桿菌"');
    const detections = await t.app.inject({
      method: 'GET',
      url: '/api/v1/specimens/SP-CSV/report.csv?kind=detections',
    });
    expect(detections.body.trim().split('\r\n')).toHaveLength(1 + result.detections.length);
    const json = (await t.app.inject({ method: 'GET', url: '/api/v1/specimens/SP-CSV/report.json' })).json();
    expect(json.status).toBe('preliminary');
    expect(json.fields[0].analysis).toEqual(result);
    expect(json.pooled.finding.en).toBe(result.summary.finding.en);
    expect(
      (await t.app.inject({ method: 'GET', url: '/api/v1/specimens/SP-CSV/report.csv?kind=bad' })).statusCode,
    ).toBe(400);
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/specimens/NOPE/report.pdf' })).statusCode).toBe(
      404,
    );
    expect(
      (await t.app.inject({ method: 'GET', url: '/api/v1/specimens/..%2Fx/report.pdf' })).statusCode,
    ).toBe(400);
  });

  it('renders a PDF saying the images were not retained', async () => {
    const result = fieldResult();
    await t.ctx.analyses.insert(result);
    const res = await t.app.inject({ method: 'GET', url: `/api/v1/analyses/${result.id}/report.pdf` });
    const { text } = await readPdf(res.rawPayload);
    expect(text).toContain('GRAMSCOPE_RETAIN_IMAGES');
    expect(text).toContain('engine morphology version 9.9.9');
  });

  it('prints the model version and its card in short when an ONNX model produced the field', async () => {
    const detector = buildConstantDetector({
      layout: 'yolov5',
      classes: ['Staphylococcus aureus'],
      rows: [[16, 16, 8, 8, 0.9, 1]],
      inputWidth: 32,
      inputHeight: 32,
    });
    const card = await t.ctx.models.add({
      bytes: detector.bytes,
      engine: 'onnx-detector',
      card: {
        id: 'gram-det-pdf',
        name: 'Gram detector',
        version: '2.1.0',
        intendedUse: 'Decision support on positive blood culture Gram smears at 100x oil.',
        training: { description: '1,200 fields from two hospitals, 2024.' },
        validation: { description: 'Held-out site', metrics: { mAP50: 0.712345 } },
      },
    });
    const result = fieldResult({
      engine: {
        name: 'onnx-detector',
        version: '1.4.0',
        model: { id: card.id, name: card.name, version: card.version, sha256: card.sha256 },
      },
    });
    await t.ctx.analyses.insert(result);
    const res = await t.app.inject({ method: 'GET', url: `/api/v1/analyses/${result.id}/report.pdf` });
    const text = (await readPdf(res.rawPayload)).text.replace(/\s+/g, ' ');
    expect(text).toContain('engine onnx-detector version 1.4.0; model Gram detector version 2.1.0');
    expect(text).toContain('Decision support on positive blood culture Gram smears at 100x oil.');
    expect(text).toContain('1,200 fields from two hospitals, 2024.');
    expect(text).toContain('mAP50 0.7123');
    expect(text).toContain(result.summary.finding.ja);
  });

  it('lists every report route in the OpenAPI document, each with an access declaration', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json();
    for (const p of [
      '/api/v1/specimens',
      '/api/v1/specimens/{id}',
      '/api/v1/specimens/{id}/review',
      '/api/v1/analyses/{id}/review',
      '/api/v1/specimens/{id}/report.pdf',
      '/api/v1/analyses/{id}/report.fhir.json',
      '/api/v1/analyses/{id}/image.png',
    ])
      expect(doc.paths[p], p).toBeDefined();
    expect(doc.paths['/api/v1/analyses/{id}/review'].put.requestBody).toBeDefined();
  });
});

describe('gramscope report', () => {
  let dataDir: string;
  let specimenId: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'gramscope-cli-report-'));
    const ctx = await createAppContext(loadConfig({}, { 'storage.dataDir': dataDir, 'log.level': 'silent' }));
    specimenId = 'SP-CLI';
    await ctx.specimensRepository.admitField(specimenId, null);
    await ctx.analyses.insert(fieldResult({ specimen: specimenId }));
    await ctx.close();
  });
  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  const invoke = (args: string[]): Promise<string> =>
    invokeCommands(registerReport, ['report', ...args, '--data', dataDir], { quietStderr: true });

  it('writes a PDF, FHIR JSON and CSV', async () => {
    const pdfFile = path.join(dataDir, 'out.pdf');
    await invoke([specimenId, '--pdf', '--out', pdfFile]);
    const { text } = await readPdf(await readFile(pdfFile));
    expect(text).toContain('PRELIMINARY');
    const fhir = JSON.parse(await invoke([specimenId, '--fhir', '--profile', 'jp-core']));
    expect(fhir.resourceType).toBe('Bundle');
    expect(fhir.entry[0].resource.meta.profile[0]).toContain('JP_DiagnosticReport_Microbiology');
    const csv = await invoke([specimenId, '--csv']);
    expect(csv.split('\r\n')[0]).toBe(ANALYSES_CSV_HEADER.map((h) => `"${h}"`).join(','));
    expect(csv).toContain('"SP-CLI"');
  });

  it('refuses unclear usage and unknown ids', async () => {
    await expect(invoke([specimenId])).rejects.toMatchObject({ code: 'ERR_USAGE' });
    await expect(invoke([specimenId, '--pdf', '--csv'])).rejects.toMatchObject({ code: 'ERR_USAGE' });
    await expect(invoke([specimenId, '--fhir', '--profile', 'us-core'])).rejects.toMatchObject({
      code: 'ERR_USAGE',
    });
    await expect(invoke(['NOPE', '--json'])).rejects.toMatchObject({ code: 'ERR_NOT_FOUND' });
  });
});
