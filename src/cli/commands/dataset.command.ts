/** `gramscope dataset convert|crops|split`: bring a site's annotated slides into shape for training and validation. */
import type { Command } from 'commander';
import {
  DATASET_FORMATS,
  type DatasetFormat,
  type DatasetReadReport,
  type LoadedDataset,
} from '../../datasets/formats/dataset.js';
import { loadDataset, writeDataset } from '../../datasets/formats/dataset-io.js';
import { writeCrops, CROP_MODES, type CropMode } from '../../datasets/crops/crops.service.js';
import { splitDataset } from '../../datasets/split/split.service.js';
import { parseNumberOption, usageError } from '../output.js';
import { createProgress } from '../progress.js';

const parseFormat = (flag: string, value: string): DatasetFormat => {
  const f = value.toLowerCase() as DatasetFormat;
  if (!DATASET_FORMATS.includes(f))
    throw usageError(`${flag} must be one of ${DATASET_FORMATS.join(', ')}, got "${value}"`);
  return f;
};

/** Says on stderr what reading found that the user should know (unknown labels are kept, not dropped). */
function reportReading(report: DatasetReadReport, quiet: boolean): void {
  if (quiet) return;
  const unknown = Object.entries(report.unknownLabels);
  if (unknown.length > 0)
    process.stderr.write(
      `gramscope: note: ${unknown.length} label(s) map onto no TAXONOMY key and are kept under their own names: ${unknown
        .map(([n, c]) => `${n} (${c})`)
        .join(', ')}\n`,
    );
  for (const w of report.warnings) process.stderr.write(`gramscope: note: ${w}\n`);
}

interface CommonFlags {
  quiet?: boolean;
  json?: boolean;
  force?: boolean;
}

/**
 * Says what reading found, then runs one pass of `work` over the dataset's images with a progress
 * bar that `work` ticks once per image; the bar is stopped even when the pass fails.
 */
async function overImages<T>(
  loaded: LoadedDataset,
  flags: CommonFlags,
  label: string,
  work: (onProgress: () => void) => Promise<T>,
): Promise<T> {
  reportReading(loaded.report, flags.quiet ?? false);
  const bar = createProgress(loaded.dataset.images.length, { quiet: flags.quiet ?? false, label });
  try {
    return await work(() => bar.tick());
  } finally {
    bar.stop();
  }
}

/** Declares the options behind CommonFlags, after a command's own. */
const withCommonFlags = (command: Command): Command =>
  command
    .option('--force', 'replace a non-empty output folder')
    .option('--quiet', 'no progress bar or notes')
    .option('--json', 'print a JSON summary on stdout');

const emit = (flags: CommonFlags, summary: object, line: string): void => {
  process.stdout.write(flags.json ? `${JSON.stringify(summary)}\n` : `${line}\n`);
};

export function registerDatasetCommand(program: Command): void {
  const dataset = program
    .command('dataset')
    .description('Convert, crop and split annotated datasets (VoTT, YOLO, COCO)');

  const convert = dataset
    .command('convert')
    .description('Convert between VoTT JSON export, YOLO (Ultralytics layout) and COCO, copying images')
    .requiredOption('--in <path>', 'input dataset: a folder, a COCO JSON file or a VoTT export JSON file')
    .requiredOption('--out <dir>', 'output folder (must not exist or be empty, unless --force)')
    .option('--from <format>', 'input format: vott, yolo or coco (detected when omitted)')
    .requiredOption('--to <format>', 'output format: yolo, coco or vott')
    .option('--images <dir>', 'folder holding the images, when not beside the annotation file')
    .option('--name <name>', 'project name for VoTT and COCO output', 'gramscope');
  withCommonFlags(convert).action(
    async (
      flags: CommonFlags & {
        in: string;
        out: string;
        from?: string;
        to: string;
        images?: string;
        name: string;
      },
    ) => {
      const to = parseFormat('--to', flags.to);
      const loaded = await loadDataset(flags.in, {
        ...(flags.from !== undefined && { format: parseFormat('--from', flags.from) }),
        ...(flags.images !== undefined && { imagesRoot: flags.images }),
      });
      const summary = await overImages(loaded, flags, 'convert', (onProgress) =>
        writeDataset(loaded.dataset, to, flags.out, {
          force: flags.force ?? false,
          name: flags.name,
          onProgress,
        }),
      );
      emit(
        flags,
        {
          ...summary,
          from: loaded.format,
          unknownLabels: loaded.report.unknownLabels,
          warnings: loaded.report.warnings,
        },
        `converted ${summary.images} images and ${summary.boxes} boxes from ${loaded.format} to ${to} in ${summary.out}`,
      );
    },
  );

  const crops = dataset
    .command('crops')
    .description(
      'Cut classification crops of a physical size (gp_rod, gn_rod, gp_coccus, gn_coccus, background)',
    )
    .requiredOption('--data <path>', 'input dataset (folder or annotation file)')
    .requiredOption('--out <dir>', 'output folder: one sub-folder per class')
    .option('--size-um <um>', 'crop side in micrometres', '10')
    .option('--um-per-px <u>', 'micrometres per pixel, for images that do not record it')
    .option('--grid', 'tile every image in a grid of crops')
    .option('--random <n>', 'N random crops per image')
    .option('--background-ratio <r>', 'background crops per organism crop (around-annotation mode)', '1')
    .option('--resize <px>', 'scale every crop to this many pixels square (e.g. 299 for Inception V3)')
    .option('--seed <n>', 'random seed', '1');
  withCommonFlags(crops).action(
    async (
      flags: CommonFlags & {
        data: string;
        out: string;
        sizeUm: string;
        umPerPx?: string;
        grid?: boolean;
        random?: string;
        backgroundRatio: string;
        resize?: string;
        seed: string;
      },
    ) => {
      if (flags.grid && flags.random !== undefined)
        throw usageError('--grid and --random cannot be combined');
      const mode: CropMode = flags.grid ? 'grid' : flags.random !== undefined ? 'random' : 'around';
      if (!CROP_MODES.includes(mode)) throw usageError(`unknown crop mode ${mode}`);
      const loaded = await loadDataset(flags.data);
      const summary = await overImages(loaded, flags, 'crops', (onProgress) =>
        writeCrops(loaded.dataset, {
          out: flags.out,
          mode,
          sizeUm: parseNumberOption('--size-um', flags.sizeUm, { min: 0.5, max: 500 }),
          ...(flags.umPerPx !== undefined && {
            micronsPerPixel: parseNumberOption('--um-per-px', flags.umPerPx, { min: 0.001, max: 10 }),
          }),
          ...(flags.random !== undefined && {
            randomPerImage: parseNumberOption('--random', flags.random, {
              integer: true,
              min: 1,
              max: 10_000,
            }),
          }),
          backgroundRatio: parseNumberOption('--background-ratio', flags.backgroundRatio, {
            min: 0,
            max: 100,
          }),
          ...(flags.resize !== undefined && {
            resizePx: parseNumberOption('--resize', flags.resize, { integer: true, min: 8, max: 4096 }),
          }),
          seed: parseNumberOption('--seed', flags.seed, { integer: true, min: 0, max: 2 ** 32 - 1 }),
          force: flags.force ?? false,
          onProgress,
        }),
      );
      emit(
        flags,
        summary,
        `wrote ${summary.crops} crops (${Object.entries(summary.byClass)
          .map(([c, n]) => `${c} ${n}`)
          .join(', ')}) to ${summary.out}`,
      );
    },
  );

  const split = dataset
    .command('split')
    .description('Split into train/val/test by specimen, so no specimen appears in two splits')
    .requiredOption('--data <path>', 'input dataset (folder or annotation file)')
    .requiredOption('--out <dir>', 'output folder (Ultralytics layout, coco.json and split-manifest.json)')
    .option('--by <key>', 'grouping key: specimen', 'specimen')
    .option('--ratios <list>', 'train,val,test shares', '0.8,0.1,0.1')
    .option('--seed <n>', 'random seed', '1')
    .option(
      '--specimen-pattern <regex>',
      'regular expression whose first group extracts the specimen from a file name (when the dataset does not record it)',
    );
  withCommonFlags(split).action(
    async (
      flags: CommonFlags & {
        data: string;
        out: string;
        by: string;
        ratios: string;
        seed: string;
        specimenPattern?: string;
      },
    ) => {
      if (flags.by !== 'specimen') throw usageError(`--by must be "specimen", got "${flags.by}"`);
      const ratios = flags.ratios
        .split(',')
        .map((r, i) => parseNumberOption(`--ratios[${i + 1}]`, r.trim(), { min: 0, max: 1 }));
      if (ratios.length < 2 || ratios.length > 3)
        throw usageError('--ratios takes two or three shares (train,val[,test])');
      const total = ratios.reduce((s, r) => s + r, 0);
      if (Math.abs(total - 1) > 1e-6) throw usageError(`--ratios must add up to 1, got ${total}`);
      let pattern: RegExp | undefined;
      if (flags.specimenPattern !== undefined) {
        try {
          pattern = new RegExp(flags.specimenPattern);
        } catch {
          throw usageError(`--specimen-pattern is not a valid regular expression: ${flags.specimenPattern}`);
        }
      }
      const loaded = await loadDataset(flags.data);
      const summary = await overImages(loaded, flags, 'split', (onProgress) =>
        splitDataset(loaded.dataset, {
          out: flags.out,
          ratios: [ratios[0], ratios[1], ratios[2] ?? 0],
          seed: parseNumberOption('--seed', flags.seed, { integer: true, min: 0, max: 2 ** 32 - 1 }),
          ...(pattern && { specimenPattern: pattern }),
          force: flags.force ?? false,
          onProgress,
        }),
      );
      emit(
        flags,
        summary,
        `split ${summary.images} images of ${summary.specimens} specimens: train ${summary.splits.train.images}, val ${summary.splits.val.images}, test ${summary.splits.test.images} (${summary.out})`,
      );
    },
  );
}
