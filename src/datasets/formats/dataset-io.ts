/**
 * Loading any supported dataset (format detected or given) and writing it in any format, with
 * images copied into the target layout. Writing is atomic: the output folder appears complete or not
 * at all.
 */
import { copyFile, mkdir, readdir, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { AppError } from '../../errors.js';
import { LABELS, isLabelKey } from '../../domain/taxonomy.js';
import { DEFAULT_DATASET_LIMITS, type DatasetLimits } from '../io/limits.js';
import { readJsonFile } from '../io/read-json.js';
import { resolveInside } from '../io/safe-path.js';
import { writeAtomically } from '../io/staging.js';
import { readCoco, toCoco } from './coco.js';
import type { Dataset, DatasetFormat, DatasetImage, LoadedDataset } from './dataset.js';
import { isRecord } from './validate.js';
import { readVott, toVott } from './vott.js';
import { formatDataYaml, formatYoloLabels, readYolo, yoloLabelPathFor } from './yolo.js';

export interface LoadOptions {
  format?: DatasetFormat;
  /** Folder the images lie in, when not beside the annotation file (COCO, VoTT). */
  imagesRoot?: string;
  limits?: DatasetLimits;
}

async function kindOf(path: string): Promise<'file' | 'dir' | null> {
  const s = await stat(path).catch(() => null);
  return s ? (s.isDirectory() ? 'dir' : 'file') : null;
}

async function detectJson(path: string, limits: DatasetLimits): Promise<DatasetFormat> {
  const doc = await readJsonFile(path, limits.maxJsonBytes);
  if (isRecord(doc) && isRecord(doc.assets)) return 'vott';
  if (isRecord(doc) && Array.isArray(doc.images)) return 'coco';
  throw new AppError('ERR_DATASET_INVALID', `${basename(path)} is neither a COCO file nor a VoTT export`);
}

/** Finds the annotation file of a format inside a folder. */
async function findIn(dir: string, format: DatasetFormat): Promise<string | null> {
  if (format === 'yolo')
    return (await kindOf(join(dir, 'data.yaml'))) || (await kindOf(join(dir, 'dataset.yaml'))) ? dir : null;
  if (format === 'coco')
    return (await kindOf(join(dir, 'coco.json'))) === 'file' ? join(dir, 'coco.json') : null;
  const names = (await readdir(dir)).filter((n) => n.endsWith('-export.json') || n === 'vott.json').sort();
  return names.length > 0 ? join(dir, names[0]) : null;
}

/**
 * Loads a dataset from a folder or annotation file, detecting the format unless given. A folder
 * holding several (as `gramscope synth` writes) is read as COCO, which carries the most detail.
 *
 * @example
 * const { format, dataset, report } = await loadDataset('synth-out');
 */
export async function loadDataset(path: string, options: LoadOptions = {}): Promise<LoadedDataset> {
  const limits = options.limits ?? DEFAULT_DATASET_LIMITS;
  const kind = await kindOf(path);
  if (!kind) throw new AppError('ERR_NOT_FOUND', `${path} does not exist`);
  let format = options.format;
  let target = path;
  if (kind === 'dir') {
    const order: DatasetFormat[] = format ? [format] : ['coco', 'yolo', 'vott'];
    let found: string | null = null;
    for (const f of order) {
      found = await findIn(path, f);
      if (found) {
        format = f;
        break;
      }
    }
    if (!found || !format)
      throw new AppError(
        'ERR_DATASET_INVALID',
        `${basename(path)} holds no ${options.format ?? 'YOLO, COCO or VoTT'} dataset (data.yaml, coco.json or *-export.json)`,
      );
    target = found;
  } else if (!format) {
    format = extname(path).toLowerCase() === '.yaml' ? 'yolo' : await detectJson(path, limits);
  }
  const base = { limits, ...(options.imagesRoot !== undefined && { imagesRoot: options.imagesRoot }) };
  switch (format) {
    case 'yolo':
      return readYolo(kind === 'file' ? dirname(target) : target, { limits });
    case 'coco':
      return readCoco(target, base);
    case 'vott':
      return readVott(target, base);
  }
}

const safeName = (s: string): string => s.replace(/[^A-Za-z0-9._-]+/g, '_');

/** Target file names for every image, unique within the output. */
function planFiles(images: readonly DatasetImage[], format: DatasetFormat): string[] {
  const used = new Set<string>();
  return images.map((img) => {
    const name = safeName(basename(img.file));
    const folder = format === 'vott' ? '' : img.split ? `images/${img.split}/` : 'images/';
    let candidate = `${folder}${name}`;
    if (used.has(candidate.toLowerCase())) {
      // Same file name in different source folders: keep both, prefixed by their source folder.
      const prefix = safeName(dirname(img.file).replace(/\//g, '_'));
      candidate = `${folder}${prefix}_${name}`;
      for (let k = 2; used.has(candidate.toLowerCase()); k++) candidate = `${folder}${prefix}_${k}_${name}`;
    }
    used.add(candidate.toLowerCase());
    return candidate;
  });
}

export interface WriteOptions {
  force?: boolean;
  /** Also write COCO (`coco.json`) beside a YOLO layout: both share `images/`. */
  alsoCoco?: boolean;
  /** Writes further files (a manifest) into the staging folder before it is moved into place. */
  extra?: (dir: string, written: Dataset) => Promise<void>;
  /** Project name for VoTT (file `<name>-export.json`) and the COCO description. */
  name?: string;
  onProgress?: (done: number, total: number) => void;
}

export interface WriteSummary {
  out: string;
  format: DatasetFormat;
  images: number;
  boxes: number;
  classes: string[];
}

/**
 * Writes a dataset in the given format under `out`, copying its images.
 *
 * @example
 * const loaded = await loadDataset('vott-json-export/project-export.json');
 * await writeDataset(loaded.dataset, 'yolo', 'yolo-out');
 */
export async function writeDataset(
  dataset: Dataset,
  format: DatasetFormat,
  out: string,
  options: WriteOptions = {},
): Promise<WriteSummary> {
  const name = options.name ?? 'gramscope';
  const targets = planFiles(dataset.images, format);
  // Resolve every source before writing anything, so a missing image fails fast.
  const sources: string[] = [];
  for (const [i, img] of dataset.images.entries())
    sources.push(await resolveInside(dataset.root, img.file, `image ${i + 1} (${img.file})`));
  return writeAtomically(
    out,
    async (dir) => {
      const images: DatasetImage[] = dataset.images.map((img, i) => ({ ...img, file: targets[i] }));
      const written: Dataset = { root: dir, labels: dataset.labels, images };
      const made = new Set<string>();
      for (const [i, img] of images.entries()) {
        const target = join(dir, ...img.file.split('/'));
        const folder = dirname(target);
        if (!made.has(folder)) {
          await mkdir(folder, { recursive: true });
          made.add(folder);
        }
        await copyFile(sources[i], target);
        if (format === 'yolo') {
          const labelPath = join(dir, ...yoloLabelPathFor(img.file).split('/'));
          const labelDir = dirname(labelPath);
          if (!made.has(labelDir)) {
            await mkdir(labelDir, { recursive: true });
            made.add(labelDir);
          }
          await writeFile(labelPath, formatYoloLabels(img, written.labels));
        }
        options.onProgress?.(i + 1, images.length);
      }
      if (format === 'yolo') await writeFile(join(dir, 'data.yaml'), formatDataYaml(written));
      if (format === 'coco' || (format === 'yolo' && options.alsoCoco)) {
        const supercategories = Object.fromEntries(
          written.labels.map((l) => [l, isLabelKey(l) ? LABELS[l].morphotype : 'unmapped']),
        );
        await writeFile(
          join(dir, 'coco.json'),
          JSON.stringify(toCoco(written, { description: name, supercategories })),
        );
      }
      if (format === 'vott')
        await writeFile(
          join(dir, `${safeName(name)}-export.json`),
          JSON.stringify(toVott(written, { name }), null, 2),
        );
      await options.extra?.(dir, written);
      return {
        out,
        format,
        images: images.length,
        boxes: images.reduce((s, img) => s + img.annotations.length, 0),
        classes: written.labels,
      };
    },
    { force: options.force ?? false },
  );
}
