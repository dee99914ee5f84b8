/**
 * COCO object-detection JSON: `images`, `annotations` (bbox as [x, y, width, height]) and
 * `categories`. Category ids are 1-based in class-list order, as in COCO itself. gramscope adds
 * `attributes` (morphotype, gram, arrangement, group_id) to annotations and `specimen` /
 * `microns_per_pixel` to images; COCO readers ignore fields they do not know.
 */
import type { Dataset } from './dataset.js';

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
