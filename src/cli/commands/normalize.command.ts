/**
 * `gramscope normalize`: re-colours fields to one reference stain appearance (Macenko stain
 * normalisation), for training sets pooled from several laboratories and models trained on one
 * laboratory's colours. The morphology engine itself reads stains per field and needs none of this.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { loadConfig } from '../../config/load-config.js';
import { decodeImage, encodeJpeg, encodePng, type IntakeLimits } from '../../imaging/intake.js';
import { writeAtomically } from '../../datasets/io/staging.js';
import {
  DEFAULT_STAIN_REFERENCE,
  measureStainReference,
  normaliseStains,
  type StainReference,
} from '../../engines/morphology/normalise.js';
import type { RasterImage } from '../../domain/raster.js';
import { expandImageInputs, readImageFile } from '../inputs.js';
import { reportFileError, usageError } from '../output.js';
import { createProgress } from '../progress.js';

interface NormalizeOptions {
  out: string;
  reference?: string;
  format: string;
  force?: boolean;
  quiet?: boolean;
  json?: boolean;
}

async function readRaster(file: string, limits: IntakeLimits): Promise<RasterImage> {
  return (await decodeImage(await readImageFile(file, limits.maxBytes), limits)).raster;
}

export function registerNormalize(program: Command): void {
  program
    .command('normalize')
    .description('Re-colour fields to one reference stain appearance (Macenko stain normalisation)')
    .argument('<inputs...>', 'image files (JPEG, PNG, TIFF, WebP) or folders of them')
    .requiredOption('--out <dir>', 'output folder (must not exist or be empty, unless --force)')
    .option(
      '--reference <image>',
      'a field whose stain colours, dye amounts and glass the others take (default: built-in textbook reference)',
    )
    .option('--format <fmt>', 'output format: png or jpg', 'png')
    .option('--force', 'replace a non-empty output folder')
    .option('-q, --quiet', 'no progress bar')
    .option('--json', 'print one JSON line per field: its stain directions and the rescaling applied')
    .action(async (inputs: string[], options: NormalizeOptions) => {
      process.exitCode = await normalize(inputs, options);
    });
}

async function normalize(inputs: string[], options: NormalizeOptions): Promise<number> {
  const format = options.format.toLowerCase().replace('jpeg', 'jpg');
  if (format !== 'jpg' && format !== 'png')
    throw usageError(`--format must be png or jpg, got "${options.format}"`);
  const files = await expandImageInputs(inputs);
  if (files.length === 0) throw usageError('No images among the inputs');
  // Output names are the input names with the new extension: two inputs of one name would collide.
  const names = new Map<string, string>();
  for (const file of files) {
    const name = `${path.basename(file, path.extname(file))}.${format}`;
    const other = names.get(name);
    if (other) throw usageError(`${other} and ${file} would both be written as ${name}`);
    names.set(name, file);
  }
  const config = loadConfig(process.env);
  let reference: StainReference = DEFAULT_STAIN_REFERENCE;
  if (options.reference !== undefined) {
    const [file] = await expandImageInputs([options.reference]);
    try {
      reference = measureStainReference(await readRaster(file, config.intake));
    } catch (err) {
      if (err instanceof RangeError) throw usageError(`--reference ${file}: ${err.message}`);
      throw err;
    }
  }
  const progress = createProgress(files.length, { quiet: !!options.quiet, label: 'normalize' });
  let firstFailure = 0;
  let written = 0;
  try {
    await writeAtomically(
      options.out,
      async (dir) => {
        for (const [name, file] of names) {
          try {
            const field = normaliseStains(await readRaster(file, config.intake), reference);
            await writeFile(
              path.join(dir, name),
              format === 'png' ? await encodePng(field.raster) : await encodeJpeg(field.raster, 95),
            );
            written++;
            if (options.json) {
              const r3 = (v: number): number => Math.round(v * 1000) / 1000;
              const line = {
                file,
                out: path.join(options.out, name),
                from: {
                  crystalViolet: field.from.crystalViolet.map(r3),
                  safranin: field.from.safranin.map(r3),
                  source: field.from.source,
                  glass: field.from.glass.map(Math.round),
                },
                rescale: {
                  crystalViolet: r3(field.rescale.crystalViolet),
                  safranin: r3(field.rescale.safranin),
                },
                stainedPixels: field.stainedPixels,
              };
              process.stdout.write(`${JSON.stringify(line)}\n`);
            }
          } catch (err) {
            firstFailure ||= reportFileError(file, err);
          }
          progress.tick(path.basename(file));
        }
      },
      { force: options.force ?? false },
    );
  } finally {
    progress.stop();
  }
  if (!options.json)
    process.stdout.write(
      `wrote ${written} of ${files.length} fields to ${options.out}${options.reference ? ` (reference: ${options.reference})` : ''}\n`,
    );
  return firstFailure;
}
