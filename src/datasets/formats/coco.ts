/**
 * COCO object-detection JSON: `images`, `annotations` (bbox as [x, y, width, height]) and
 * `categories`. Category ids are 1-based in class-list order, as in COCO itself. gramscope adds
 * `attributes` (morphotype, gram, arrangement, group_id) to annotations and `specimen` /
 * `microns_per_pixel` to images; COCO readers ignore fields they do not know.
 */
import { basename, dirname } from 'node:path';
import { AppError } from '../../errors.js';
import { mapLabelName } from '../../domain/taxonomy.js';
import { DEFAULT_DATASET_LIMITS, type DatasetLimits } from '../io/limits.js';
import { readJsonFile } from '../io/read-json.js';
import { normaliseRelativePath } from '../io/safe-path.js';
import {
  LabelMapper,
  type AnnotationAttributes,
  type Dataset,
  type DatasetAnnotation,
  type DatasetImage,
  type LoadedDataset,
} from './dataset.js';
import {
  checkBox,
  expectArray,
  expectFinite,
  expectId,
  expectPositiveInt,
  expectRecord,
  expectString,
  invalid,
  isRecord,
} from './validate.js';

export interface CocoImage {
  id: number;
  file_name: string;
  width: number;
  height: number;
  specimen?: string;
  split?: string;
  microns_per_pixel?: number;
}

export interface CocoAnnotation {
  id: number;
  image_id: number;
  category_id: number;
  bbox: [number, number, number, number];
  area: number;
  iscrowd: 0 | 1;
  attributes?: { morphotype?: string; gram?: string; arrangement?: string; group_id?: number };
}

export interface CocoCategory {
  id: number;
  name: string;
  supercategory: string;
}

export interface CocoDocument {
  info: { description: string; version: string; date_created: string };
  licenses: unknown[];
  images: CocoImage[];
  annotations: CocoAnnotation[];
  categories: CocoCategory[];
}

const round = (v: number): number => Math.round(v * 1000) / 1000;

/**
 * Builds a COCO document from a dataset; image paths stay relative to the dataset root, where the
 * JSON file is written.
 *
 * @example
 * const doc = toCoco(dataset, { description: 'gramscope synth seed 7' });
 * doc.annotations[0].bbox; // [x, y, width, height]
 */
export function toCoco(
  dataset: Dataset,
  info: { description: string; createdAt?: string; supercategories?: Readonly<Record<string, string>> },
): CocoDocument {
  const categoryId = new Map(dataset.labels.map((n, i) => [n, i + 1]));
  const images: CocoImage[] = [];
  const annotations: CocoAnnotation[] = [];
  dataset.images.forEach((img, i) => {
    const id = i + 1;
    const entry: CocoImage = { id, file_name: img.file, width: img.width, height: img.height };
    if (img.specimen !== undefined) entry.specimen = img.specimen;
    if (img.split !== undefined) entry.split = img.split;
    if (img.micronsPerPixel !== undefined) entry.microns_per_pixel = img.micronsPerPixel;
    images.push(entry);
    for (const a of img.annotations) {
      const category = categoryId.get(a.label);
      if (category === undefined) throw new RangeError(`label ${a.label} is not in the class list`);
      const [x1, y1, x2, y2] = a.box;
      const w = x2 - x1;
      const h = y2 - y1;
      const ann: CocoAnnotation = {
        id: annotations.length + 1,
        image_id: id,
        category_id: category,
        bbox: [round(x1), round(y1), round(w), round(h)],
        area: round(w * h),
        iscrowd: 0,
      };
      if (a.attributes) {
        const { morphotype, gram, arrangement, groupId } = a.attributes;
        ann.attributes = {
          ...(morphotype !== undefined && { morphotype }),
          ...(gram !== undefined && { gram }),
          ...(arrangement !== undefined && { arrangement }),
          ...(groupId !== undefined && { group_id: groupId }),
        };
      }
      annotations.push(ann);
    }
  });
  return {
    info: {
      description: info.description,
      version: '1.0',
      date_created: info.createdAt ?? new Date(0).toISOString(),
    },
    licenses: [],
    images,
    annotations,
    categories: dataset.labels.map((name, i) => ({
      id: i + 1,
      name,
      supercategory: info.supercategories?.[name] ?? 'organism',
    })),
  };
}

/**
 * Reads a COCO detection JSON file into a dataset rooted at the file's folder (or `imagesRoot`).
 * Category names are mapped onto TAXONOMY keys; unknown ones are kept and reported. Every problem is
 * one ERR_DATASET_* error naming the file and the record.
 *
 * @example
 * const { dataset, report } = await readCoco('site-a/coco.json');
 * report.unknownLabels; // { spore: 12 }
 */
export async function readCoco(
  jsonPath: string,
  options: { imagesRoot?: string; limits?: DatasetLimits } = {},
): Promise<LoadedDataset> {
  const limits = options.limits ?? DEFAULT_DATASET_LIMITS;
  const name = basename(jsonPath);
  const doc = expectRecord(await readJsonFile(jsonPath, limits.maxJsonBytes), name);
  const rawImages = expectArray(doc.images, `${name}: "images"`);
  const rawAnnotations = expectArray(doc.annotations ?? [], `${name}: "annotations"`);
  const rawCategories = expectArray(doc.categories, `${name}: "categories"`);
  if (rawImages.length > limits.maxImages)
    throw new AppError(
      'ERR_DATASET_TOO_LARGE',
      `${name} lists ${rawImages.length} images; at most ${limits.maxImages} are accepted`,
    );
  if (rawAnnotations.length > limits.maxAnnotations)
    throw new AppError(
      'ERR_DATASET_TOO_LARGE',
      `${name} lists ${rawAnnotations.length} annotations; at most ${limits.maxAnnotations} are accepted`,
    );
  const mapper = new LabelMapper(mapLabelName);
  const categories = new Map<string, string>();
  rawCategories.forEach((raw, i) => {
    const where = `${name} categories[${i}]`;
    const c = expectRecord(raw, where);
    const id = expectId(c.id, `${where}.id`);
    if (categories.has(id)) throw invalid(where, `category id ${id} appears twice`);
    categories.set(id, expectString(c.name, `${where}.name`));
  });
  const images: DatasetImage[] = [];
  const byId = new Map<string, DatasetImage>();
  const files = new Set<string>();
  rawImages.forEach((raw, i) => {
    const where = `${name} images[${i}]`;
    const r = expectRecord(raw, where);
    const id = expectId(r.id, `${where}.id`);
    if (byId.has(id)) throw invalid(where, `image id ${id} appears twice`);
    const file = normaliseRelativePath(expectString(r.file_name, `${where}.file_name`), `${where}.file_name`);
    if (files.has(file)) throw invalid(where, `file ${file} is listed twice`);
    files.add(file);
    const image: DatasetImage = {
      file,
      width: expectPositiveInt(r.width, `${where}.width`, 100_000),
      height: expectPositiveInt(r.height, `${where}.height`, 100_000),
      annotations: [],
    };
    if (typeof r.specimen === 'string' && r.specimen.length > 0) image.specimen = r.specimen;
    if (r.split === 'train' || r.split === 'val' || r.split === 'test') image.split = r.split;
    if (typeof r.microns_per_pixel === 'number' && r.microns_per_pixel > 0)
      image.micronsPerPixel = r.microns_per_pixel;
    byId.set(id, image);
    images.push(image);
  });
  const warnings: string[] = [];
  let crowd = 0;
  rawAnnotations.forEach((raw, i) => {
    const a = expectRecord(raw, `${name} annotations[${i}]`);
    const where = `${name} annotation ${typeof a.id === 'number' || typeof a.id === 'string' ? `id ${a.id}` : `[${i}]`}`;
    const image = byId.get(expectId(a.image_id, `${where}.image_id`));
    if (!image) throw invalid(where, `refers to image ${String(a.image_id)}, which is not listed`);
    const category = categories.get(expectId(a.category_id, `${where}.category_id`));
    if (category === undefined)
      throw invalid(where, `refers to category ${String(a.category_id)}, which is not listed`);
    const bbox = expectArray(a.bbox, `${where}.bbox`);
    if (bbox.length !== 4) throw invalid(`${where}.bbox`, 'must hold 4 numbers [x, y, width, height]');
    const [x, y, w, h] = bbox.map((v, k) => expectFinite(v, `${where}.bbox[${k}]`));
    const box = checkBox([x, y, x + w, y + h], image.width, image.height, where);
    if (a.iscrowd === 1) crowd++;
    const annotation: DatasetAnnotation = { box, label: mapper.map(category) };
    if (isRecord(a.attributes)) {
      const at = a.attributes;
      const attributes: AnnotationAttributes = {};
      if (typeof at.morphotype === 'string') attributes.morphotype = at.morphotype;
      if (typeof at.gram === 'string') attributes.gram = at.gram;
      if (typeof at.arrangement === 'string') attributes.arrangement = at.arrangement;
      if (typeof at.group_id === 'number') attributes.groupId = at.group_id;
      annotation.attributes = attributes;
    }
    image.annotations.push(annotation);
  });
  if (crowd > 0) warnings.push(`${crowd} crowd annotations (iscrowd=1) were read as ordinary boxes`);
  const root = options.imagesRoot ?? dirname(jsonPath);
  return {
    format: 'coco',
    dataset: { root, labels: mapper.classNames(), images },
    report: mapper.report(warnings),
  };
}
