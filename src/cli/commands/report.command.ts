import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import pino from 'pino';
import { createAppContext } from '../../app/context.js';
import { loadConfig } from '../../config/load-config.js';
import { createLogAuditRecorder } from '../../reports/audit.js';
import { usageError } from '../output.js';

interface ReportOptions {
  pdf?: boolean;
  fhir?: boolean;
  csv?: boolean;
  detectionsCsv?: boolean;
  json?: boolean;
  png?: string;
  out?: string;
  profile?: string;
  data?: string;
}

const FORMATS = ['pdf', 'fhir', 'csv', 'detectionsCsv', 'json', 'png'] as const;

export function registerReport(program: Command): void {
  program
    .command('report')
    .description(
      'Export the report of a specimen (or of one analysis): PDF, FHIR R4, CSV, JSON or annotated PNGs',
    )
    .argument('<id>', 'specimen id, or analysis id')
    .option('--pdf', 'PDF report (written to --out, default gramscope-<id>.pdf)')
    .option('--fhir', 'FHIR R4 transaction Bundle (JSON)')
    .option('--csv', 'CSV, one row per field')
    .option('--detections-csv', 'CSV, one row per reviewed detection')
    .option('--json', 'the full result as JSON (engine output, review, pooled summary)')
    .option('--png <dir>', 'annotated PNG of every field into this folder')
    .option('-o, --out <file>', 'write to this file instead of standard output')
    .option('--profile <name>', "FHIR profile: 'r4' or 'jp-core' (default: configured)")
    .option('-d, --data <dir>', 'data directory (env GRAMSCOPE_DATA)')
    .action(async (id: string, options: ReportOptions) => {
      await report(id, options);
    });
}

async function report(id: string, options: ReportOptions): Promise<void> {
  const chosen = FORMATS.filter((f) => options[f] !== undefined && options[f] !== false);
  if (chosen.length !== 1)
    throw usageError('choose exactly one of --pdf, --fhir, --csv, --detections-csv, --json, --png <dir>');
  if (options.profile !== undefined && options.profile !== 'r4' && options.profile !== 'jp-core')
    throw usageError(`--profile must be r4 or jp-core, got "${options.profile}"`);
  const config = loadConfig(process.env, { 'storage.dataDir': options.data });
  // Audit lines go to stderr so standard output carries only the export.
  const audit = createLogAuditRecorder(
    pino({ level: 'info', base: { component: 'audit' } }, pino.destination(2)),
  );
  const ctx = await createAppContext(config, { audit });
  try {
    const model = await ctx.specimens.reportFor(id);
    const subject = model.subject;
    const format = chosen[0];
    let output: Buffer | string;
    switch (format) {
      case 'pdf':
        output = await ctx.reports.pdf(model);
        break;
      case 'fhir':
        output = `${JSON.stringify(await ctx.reports.fhir(model, options.profile), null, 2)}\n`;
        break;
      case 'csv':
        output = ctx.reports.csv(model, 'analyses');
        break;
      case 'detectionsCsv':
        output = ctx.reports.csv(model, 'detections');
        break;
      case 'json':
        output = `${JSON.stringify(ctx.reports.json(model), null, 2)}\n`;
        break;
      case 'png': {
        const dir = options.png!;
        await mkdir(dir, { recursive: true });
        for (const field of model.fields) {
          const { png } = await ctx.reports.fieldPng(field.stored.result.id);
          const file = path.join(dir, `${model.subject.id}-${field.name}.png`);
          await writeFile(file, png);
          process.stdout.write(`${file}\n`);
        }
        await ctx.audit.record({
          action: 'report.export',
          actor: 'cli',
          target: subject,
          outcome: 'success',
          details: { format: 'png', fields: model.fields.length },
        });
        return;
      }
    }
    const target =
      options.out ?? (format === 'pdf' ? `gramscope-${id.replace(/[^A-Za-z0-9._-]/g, '_')}.pdf` : undefined);
    if (target) {
      await writeFile(target, output);
      process.stderr.write(`gramscope: wrote ${target} (${model.status})\n`);
    } else process.stdout.write(output);
    await ctx.audit.record({
      action: 'report.export',
      actor: 'cli',
      target: subject,
      outcome: 'success',
      details: { format, status: model.status },
    });
  } finally {
    await ctx.close();
  }
}
