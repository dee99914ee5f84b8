/**
 * Microsoft VoTT 2.x "VoTT JSON" export: the project object with `tags` and `assets` keyed by asset
 * id, each asset `{ asset: { id, type, state, name, path, size, format }, regions, version }` and each
 * region `{ id, type: 'RECTANGLE', tags, boundingBox: { left, top, width, height }, points }`
 * (points: the four corners clockwise from top-left). VoTT derives asset ids from an MD5 of the
 * asset path; we do the same so re-exports are stable.
 */
import { createHash } from 'node:crypto';
import { basename, dirname } from 'node:path';
import { AppError } from '../../errors.js';
import { mapLabelName } from '../../domain/taxonomy.js';
import { DEFAULT_DATASET_LIMITS, type DatasetLimits } from '../io/limits.js';
import { readJsonFile } from '../io/read-json.js';
import { normaliseRelativePath, printable, resolveInside } from '../io/safe-path.js';
import { LabelMapper, type Dataset, type DatasetImage, type LoadedDataset } from './dataset.js';
import {
  checkBox,
  expectArray,
  expectFinite,
  expectPositiveInt,
  expectRecord,
  expectString,
  invalid,
  isRecord,
} from './validate.js';

export interface VottBoundingBox {
  left: number;
  top: number;
  width: number;
  height: number;
}

export interface VottRegion {
  id: string;
  type: string;
  tags: string[];
  boundingBox?: VottBoundingBox;
  points?: { x: number; y: number }[];
}

export interface VottAsset {
  asset: {
    id: string;
    type: number;
    state: number;
    name: string;
    path: string;
    size: { width: number; height: number };
    format?: string;
  };
  regions: VottRegion[];
  version: string;
}

export interface VottProject {
  name: string;
  securityToken?: string;
  sourceConnection?: unknown;
  targetConnection?: unknown;
  videoSettings?: unknown;
  tags: { name: string; color: string }[];
  id?: string;
  version?: string;
  exportFormat?: unknown;
  assets: Record<string, VottAsset>;
  [key: string]: unknown;
}

const VOTT_VERSION = '2.2.0';
// VoTT's default tag palette, so imported projects look familiar.
const TAG_COLOURS = [
  '#5db300',
  '#e81123',
  '#6917aa',
  '#015cda',
  '#4894fe',
  '#6b849c',
  '#70c400',
  '#71cf78',
  '#a4e600',
  '#cd9700',
  '#ff4500',
  '#bb0ee6',
  '#0078d4',
  '#00b294',
  '#e3008c',
  '#ffb900',
  '#7a7574',
];

const md5 = (s: string): string => createHash('md5').update(s).digest('hex');

/** A region id in VoTT's style (9 characters), derived from the asset and index for stability. */
const regionId = (assetId: string, i: number): string => md5(`${assetId}:${i}`).slice(0, 9);

const round = (v: number): number => Math.round(v * 1000) / 1000;

/**
 * Builds a VoTT JSON export from a dataset. Asset paths are the dataset-relative image paths; asset
 * names are the file names, as VoTT writes them next to the export.
 *
 * @example
 * const project = toVott(dataset, { name: 'gramscope-synth' });
 * Object.values(project.assets)[0].regions[0].boundingBox; // { left, top, width, height }
 */
export function toVott(dataset: Dataset, info: { name: string }): VottProject {
  const assets: Record<string, VottAsset> = {};
  for (const img of dataset.images) {
    const id = md5(img.file);
    const name = img.file.slice(img.file.lastIndexOf('/') + 1);
    const format = name.includes('.') ? name.slice(name.lastIndexOf('.') + 1).toLowerCase() : '';
    assets[id] = {
      asset: {
        id,
        type: 1,
        state: img.annotations.length > 0 ? 2 : 1,
        name,
        path: img.file,
        size: { width: img.width, height: img.height },
        format,
      },
      regions: img.annotations.map((a, i) => {
        const [x1, y1, x2, y2] = a.box;
        return {
          id: regionId(id, i),
          type: 'RECTANGLE',
          tags: [a.label],
          boundingBox: { left: round(x1), top: round(y1), width: round(x2 - x1), height: round(y2 - y1) },
          points: [
            { x: round(x1), y: round(y1) },
            { x: round(x2), y: round(y1) },
            { x: round(x2), y: round(y2) },
            { x: round(x1), y: round(y2) },
          ],
        };
      }),
      version: VOTT_VERSION,
    };
  }
  return {
    name: info.name,
    securityToken: '',
    tags: dataset.labels.map((name, i) => ({ name, color: TAG_COLOURS[i % TAG_COLOURS.length] })),
    id: md5(info.name).slice(0, 9),
    version: VOTT_VERSION,
    assets,
  };
}

/** Finds where an asset's image lies: beside the export (VoTT copies it there) or at its relative path. */
async function locateAsset(
  root: string,
  asset: { name: string; path: string },
  where: string,
): Promise<string> {
  const name = normaliseRelativePath(asset.name, `${where}.name`);
  const candidates = [name];
  // A VoTT path is usually an absolute file: URL on the annotator's machine; only a relative one is
  // meaningful here, and it is held to the same rules as any dataset path.
  if (asset.path && !/^[a-z][a-z0-9+.-]*:/i.test(asset.path) && !asset.path.startsWith('/'))
    candidates.push(normaliseRelativePath(asset.path, `${where}.path`));
  for (const rel of candidates) {
    try {
      await resolveInside(root, rel, where);
      return rel;
    } catch (err) {
      if (err instanceof AppError && err.code === 'ERR_DATASET_IMAGE_MISSING') continue;
      throw err;
    }
  }
  throw new AppError('ERR_DATASET_IMAGE_MISSING', `${where}: image ${name} was not found beside the export`);
}

/**
 * Reads a VoTT 2.x "VoTT JSON" export. Rectangles keep their bounding box; polygons become the box
 * around their points; a region with several tags keeps the first and the rest are reported.
 *
 * @example
 * const { dataset } = await readVott('vott-json-export/blood-cultures-export.json');
 */
export async function readVott(
  jsonPath: string,
  options: { imagesRoot?: string; limits?: DatasetLimits; checkImages?: boolean } = {},
): Promise<LoadedDataset> {
  const limits = options.limits ?? DEFAULT_DATASET_LIMITS;
  const name = basename(jsonPath);
  const root = options.imagesRoot ?? dirname(jsonPath);
  const doc = expectRecord(await readJsonFile(jsonPath, limits.maxJsonBytes), name);
  const assets = expectRecord(doc.assets, `${name}: "assets"`);
  const entries = Object.entries(assets);
  if (entries.length > limits.maxImages)
    throw new AppError(
      'ERR_DATASET_TOO_LARGE',
      `${name} lists ${entries.length} assets; at most ${limits.maxImages} are accepted`,
    );
  const mapper = new LabelMapper(mapLabelName);
  const warnings: string[] = [];
  const images: DatasetImage[] = [];
  const files = new Set<string>();
  let annotations = 0;
  let multiTag = 0;
  let skippedRegions = 0;
  let videoAssets = 0;
  for (const [key, raw] of entries) {
    const where = `${name} asset ${printable(key)}`;
    const meta = expectRecord(raw, where);
    const asset = expectRecord(meta.asset, `${where}.asset`);
    if (asset.type === 2 || asset.type === 3) {
      videoAssets++;
      continue;
    }
    const size = expectRecord(asset.size, `${where}.asset.size`);
    const width = expectPositiveInt(size.width, `${where}.asset.size.width`, 100_000);
    const height = expectPositiveInt(size.height, `${where}.asset.size.height`, 100_000);
    const assetName = expectString(asset.name, `${where}.asset.name`);
    const assetPath = typeof asset.path === 'string' ? asset.path : '';
    const file =
      options.checkImages === false
        ? normaliseRelativePath(assetName, `${where}.asset.name`)
        : await locateAsset(root, { name: assetName, path: assetPath }, where);
    if (files.has(file)) throw invalid(where, `image ${file} is listed twice`);
    files.add(file);
    const image: DatasetImage = { file, width, height, annotations: [] };
    const regions = expectArray(meta.regions ?? [], `${where}.regions`);
    annotations += regions.length;
    if (annotations > limits.maxAnnotations)
      throw new AppError('ERR_DATASET_TOO_LARGE', `${name} has more than ${limits.maxAnnotations} regions`);
    regions.forEach((rawRegion, i) => {
      const rw = `${where} region ${i}`;
      const region = expectRecord(rawRegion, rw);
      const type = typeof region.type === 'string' ? region.type : 'RECTANGLE';
      if (type === 'POINT' || type === 'POLYLINE') {
        skippedRegions++;
        return;
      }
      const tags = expectArray(region.tags ?? [], `${rw}.tags`).filter(
        (t): t is string => typeof t === 'string' && t.length > 0,
      );
      if (tags.length === 0) throw invalid(rw, 'has no tag');
      if (tags.length > 1) multiTag++;
      let box: [number, number, number, number];
      if (isRecord(region.boundingBox) && type !== 'POLYGON') {
        const b = region.boundingBox;
        const left = expectFinite(b.left, `${rw}.boundingBox.left`);
        const top = expectFinite(b.top, `${rw}.boundingBox.top`);
        box = [
          left,
          top,
          left + expectFinite(b.width, `${rw}.boundingBox.width`),
          top + expectFinite(b.height, `${rw}.boundingBox.height`),
        ];
      } else {
        const points = expectArray(region.points, `${rw}.points`).map((p, k) => {
          const pt = expectRecord(p, `${rw}.points[${k}]`);
          return [
            expectFinite(pt.x, `${rw}.points[${k}].x`),
            expectFinite(pt.y, `${rw}.points[${k}].y`),
          ] as const;
        });
        if (points.length < 2) throw invalid(rw, 'needs a boundingBox or at least two points');
        box = [
          Math.min(...points.map((p) => p[0])),
          Math.min(...points.map((p) => p[1])),
          Math.max(...points.map((p) => p[0])),
          Math.max(...points.map((p) => p[1])),
        ];
      }
      image.annotations.push({ box: checkBox(box, width, height, rw), label: mapper.map(tags[0]) });
    });
    images.push(image);
  }
  if (multiTag > 0) warnings.push(`${multiTag} regions had several tags; the first tag of each was used`);
  if (skippedRegions > 0) warnings.push(`${skippedRegions} point or polyline regions were skipped (no box)`);
  if (videoAssets > 0) warnings.push(`${videoAssets} video assets were skipped`);
  return {
    format: 'vott',
    dataset: { root, labels: mapper.classNames(), images },
    report: mapper.report(warnings),
  };
}
