/**
 * Microsoft VoTT 2.x "VoTT JSON" export: the project object with `tags` and `assets` keyed by asset
 * id, each asset `{ asset: { id, type, state, name, path, size, format }, regions, version }` and each
 * region `{ id, type: 'RECTANGLE', tags, boundingBox: { left, top, width, height }, points }`
 * (points: the four corners clockwise from top-left). VoTT derives asset ids from an MD5 of the
 * asset path; we do the same so re-exports are stable.
 */
import { createHash } from 'node:crypto';
import type { Dataset } from './dataset.js';

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
