/**
 * YOLO / Ultralytics layout: `images/[split/]name.ext`, `labels/[split/]name.txt` with one
 * `class cx cy w h` line per box (normalised to 0..1), and `data.yaml` naming the classes in order.
 * `data.yaml` has no `path`, so Ultralytics resolves the folders next to the file.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { parse as parseYaml, stringify } from 'yaml';
import type { Box } from '../../domain/geometry.js';
import { mapLabelName } from '../../domain/taxonomy.js';
import { AppError } from '../../errors.js';
import { probeImageFile } from '../../imaging/probe.js';
import { DEFAULT_DATASET_LIMITS, type DatasetLimits } from '../io/limits.js';
import { normaliseRelativePath, printable, resolveInside } from '../io/safe-path.js';
import {
  isImageFile,
  LabelMapper,
  type Dataset,
  type DatasetImage,
  type LoadedDataset,
  type SplitName,
} from './dataset.js';
import { expectRecord, expectString, invalid, isRecord } from './validate.js';

/** Six decimals keep a round trip within 0.002 px on a 2048-pixel field. */
const DECIMALS = 6;

const fmt = (v: number): string => {
  const s = v.toFixed(DECIMALS);
  // Trim trailing zeros for compact files without losing precision.
  return s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s;
};

/** The label file that belongs to an image path under `images/` (Ultralytics' rule). */
export function yoloLabelPathFor(imageFile: string): string {
  const parts = imageFile.split('/');
  const i = parts.lastIndexOf('images');
  if (i >= 0) parts[i] = 'labels';
  else parts.unshift('labels');
  const name = parts[parts.length - 1];
  const dot = name.lastIndexOf('.');
  parts[parts.length - 1] = `${dot > 0 ? name.slice(0, dot) : name}.txt`;
  return parts.join('/');
}

/**
 * The text of one YOLO label file. Labels not in `classNames` are an error for the caller to report
 * before calling (YOLO has no way to carry an unnamed class).
 *
 * @example
 * formatYoloLabels({ file: 'images/a.jpg', width: 100, height: 50, annotations: [{ box: [10, 10, 30, 20], label: 'rbc' }] }, ['rbc']);
 * // '0 0.2 0.3 0.2 0.2\n'
 */
export function formatYoloLabels(image: DatasetImage, classNames: readonly string[]): string {
  const index = new Map(classNames.map((n, i) => [n, i]));
  let out = '';
  for (const a of image.annotations) {
    const cls = index.get(a.label);
    if (cls === undefined) throw new RangeError(`label ${a.label} is not in the class list`);
    const [x1, y1, x2, y2] = a.box;
    const cx = (x1 + x2) / 2 / image.width;
    const cy = (y1 + y2) / 2 / image.height;
    const w = (x2 - x1) / image.width;
    const h = (y2 - y1) / image.height;
    out += `${cls} ${fmt(cx)} ${fmt(cy)} ${fmt(w)} ${fmt(h)}\n`;
  }
  return out;
}

/** The `data.yaml` text for a dataset whose images lie under `images/` (flat or per split). */
export function formatDataYaml(dataset: Dataset): string {
  const splits = new Set<SplitName>();
  for (const img of dataset.images) if (img.split) splits.add(img.split);
  const doc: Record<string, unknown> = {};
  if (splits.size === 0) {
    doc.train = 'images';
    doc.val = 'images';
  } else {
    doc.train = 'images/train';
    doc.val = splits.has('val') ? 'images/val' : 'images/train';
    if (splits.has('test')) doc.test = 'images/test';
  }
  doc.nc = dataset.labels.length;
  doc.names = new Map(dataset.labels.map((n, i) => [i, n]));
  return `# gramscope dataset (Ultralytics layout); class order is gramscope's TAXONOMY order\n${stringify(doc)}`;
}

/** Tolerance for normalised coordinates a hair outside 0..1 (float rounding in exporters). */
const UNIT_TOLERANCE = 1e-4;

/**
 * Parses one YOLO label file into pixel boxes. Lines are `class cx cy w h` (a detection box) or
 * `class x1 y1 x2 y2 …` (a segmentation polygon, boxed). Any other line, a class outside the list,
 * or a coordinate outside 0..1 is an error naming `file:line`.
 *
 * @example
 * parseYoloLabels('0 0.5 0.5 0.1 0.2\n', 'labels/a.txt', 100, 100, 17); // [{ classIndex: 0, box: [45, 40, 55, 60] }]
 */
export function parseYoloLabels(
  text: string,
  file: string,
  width: number,
  height: number,
  classCount: number,
): { classIndex: number; box: Box }[] {
  const out: { classIndex: number; box: Box }[] = [];
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (line === '') return;
    const where = `${file}:${i + 1}`;
    const tokens = line.split(/\s+/);
    const nums = tokens.map(Number);
    const bad = tokens.findIndex((t, k) => !Number.isFinite(nums[k]) || t === '');
    if (bad >= 0) throw invalid(where, `"${printable(tokens[bad])}" is not a number`);
    const cls = nums[0];
    if (!Number.isInteger(cls) || cls < 0 || cls >= classCount)
      throw invalid(where, `class ${tokens[0]} is out of range (0..${classCount - 1})`);
    const coords = nums.slice(1);
    const outside = coords.findIndex((v) => v < -UNIT_TOLERANCE || v > 1 + UNIT_TOLERANCE);
    if (outside >= 0) throw invalid(where, `coordinate ${tokens[outside + 1]} is outside 0..1`);
    let x1: number, y1: number, x2: number, y2: number;
    if (coords.length === 4) {
      const [cx, cy, w, h] = coords;
      if (!(w > 0) || !(h > 0)) throw invalid(where, 'box width and height must be positive');
      x1 = cx - w / 2;
      y1 = cy - h / 2;
      x2 = cx + w / 2;
      y2 = cy + h / 2;
      if (x1 < -UNIT_TOLERANCE || y1 < -UNIT_TOLERANCE || x2 > 1 + UNIT_TOLERANCE || y2 > 1 + UNIT_TOLERANCE)
        throw invalid(where, 'box extends outside the image');
    } else if (coords.length >= 6 && coords.length % 2 === 0) {
      const xs = coords.filter((_, k) => k % 2 === 0);
      const ys = coords.filter((_, k) => k % 2 === 1);
      x1 = Math.min(...xs);
      y1 = Math.min(...ys);
      x2 = Math.max(...xs);
      y2 = Math.max(...ys);
      if (!(x2 > x1) || !(y2 > y1)) throw invalid(where, 'polygon has no area');
    } else {
      throw invalid(
        where,
        `expected "class cx cy w h" (5 numbers) or a polygon, found ${tokens.length} numbers`,
      );
    }
    const clamp = (v: number): number => Math.min(1, Math.max(0, v));
    out.push({
      classIndex: cls,
      box: [clamp(x1) * width, clamp(y1) * height, clamp(x2) * width, clamp(y2) * height],
    });
  });
  return out;
}

/** Reads the class names of a data.yaml: a list, or a map from index to name. */
function readNames(doc: Record<string, unknown>, where: string): string[] {
  const names = doc.names;
  let list: string[];
  if (Array.isArray(names))
    list = names.map((n, i) => expectString(typeof n === 'number' ? String(n) : n, `${where} names[${i}]`));
  else if (isRecord(names)) {
    const entries = Object.entries(names).map(([k, v]) => {
      const idx = Number(k);
      if (!Number.isInteger(idx) || idx < 0)
        throw invalid(where, `names key "${printable(k)}" is not a class index`);
      return [idx, expectString(typeof v === 'number' ? String(v) : v, `${where} names.${k}`)] as const;
    });
    list = [];
    for (const [idx, n] of entries) list[idx] = n;
    for (let i = 0; i < list.length; i++)
      if (list[i] === undefined) throw invalid(where, `names has no class ${i}`);
  } else throw invalid(where, '"names" must list the class names');
  if (list.length === 0) throw invalid(where, '"names" is empty');
  if (typeof doc.nc === 'number' && doc.nc !== list.length)
    throw invalid(where, `nc is ${doc.nc} but ${list.length} names are given`);
  return list;
}

async function walkImages(
  root: string,
  rel: string,
  limits: DatasetLimits,
  seen: { files: number },
): Promise<string[]> {
  const out: string[] = [];
  const full = await resolveInside(root, rel, 'data.yaml');
  const entries = await readdir(full, { withFileTypes: true });
  for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
    if (++seen.files > limits.maxFiles)
      throw new AppError(
        'ERR_DATASET_TOO_LARGE',
        `the dataset folder holds more than ${limits.maxFiles} files`,
      );
    const child = `${rel}/${e.name}`;
    if (e.isDirectory()) out.push(...(await walkImages(root, child, limits, seen)));
    else if (e.isFile() && isImageFile(e.name)) out.push(child);
  }
  return out;
}

/**
 * Reads a YOLO / Ultralytics dataset folder (data.yaml, images/, labels/). Split folders named in
 * data.yaml (train/val/test) set each image's split; an image without a label file has no boxes.
 *
 * @example
 * const { dataset } = await readYolo('datasets/site-a');
 */
export async function readYolo(
  dir: string,
  options: { limits?: DatasetLimits } = {},
): Promise<LoadedDataset> {
  const limits = options.limits ?? DEFAULT_DATASET_LIMITS;
  const yamlName = (await stat(join(dir, 'data.yaml')).catch(() => null)) ? 'data.yaml' : 'dataset.yaml';
  const yamlPath = join(dir, yamlName);
  const yamlStat = await stat(yamlPath).catch(() => null);
  if (!yamlStat?.isFile()) throw new AppError('ERR_DATASET_INVALID', `${basename(dir)}: no data.yaml found`);
  if (yamlStat.size > limits.maxJsonBytes)
    throw new AppError(
      'ERR_DATASET_TOO_LARGE',
      `${yamlName} is ${yamlStat.size} bytes; at most ${limits.maxJsonBytes} are accepted`,
    );
  let doc: unknown;
  try {
    doc = parseYaml(await readFile(yamlPath, 'utf8'), { maxAliasCount: 100 });
  } catch (err) {
    const linePos = (err as { linePos?: { line: number; col: number }[] }).linePos?.[0];
    const where = linePos ? `${yamlName}:${linePos.line}:${linePos.col}` : yamlName;
    throw new AppError('ERR_DATASET_INVALID', `${where}: not valid YAML (${oneLineOf(err)})`);
  }
  const yaml = expectRecord(doc, yamlName);
  const sourceNames = readNames(yaml, yamlName);
  // Ultralytics' `path` is the dataset root; we accept it only when it stays inside this folder.
  const base =
    typeof yaml.path === 'string' && yaml.path !== '.' && yaml.path !== ''
      ? normaliseRelativePath(yaml.path, `${yamlName} path`)
      : '';
  const splitOf = new Map<string, Set<SplitName>>();
  const seen = { files: 0 };
  const listed: string[] = [];
  const add = (file: string, split: SplitName | null): void => {
    if (!splitOf.has(file)) {
      splitOf.set(file, new Set());
      listed.push(file);
    }
    if (split) splitOf.get(file)!.add(split);
  };
  let anySplitKey = false;
  for (const split of ['train', 'val', 'test'] as const) {
    const value = yaml[split];
    if (value === undefined || value === null) continue;
    anySplitKey = true;
    const sources = Array.isArray(value) ? value : [value];
    for (const [k, src] of sources.entries()) {
      const where = `${yamlName} ${split}${Array.isArray(value) ? `[${k}]` : ''}`;
      const rel = normaliseRelativePath(expectString(src, where), where);
      const relToRoot = base ? `${base}/${rel}` : rel;
      const full = await resolveInside(dir, relToRoot, where);
      const s = await stat(full);
      if (s.isDirectory()) for (const f of await walkImages(dir, relToRoot, limits, seen)) add(f, split);
      else {
        // A text file listing image paths, one a line, relative to the dataset root.
        if (s.size > limits.maxLabelFileBytes)
          throw new AppError(
            'ERR_DATASET_TOO_LARGE',
            `${relToRoot} is larger than ${limits.maxLabelFileBytes} bytes`,
          );
        const lines = (await readFile(full, 'utf8')).split(/\r?\n/);
        lines.forEach((line, i) => {
          const t = line.trim();
          if (t)
            add(
              normaliseRelativePath(t.replace(/^\.\//, base ? `${base}/` : ''), `${relToRoot}:${i + 1}`),
              split,
            );
        });
      }
    }
  }
  if (!anySplitKey) for (const f of await walkImages(dir, 'images', limits, seen)) add(f, null);
  if (listed.length > limits.maxImages)
    throw new AppError(
      'ERR_DATASET_TOO_LARGE',
      `the dataset lists ${listed.length} images; at most ${limits.maxImages} are accepted`,
    );
  // A flat layout names the same folder for train and val: then no image has a split of its own.
  const splitsDiffer = [...splitOf.values()].every((s) => s.size <= 1);
  const mapper = new LabelMapper(mapLabelName);
  const images: DatasetImage[] = [];
  let annotations = 0;
  for (const file of listed) {
    const full = await resolveInside(dir, file, yamlName);
    const { width, height } = await probeImageFile(full, file);
    const labelRel = yoloLabelPathFor(file);
    const labelFull = join(dir, ...labelRel.split('/'));
    const image: DatasetImage = { file, width, height, annotations: [] };
    const ls = await stat(labelFull).catch(() => null);
    if (ls?.isFile()) {
      await resolveInside(dir, labelRel, labelRel);
      if (ls.size > limits.maxLabelFileBytes)
        throw new AppError(
          'ERR_DATASET_TOO_LARGE',
          `${labelRel} is ${ls.size} bytes; at most ${limits.maxLabelFileBytes} are accepted`,
        );
      const parsed = parseYoloLabels(
        await readFile(labelFull, 'utf8'),
        labelRel,
        width,
        height,
        sourceNames.length,
      );
      annotations += parsed.length;
      if (annotations > limits.maxAnnotations)
        throw new AppError(
          'ERR_DATASET_TOO_LARGE',
          `the dataset holds more than ${limits.maxAnnotations} boxes`,
        );
      for (const p of parsed)
        image.annotations.push({ box: p.box, label: mapper.map(sourceNames[p.classIndex]) });
    }
    const splits = splitOf.get(file)!;
    if (splitsDiffer && splits.size === 1) image.split = [...splits][0];
    images.push(image);
  }
  return {
    format: 'yolo',
    dataset: { root: dir, labels: mapper.classNames(), images },
    report: mapper.report([]),
  };
}

function oneLineOf(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0].slice(0, 200);
}
