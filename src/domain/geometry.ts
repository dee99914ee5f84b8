/** Boxes, overlap and non-maximum suppression. Pure functions over [x1, y1, x2, y2] boxes. */

export type Box = [x1: number, y1: number, x2: number, y2: number];

export function boxArea(b: Readonly<Box>): number {
  return Math.max(0, b[2] - b[0]) * Math.max(0, b[3] - b[1]);
}

export function intersectionArea(a: Readonly<Box>, b: Readonly<Box>): number {
  const w = Math.min(a[2], b[2]) - Math.max(a[0], b[0]);
  const h = Math.min(a[3], b[3]) - Math.max(a[1], b[1]);
  return w > 0 && h > 0 ? w * h : 0;
}

/**
 * Intersection over union of two boxes; 0 when either is empty.
 *
 * @example
 * iou([0, 0, 10, 10], [5, 0, 15, 10]); // 1/3
 */
export function iou(a: Readonly<Box>, b: Readonly<Box>): number {
  const inter = intersectionArea(a, b);
  if (inter === 0) return 0;
  return inter / (boxArea(a) + boxArea(b) - inter);
}

/** Clamps a box to an image of the given size. */
export function clipBox(b: Readonly<Box>, width: number, height: number): Box {
  return [
    Math.min(Math.max(b[0], 0), width),
    Math.min(Math.max(b[1], 0), height),
    Math.min(Math.max(b[2], 0), width),
    Math.min(Math.max(b[3], 0), height),
  ];
}

/** Converts a centre-format box (cx, cy, w, h), as YOLO heads emit, to corners. */
export function cxcywhToBox(cx: number, cy: number, w: number, h: number): Box {
  return [cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2];
}

export interface Scored {
  box: Box;
  score: number;
  classIndex: number;
}

/**
 * Greedy non-maximum suppression. With `classAware` (the default) boxes of different classes never
 * suppress each other, as in Ultralytics' default. Returns the kept items, highest score first.
 *
 * @example
 * nms([{ box: [0, 0, 10, 10], score: 0.9, classIndex: 0 }, { box: [1, 1, 10, 10], score: 0.8, classIndex: 0 }], 0.5);
 * // keeps only the first
 */
export function nms<T extends Scored>(items: readonly T[], iouThreshold: number, classAware = true): T[] {
  const order = [...items].sort((a, b) => b.score - a.score);
  const kept: T[] = [];
  const suppressed = new Uint8Array(order.length);
  for (let i = 0; i < order.length; i++) {
    if (suppressed[i]) continue;
    const a = order[i];
    kept.push(a);
    for (let j = i + 1; j < order.length; j++) {
      if (suppressed[j]) continue;
      const b = order[j];
      if (classAware && a.classIndex !== b.classIndex) continue;
      if (iou(a.box, b.box) > iouThreshold) suppressed[j] = 1;
    }
  }
  return kept;
}
