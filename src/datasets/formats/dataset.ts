/**
 * The in-memory dataset every format reads into and writes from: images with their boxes, labels
 * as TAXONOMY keys where they map and as the source's own names where they do not (reported, never
 * dropped). Boxes are [x1, y1, x2, y2] in image pixels, as everywhere in gramscope.
 */
import type { Box } from '../../domain/geometry.js';
import { LABEL_KEYS } from '../../domain/taxonomy.js';

export interface AnnotationAttributes {
  morphotype?: string;
  gram?: string;
  arrangement?: string;
  groupId?: number;
}

export interface DatasetAnnotation {
  box: Box;
  /** A TAXONOMY key, or the source's own class name when it maps onto none. */
  label: string;
  attributes?: AnnotationAttributes;
}

export type SplitName = 'train' | 'val' | 'test';

export interface DatasetImage {
  /** Path of the image file relative to the dataset root, with forward slashes. */
  file: string;
  width: number;
  height: number;
  annotations: DatasetAnnotation[];
  /** Specimen (sample) the field came from, when known. */
  specimen?: string;
  split?: SplitName;
  /** Micrometres per pixel, when known. */
  micronsPerPixel?: number;
}

export interface Dataset {
  /** Folder the image paths are relative to. */
  root: string;
  /** Class names in the dataset's order (TAXONOMY order for gramscope's own datasets). */
  labels: string[];
  images: DatasetImage[];
}

/** The 17 TAXONOMY keys, in the reference detector's order: the class list of every dataset we write. */
export const TAXONOMY_CLASS_NAMES: readonly string[] = LABEL_KEYS;

/** Basename without extension, e.g. `images/train/a.b.jpg` → `a.b`. */
export function stemOf(file: string): string {
  const base = file.slice(file.lastIndexOf('/') + 1);
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(0, dot) : base;
}

export type DatasetFormat = 'yolo' | 'coco' | 'vott';
export const DATASET_FORMATS: readonly DatasetFormat[] = ['yolo', 'coco', 'vott'];

/** What reading a dataset found besides its boxes: labels that map onto no TAXONOMY key, oddities. */
export interface DatasetReadReport {
  /** Source class names that map onto no TAXONOMY key, with their box counts; kept, not dropped. */
  unknownLabels: Record<string, number>;
  /** Source names that were mapped onto a different TAXONOMY key, e.g. "S. aureus" → s_aureus. */
  mappedLabels: Record<string, string>;
  warnings: string[];
}

export interface LoadedDataset {
  format: DatasetFormat;
  dataset: Dataset;
  report: DatasetReadReport;
}

/**
 * Maps source class names onto TAXONOMY keys with `mapLabelName`, remembering what it could not map;
 * the final class list is the 17 TAXONOMY keys followed by the unknown names in order of appearance.
 */
export class LabelMapper {
  readonly #unknown = new Map<string, number>();
  readonly #mapped = new Map<string, string>();
  readonly #resolve: (name: string) => string | null;

  constructor(resolve: (name: string) => string | null) {
    this.#resolve = resolve;
  }

  map(name: string): string {
    const key = this.#resolve(name);
    if (key) {
      if (key !== name) this.#mapped.set(name, key);
      return key;
    }
    this.#unknown.set(name, (this.#unknown.get(name) ?? 0) + 1);
    return name;
  }

  classNames(): string[] {
    return [...TAXONOMY_CLASS_NAMES, ...this.#unknown.keys()];
  }

  report(warnings: string[] = []): DatasetReadReport {
    return {
      unknownLabels: Object.fromEntries(this.#unknown),
      mappedLabels: Object.fromEntries(this.#mapped),
      warnings,
    };
  }
}

/** Image file extensions the dataset tools recognise (what the intake accepts). */
export const IMAGE_EXTENSIONS: readonly string[] = ['.jpg', '.jpeg', '.png', '.tif', '.tiff', '.webp'];

export const isImageFile = (name: string): boolean => {
  const dot = name.lastIndexOf('.');
  return dot >= 0 && IMAGE_EXTENSIONS.includes(name.slice(dot).toLowerCase());
};
