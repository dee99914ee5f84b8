/** `gramscope synth`: synthetic Gram-stain fields with exact ground truth (YOLO, COCO, VoTT). */
import type { Command } from 'commander';
import { LABEL_KEYS, mapLabelName, type LabelKey } from '../../domain/taxonomy.js';
import { writeSynthDataset } from '../../datasets/synth/synth-dataset.service.js';
import { DEFAULT_SYNTH_MICRONS_PER_PIXEL } from '../../datasets/synth/render-field.js';
import { parseNumberOption, usageError } from '../output.js';
import { createProgress } from '../progress.js';

interface SynthFlags {
  out: string;
  count: string;
  seed: string;
  width: string;
  height: string;
  umPerPx: string;
  labels?: string;
  sites: string;
  fieldsPerSpecimen: string;
  emptyRate: string;
  mixedRate: string;
  format: string;
  clean?: boolean;
  force?: boolean;
  quiet?: boolean;
  json?: boolean;
}

/** Parses `--labels` (TAXONOMY keys, English or Japanese names, aliases); unknown names are an error. */
export function parseLabelList(value: string): LabelKey[] {
  const out: LabelKey[] = [];
  for (const raw of value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const key = mapLabelName(raw);
    if (!key) throw usageError(`--labels: unknown label "${raw}" (known: ${LABEL_KEYS.join(', ')})`);
    if (!out.includes(key)) out.push(key);
  }
  if (out.length === 0) throw usageError('--labels needs at least one label');
  return out;
}

export function registerSynthCommand(program: Command): void {
  program
    .command('synth')
    .description('Render synthetic Gram-stain fields with exact ground truth (YOLO, COCO, VoTT)')
    .requiredOption('--out <dir>', 'output folder (must not exist or be empty, unless --force)')
    .option('--count <n>', 'number of fields', '10')
    .option('--seed <n>', 'random seed; the same seed gives the same dataset', '1')
    .option('--width <px>', 'field width in pixels', '2048')
    .option('--height <px>', 'field height in pixels', '1536')
    .option('--um-per-px <u>', 'micrometres per pixel', String(DEFAULT_SYNTH_MICRONS_PER_PIXEL))
    .option(
      '--labels <list>',
      'comma-separated labels that may appear (default: all 17; include rbc for red cells)',
    )
    .option(
      '--sites <n>',
      'simulated sites with their own stain, focus and noise (1 = clean reference site)',
      '1',
    )
    .option('--fields-per-specimen <n>', 'fields per specimen (a specimen shares organisms and site)', '1')
    .option('--empty-rate <r>', 'share of specimens with no organisms', '0')
    .option('--mixed-rate <r>', 'share of specimens with two organisms', '0.1')
    .option('--format <fmt>', 'image format: jpg or png', 'jpg')
    .option('--clean', 'no blur, noise, uneven light or clutter')
    .option('--force', 'replace a non-empty output folder')
    .option('--quiet', 'no progress bar')
    .option('--json', 'print a JSON summary on stdout')
    .action(async (flags: SynthFlags) => {
      const format = flags.format.toLowerCase().replace('jpeg', 'jpg');
      if (format !== 'jpg' && format !== 'png')
        throw usageError(`--format must be jpg or png, got "${flags.format}"`);
      const count = parseNumberOption('--count', flags.count, { integer: true, min: 1, max: 100_000 });
      const bar = createProgress(count, { quiet: flags.quiet ?? false, label: 'synth' });
      let summary;
      try {
        summary = await writeSynthDataset(
          {
            out: flags.out,
            count,
            seed: parseNumberOption('--seed', flags.seed, { integer: true, min: 0, max: 2 ** 32 - 1 }),
            width: parseNumberOption('--width', flags.width, { integer: true, min: 64, max: 16_384 }),
            height: parseNumberOption('--height', flags.height, { integer: true, min: 64, max: 16_384 }),
            micronsPerPixel: parseNumberOption('--um-per-px', flags.umPerPx, { min: 0.01, max: 2 }),
            ...(flags.labels !== undefined && { labels: parseLabelList(flags.labels) }),
            sites: parseNumberOption('--sites', flags.sites, { integer: true, min: 1, max: 1000 }),
            fieldsPerSpecimen: parseNumberOption('--fields-per-specimen', flags.fieldsPerSpecimen, {
              integer: true,
              min: 1,
              max: 1000,
            }),
            emptyRate: parseNumberOption('--empty-rate', flags.emptyRate, { min: 0, max: 1 }),
            mixedRate: parseNumberOption('--mixed-rate', flags.mixedRate, { min: 0, max: 1 }),
            format,
            clean: flags.clean ?? false,
            force: flags.force ?? false,
          },
          () => bar.tick(),
        );
      } finally {
        bar.stop();
      }
      if (flags.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
      else
        process.stdout.write(
          `wrote ${summary.fields} fields with ${summary.objects} objects to ${summary.out} in ${(summary.totalMs / 1000).toFixed(1)} s\n`,
        );
    });
}
