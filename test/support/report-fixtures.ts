/**
 * Helpers for report tests: an app on a temporary data directory, generated fields posted as
 * multipart uploads, and PDF text extraction with Debian's poppler-utils.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { createAppContext, type AppContext } from '../../src/app/context.js';
import { loadConfig, type ConfigOverrides } from '../../src/config/load-config.js';
import { renderField } from '../../src/datasets/synth/index.js';
import type { LabelKey } from '../../src/domain/taxonomy.js';
import { encodePng } from '../../src/imaging/intake.js';
import { MemoryAuditRecorder } from '../../src/reports/audit.js';
import { buildApp, type GramscopeApp } from '../../src/server/build-app.js';

const run = promisify(execFile);

export interface ReportTestApp {
  ctx: AppContext;
  app: GramscopeApp;
  audit: MemoryAuditRecorder;
  dataDir: string;
  close(): Promise<void>;
}

export async function createReportTestApp(
  overrides: ConfigOverrides = {},
  options: { databaseUrl?: string; fetch?: typeof fetch } = {},
): Promise<ReportTestApp> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'gramscope-reports-'));
  const config = loadConfig(
    {},
    {
      'storage.dataDir': dataDir,
      'storage.databaseUrl': options.databaseUrl ?? '',
      'reports.timeZone': 'Asia/Tokyo',
      'log.level': 'silent',
      // Retained images are encrypted at rest; a test key per app.
      'storage.encryptionKeys': [`test:${randomBytes(32).toString('base64')}`],
      ...overrides,
    },
  );
  const audit = new MemoryAuditRecorder();
  const ctx = await createAppContext(config, { audit, ...(options.fetch ? { fetch: options.fetch } : {}) });
  const app = await buildApp(ctx, { webRoot: path.join(dataDir, 'no-web') });
  await app.ready();
  return {
    ctx,
    app,
    audit,
    dataDir,
    async close() {
      await app.close();
      await ctx.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** A generated field as PNG bytes (exact ground truth is in the synth module's own tests). */
export async function generatedFieldPng(
  seed: number,
  labels: LabelKey[],
  width = 640,
  height = 480,
): Promise<Buffer> {
  const field = renderField({ seed, width, height, labels, site: 0 });
  return encodePng(field.raster);
}

/** A multipart/form-data body with one file field `image` and text fields. */
export function multipart(
  image: Buffer,
  fields: Record<string, string> = {},
): { body: Buffer; contentType: string } {
  const boundary = `----gramscope${Math.random().toString(16).slice(2)}`;
  const parts: Buffer[] = [];
  for (const [name, value] of Object.entries(fields)) {
    parts.push(
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`),
    );
  }
  parts.push(
    Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="image"; filename="field.png"\r\nContent-Type: image/png\r\n\r\n`,
    ),
    image,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  );
  return { body: Buffer.concat(parts), contentType: `multipart/form-data; boundary=${boundary}` };
}

export async function postField(
  app: GramscopeApp,
  image: Buffer,
  fields: Record<string, string> = {},
): Promise<{ statusCode: number; json: Record<string, unknown> }> {
  const { body, contentType } = multipart(image, fields);
  const res = await app.inject({
    method: 'POST',
    url: '/api/v1/analyses',
    payload: body,
    headers: { 'content-type': contentType },
  });
  return { statusCode: res.statusCode, json: res.json() };
}

/** Text and page count of a PDF, through pdftotext and pdfinfo. */
export async function readPdf(pdf: Buffer): Promise<{ text: string; pages: number }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'gramscope-pdf-'));
  try {
    const file = path.join(dir, 'report.pdf');
    await writeFile(file, pdf);
    const { stdout: text } = await run('pdftotext', ['-layout', '-enc', 'UTF-8', file, '-']);
    const { stdout: info } = await run('pdfinfo', [file]);
    const pages = Number(/Pages:\s+(\d+)/.exec(info)?.[1] ?? NaN);
    return { text, pages };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
