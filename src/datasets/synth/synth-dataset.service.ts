/**
 * Writes a synthetic dataset: N fields grouped into specimens, each image with exact ground truth as
 * YOLO (`images/`, `labels/`, `data.yaml`), COCO (`coco.json`), VoTT (`vott.json`) and a manifest
 * (`synth.json`) with what generated each field. The folder appears only when complete.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AppError } from '../../errors.js';
import { LABELS, type LabelKey } from '../../domain/taxonomy.js';
import { encodeJpeg, encodePng } from '../../imaging/intake.js';
import { toCoco } from '../formats/coco.js';
import { TAXONOMY_CLASS_NAMES, type Dataset, type DatasetImage } from '../formats/dataset.js';
import { toVott } from '../formats/vott.js';
import { formatDataYaml, formatYoloLabels, yoloLabelPathFor } from '../formats/yolo.js';
import { writeAtomically } from '../io/staging.js';
import { createRng } from './prng.js';
import {
  DEFAULT_SYNTH_MICRONS_PER_PIXEL,
  ORGANISM_LABELS,
  renderField,
  type SynthClutter,
} from './render-field.js';
import { createSite } from './site.js';

export type SynthImageFormat = 'jpg' | 'png';

export interface SynthDatasetOptions {
  out: string;
  count: number;
  seed: number;
  width?: number;
  height?: number;
  micronsPerPixel?: number;
  /** Labels that may appear (organisms drawn per specimen from these; `rbc` only if listed). Default: all 17. */
  labels?: readonly LabelKey[];
  /** Number of simulated sites (stain/microscope variants); 1 means only the clean reference site. */
  sites?: number;
  /** Fields per specimen: fields of one specimen share organisms and site. Default 1. */
  fieldsPerSpecimen?: number;
  /** Share of specimens with no organisms at all (negative smears). Default 0. */
  emptyRate?: number;
  /** Share of specimens with two organisms (polymicrobial). Default 0.1. */
  mixedRate?: number;
  format?: SynthImageFormat;
  /** Disable blur, noise, uneven light and clutter. */
  clean?: boolean;
  force?: boolean;
}

export interface SynthFieldRecord {
  file: string;
  specimen: string;
  seed: number;
  site: number;
  labels: LabelKey[];
  objects: number;
  clutter: SynthClutter[];
}

export interface SynthDatasetSummary {
  out: string;
  fields: number;
  objects: number;
  byLabel: Record<string, number>;
  renderMs: { total: number; max: number };
  totalMs: number;
}

export interface SynthProgress {
  (done: number, total: number): void;
}

export const MAX_SYNTH_FIELDS = 100_000;
export const MAX_SYNTH_PIXELS = 50_000_000;

/** Picks the labels of one specimen, deterministically from the dataset seed and specimen number. */
export function pickSpecimenLabels(
  seed: number,
  specimen: number,
  pool: readonly LabelKey[],
  emptyRate: number,
  mixedRate: number,
): LabelKey[] {
  const rng = createRng(`${seed}:specimen:${specimen}`);
  const organisms = pool.filter((l) => l !== 'rbc');
  const labels: LabelKey[] = [];
  if (organisms.length > 0 && !rng.chance(emptyRate)) {
    const shuffled = rng.shuffle(organisms);
    labels.push(shuffled[0]);
    if (shuffled.length > 1 && rng.chance(mixedRate)) labels.push(shuffled[1]);
  }
  if (pool.includes('rbc')) labels.push('rbc');
  return labels;
}

/** Field seed derived from the dataset seed, so fields can be regenerated one at a time. */
export function fieldSeed(seed: number, index: number): number {
  return createRng(`${seed}:field:${index}`).uint32();
}

/**
 * Generates and writes a synthetic dataset.
 *
 * @example
 * await writeSynthDataset({ out: 'synth', count: 50, seed: 7 });
 * // synth/images/sp0001_f01.jpg, synth/labels/sp0001_f01.txt, synth/data.yaml, synth/coco.json, …
 */
export async function writeSynthDataset(
  options: SynthDatasetOptions,
  onProgress?: SynthProgress,
): Promise<SynthDatasetSummary> {
  const started = performance.now();
  const width = options.width ?? 2048;
  const height = options.height ?? 1536;
  const count = options.count;
  if (!Number.isInteger(count) || count < 1 || count > MAX_SYNTH_FIELDS)
    throw new AppError('ERR_USAGE', `--count must be 1..${MAX_SYNTH_FIELDS}, got ${count}`);
  if (width * height > MAX_SYNTH_PIXELS)
    throw new AppError('ERR_USAGE', `a field of ${width}x${height} exceeds ${MAX_SYNTH_PIXELS} pixels`);
  const mpp = options.micronsPerPixel ?? DEFAULT_SYNTH_MICRONS_PER_PIXEL;
  const pool = options.labels ?? [...ORGANISM_LABELS, 'rbc'];
  const sites = options.sites ?? 1;
  const perSpecimen = options.fieldsPerSpecimen ?? 1;
  const format = options.format ?? 'jpg';
  const emptyRate = options.emptyRate ?? 0;
  const mixedRate = options.mixedRate ?? 0.1;

  return writeAtomically(
    options.out,
    async (dir) => {
      await mkdir(join(dir, 'images'), { recursive: true });
      await mkdir(join(dir, 'labels'), { recursive: true });
      const dataset: Dataset = { root: dir, labels: [...TAXONOMY_CLASS_NAMES], images: [] };
      const records: SynthFieldRecord[] = [];
      const byLabel: Record<string, number> = {};
      let objects = 0;
      let renderTotal = 0;
      let renderMax = 0;
      // Render the next field while the previous one is encoded and written (sharp works off-thread).
      let pending: Promise<void> = Promise.resolve();
      for (let i = 0; i < count; i++) {
        const specimenIndex = Math.floor(i / perSpecimen);
        const specimen = `sp${String(specimenIndex + 1).padStart(4, '0')}`;
        const fieldName = `${specimen}_f${String((i % perSpecimen) + 1).padStart(2, '0')}`;
        const labels = pickSpecimenLabels(options.seed, specimenIndex, pool, emptyRate, mixedRate);
        const siteId = sites <= 1 ? 0 : specimenIndex % sites;
        const site = createSite(siteId, options.seed);
        const seed = fieldSeed(options.seed, i);
        const field = renderField({
          seed,
          width,
          height,
          micronsPerPixel: mpp,
          labels,
          site,
          clean: options.clean ?? false,
        });
        renderTotal += field.renderMs;
        renderMax = Math.max(renderMax, field.renderMs);
        const file = `images/${fieldName}.${format}`;
        const image: DatasetImage = {
          file,
          width,
          height,
          specimen,
          micronsPerPixel: mpp,
          annotations: field.objects.map((o) => ({
            box: o.box,
            label: o.label,
            attributes: {
              morphotype: o.morphotype,
              gram: o.gram,
              arrangement: o.arrangement,
              groupId: o.groupId,
            },
          })),
        };
        for (const o of field.objects) byLabel[o.label] = (byLabel[o.label] ?? 0) + 1;
        objects += field.objects.length;
        dataset.images.push(image);
        records.push({
          file,
          specimen,
          seed,
          site: siteId,
          labels,
          objects: field.objects.length,
          clutter: field.clutter,
        });
        await pending;
        const raster = field.raster;
        const written = (async () => {
          const bytes =
            format === 'png' ? await encodePng(raster) : await encodeJpeg(raster, site.jpegQuality);
          await writeFile(join(dir, file), bytes);
          await writeFile(join(dir, yoloLabelPathFor(file)), formatYoloLabels(image, dataset.labels));
          onProgress?.(i + 1, count);
        })();
        // Observed here so a failure while the next field renders is not an unhandled rejection;
        // it is still thrown by the next `await pending`.
        written.catch(() => undefined);
        pending = written;
      }
      await pending;
      await writeFile(join(dir, 'data.yaml'), formatDataYaml(dataset));
      const description = `gramscope synth --seed ${options.seed} --count ${count} (${width}x${height}, ${mpp} µm/px)`;
      const supercategories = Object.fromEntries(
        TAXONOMY_CLASS_NAMES.map((n) => [n, LABELS[n as LabelKey].morphotype]),
      );
      await writeFile(
        join(dir, 'coco.json'),
        JSON.stringify(toCoco(dataset, { description, supercategories })),
      );
      await writeFile(join(dir, 'vott.json'), JSON.stringify(toVott(dataset, { name: description })));
      const manifest = {
        generator: 'gramscope synth',
        options: {
          count,
          seed: options.seed,
          width,
          height,
          micronsPerPixel: mpp,
          labels: pool,
          sites,
          fieldsPerSpecimen: perSpecimen,
          emptyRate,
          mixedRate,
          format,
          clean: options.clean ?? false,
        },
        fields: records,
      };
      await writeFile(join(dir, 'synth.json'), `${JSON.stringify(manifest, null, 1)}\n`);
      return {
        out: options.out,
        fields: count,
        objects,
        byLabel,
        renderMs: { total: Math.round(renderTotal), max: Math.round(renderMax) },
        totalMs: Math.round(performance.now() - started),
      };
    },
    { force: options.force ?? false },
  );
}
