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
