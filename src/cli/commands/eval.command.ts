/** `gramscope eval`: measure an engine or model on an annotated dataset before clinical use. */
import type { Command } from 'commander';
import { loadConfig } from '../../config/load-config.js';
import { EVAL_LEVELS, evaluateDataset, type EvalLevel } from '../../datasets/eval/eval.service.js';
import { renderEvalHtml } from '../../datasets/eval/eval-html.js';
import { loadDataset } from '../../datasets/formats/dataset-io.js';
import { writeFileAtomically } from '../../datasets/io/staging.js';
import { parseNumberOption, usageError } from '../output.js';
import { createProgress } from '../progress.js';

interface EvalFlags {
  data: string;
  engine?: string;
  model?: string;
  level: string;
  json?: string;
  html?: string;
  scoreThreshold: string;
  umPerPx?: string;
  workers?: string;
  limit?: string;
  quiet?: boolean;
}

const pct = (v: number | null): string => (v === null ? 'n/a' : `${(v * 100).toFixed(1)}%`);

export function registerEvalCommand(program: Command): void {
  program
    .command('eval')
    .description(
      'Evaluate an engine or model on an annotated dataset: mAP, per-class P/R/AP, confusion, Gram and morphotype accuracy',
    )
    .requiredOption('--data <path>', 'annotated dataset (YOLO folder, COCO file or folder, VoTT export)')
    .option('--engine <name>', 'engine to evaluate (default: the configured default engine)')
    .option(
      '--model <id>',
      'model for engines that need one (implies --engine onnx-detector when no engine is named)',
    )
    .option('--level <level>', 'compare at label, morphotype or gram level', 'label')
    .option('--json <file>', 'write the report as JSON ("-" for standard output)')
    .option(
      '--html <file>',
      'write a self-contained HTML report with PR curves, confusion matrix and examples',
    )
    .option('--score-threshold <s>', 'score threshold for precision/recall and the confusion matrix', '0.25')
    .option('--um-per-px <u>', 'micrometres per pixel for images whose dataset does not record it')
    .option('--workers <n>', 'engine worker threads (1 runs inline)')
    .option('--limit <n>', 'evaluate only the first N images')
    .option('--quiet', 'no progress bar')
    .action(async (flags: EvalFlags) => {
      const level = flags.level as EvalLevel;
      if (!EVAL_LEVELS.includes(level))
        throw usageError(`--level must be one of ${EVAL_LEVELS.join(', ')}, got "${flags.level}"`);
      const config = loadConfig();
      const engine = flags.engine ?? (flags.model ? 'onnx-detector' : config.analysis.defaultEngine);
      const loaded = await loadDataset(flags.data);
      const total = Math.min(
        loaded.dataset.images.length,
        flags.limit === undefined
          ? Infinity
          : parseNumberOption('--limit', flags.limit, { integer: true, min: 1 }),
      );
      const bar = createProgress(total, { quiet: flags.quiet ?? false, label: 'eval' });
      let outcome;
      try {
        outcome = await evaluateDataset(loaded, flags.data, {
          engine,
          ...(flags.model !== undefined && { model: flags.model }),
          level,
          scoreThreshold: parseNumberOption('--score-threshold', flags.scoreThreshold, { min: 0, max: 1 }),
          ...(flags.umPerPx !== undefined && {
            micronsPerPixel: parseNumberOption('--um-per-px', flags.umPerPx, { min: 1e-4, max: 10 }),
          }),
          ...(flags.workers !== undefined && {
            workers: parseNumberOption('--workers', flags.workers, { integer: true, min: 1, max: 64 }),
          }),
          limit: total,
          intake: config.intake,
          onProgress: () => bar.tick(),
        });
      } finally {
        bar.stop();
      }
      const { report, examples } = outcome;
      const json = `${JSON.stringify(report, null, 1)}\n`;
      if (flags.json === '-') process.stdout.write(json);
      else if (flags.json) await writeFileAtomically(flags.json, json);
      if (flags.html) await writeFileAtomically(flags.html, await renderEvalHtml(report, examples));
      if (flags.json !== '-') {
        const line =
          flags.json || flags.html
            ? `mAP@0.5 ${report.map50?.toFixed(3) ?? 'n/a'}, mAP@0.5:0.95 ${report.map50_95?.toFixed(3) ?? 'n/a'}, Gram ${pct(report.gramAccuracy)}, morphotype ${pct(report.morphotypeAccuracy)}, finding ${pct(report.findingAccuracy)} (exact sentence ${pct(report.findingExactAccuracy)}) on ${report.dataset.images} fields in ${(report.timing.totalMs / 1000).toFixed(1)} s`
            : JSON.stringify({
                map50: report.map50,
                map50_95: report.map50_95,
                gramAccuracy: report.gramAccuracy,
                morphotypeAccuracy: report.morphotypeAccuracy,
                findingAccuracy: report.findingAccuracy,
                findingExactAccuracy: report.findingExactAccuracy,
                images: report.dataset.images,
                totalMs: report.timing.totalMs,
              });
        process.stdout.write(`${line}\n`);
      }
    });
}
