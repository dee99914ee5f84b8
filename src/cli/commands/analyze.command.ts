import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { analyzeField, type FieldScale } from '../../analysis/analyze-field.js';
import { loadConfig } from '../../config/load-config.js';
import type { AnalysisResult } from '../../domain/analysis-result.js';
import { AppError } from '../../errors.js';
import { BUILT_IN_ENGINES, createEngineRegistry } from '../../engines/index.js';
import { createModelRegistry, createOnnxEngineDescriptors } from '../../app/model-registry.js';
import { decodeForEngine } from '../../analysis/decode-for-engine.js';
import { decodeImage } from '../../imaging/intake.js';
import { renderOverlay } from '../../imaging/overlay.js';
import { openDatabase } from '../../store/database.js';
import { ProfilesRepository } from '../../store/profiles.repository.js';
import { expandImageInputs, readImageFile } from '../inputs.js';
import { parseNumberOption, reportFileError, usageError } from '../output.js';
import { createProgress } from '../progress.js';

interface AnalyzeOptions {
  json?: boolean;
  csv?: boolean;
  overlay?: string;
  engine?: string;
  model?: string;
  profile?: string;
  umPerPx?: string;
  specimen?: string;
  data?: string;
  quiet?: boolean;
}

export function registerAnalyze(program: Command): void {
  program
    .command('analyze')
    .description('Analyse image files or folders; prints one result per image')
    .argument('<inputs...>', 'image files (JPEG, PNG, TIFF, WebP) or folders of them')
    .option('--json', 'print one analysis result (JSON) per line, in input order')
    .option('--csv', 'print a CSV summary, one row per image')
    .option('--overlay <dir>', 'write annotated PNGs into this folder')
    .option('-e, --engine <name>', 'engine (default: configured default, morphology)')
    .option('-m, --model <id>', 'model id for engines that need one')
    .option('--profile <name>', 'calibration profile (read from the data directory)')
    .option('--um-per-px <n>', 'micrometres per pixel, overriding any profile')
    .option('--specimen <id>', 'specimen id recorded in each result')
    .option('-d, --data <dir>', 'data directory for profiles and models (env GRAMSCOPE_DATA)')
    .option('-q, --quiet', 'no progress bar')
    .action(async (inputs: string[], options: AnalyzeOptions) => {
      process.exitCode = await analyze(inputs, options);
    });
}

const CSV_HEADER =
  'file,id,width,height,engine,finding,gram_positive,gram_negative,top_label,top_score,microns_per_pixel,scale_source';

const csvCell = (v: string | number | null): string => {
  const s = v === null ? '' : String(v);
  // Quote always and neutralise spreadsheet formulas in text cells.
  const safe = /^[=+\-@\t\r]/.test(s) && typeof v === 'string' ? `'${s}` : s;
  return `"${safe.replace(/"/g, '""')}"`;
};

function csvRow(file: string, r: AnalysisResult): string {
  const top = r.summary.differential[0];
  return [
    file,
    r.id,
    r.image.width,
    r.image.height,
    r.engine.name,
    r.summary.finding.en,
    r.summary.gram.positive,
    r.summary.gram.negative,
    top?.label ?? null,
    top?.score ?? null,
    r.image.micronsPerPixel,
    r.image.scaleSource,
  ]
    .map(csvCell)
    .join(',');
}

async function analyze(inputs: string[], options: AnalyzeOptions): Promise<number> {
  if (options.json && options.csv) throw usageError('choose one of --json and --csv');
  const config = loadConfig(process.env, { 'storage.dataDir': options.data });
  const files = await expandImageInputs(inputs);
  if (files.length === 0) throw usageError('no image files found in the given inputs');

  let scale: FieldScale = { micronsPerPixel: null, source: 'unknown' };
  let profileName: string | null = null;
  if (options.umPerPx !== undefined) {
    scale = {
      micronsPerPixel: parseNumberOption('--um-per-px', options.umPerPx, { min: 1e-6, max: 100 }),
      source: 'option',
    };
  } else if (options.profile !== undefined) {
    const store = await openDatabase({
      dataDir: config.storage.dataDir,
      databaseUrl: config.storage.databaseUrl,
    });
    try {
      const profile = await new ProfilesRepository(store.db).find(options.profile);
      if (!profile) throw new AppError('ERR_PROFILE_UNKNOWN', `No calibration profile "${options.profile}"`);
      scale = { micronsPerPixel: profile.micronsPerPixel, source: 'profile' };
      profileName = profile.name;
    } finally {
      await store.close();
    }
  }

  const engineName = options.engine ?? config.analysis.defaultEngine;
  // ONNX engines find their models in the registry, which lives in the database.
  const modelStore = engineName.startsWith('onnx-')
    ? await openDatabase({ dataDir: config.storage.dataDir, databaseUrl: config.storage.databaseUrl })
    : null;
  const registry = createEngineRegistry(
    modelStore
      ? [...BUILT_IN_ENGINES, ...createOnnxEngineDescriptors(createModelRegistry(config, modelStore), config)]
      : undefined,
  );
  let engine;
  try {
    engine = await registry.get(engineName, { model: options.model });
  } catch (err) {
    await modelStore?.close();
    throw err;
  }
  if (options.overlay) await mkdir(options.overlay, { recursive: true });
  if (options.csv) process.stdout.write(`${CSV_HEADER}\n`);

  const progress = createProgress(files.length, { quiet: !!options.quiet, label: 'analyse' });
  let firstFailure = 0;
  for (const file of files) {
    try {
      const bytes = await readImageFile(file, config.intake.maxBytes);
      // Overlays are drawn at full resolution; otherwise decode at the size the engine uses.
      const decoded = options.overlay
        ? await decodeImage(bytes, config.intake)
        : await decodeForEngine(bytes, config.intake, engine, scale.micronsPerPixel);
      const result = await analyzeField(decoded, engine, {
        scale,
        profile: profileName,
        specimen: options.specimen ?? null,
      });
      if (options.json) process.stdout.write(`${JSON.stringify({ ...result, file })}\n`);
      else if (options.csv) process.stdout.write(`${csvRow(file, result)}\n`);
      else {
        const { gram, finding } = result.summary;
        const top = result.summary.differential
          .slice(0, 3)
          .map((d) => `${d.label} ${d.score.toFixed(2)}`)
          .join(', ');
        process.stdout.write(
          `${file}: ${finding.en} (GP ${gram.positive}, GN ${gram.negative}) ${top ? `— ${top}` : ''}\n`,
        );
      }
      if (options.overlay) {
        const target = path.join(options.overlay, `${path.basename(file, path.extname(file))}.overlay.png`);
        await writeFile(
          target,
          await renderOverlay(decoded.raster, scaleDetections(result, decoded.raster.width), {
            title: result.summary.finding.en,
          }),
        );
      }
    } catch (err) {
      firstFailure ||= reportFileError(file, err);
    }
    progress.tick(path.basename(file));
  }
  progress.stop();
  await registry.dispose();
  await modelStore?.close();
  return firstFailure;
}

/** Results are in original pixels; the decoded raster may be smaller (it never is for the CLI today). */
function scaleDetections(result: AnalysisResult, rasterWidth: number): AnalysisResult['detections'] {
  const f = rasterWidth / result.image.width;
  if (f === 1) return result.detections;
  return result.detections.map((d) => ({
    ...d,
    box: d.box.map((v) => v * f) as [number, number, number, number],
  }));
}
