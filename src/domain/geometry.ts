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
 * Intersection over the smaller box's area: 1 when one box lies inside the other. Used to recognise
 * the two halves of an object cut by a tile seam, where IoU is low.
 *
 * @example
 * intersectionOverSmaller([0, 0, 10, 10], [0, 0, 5, 10]); // 1
 */
export function intersectionOverSmaller(a: Readonly<Box>, b: Readonly<Box>): number {
  const inter = intersectionArea(a, b);
  if (inter === 0) return 0;
  return inter / Math.min(boxArea(a), boxArea(b));
}

/** Above this many boxes a spatial grid replaces the all-pairs loop (same result, fewer pairs). */
const GRID_NMS_MIN = 256;

/** Greedy suppression over items already sorted by descending score; returns the kept items. */
function suppressSorted<T extends Scored>(order: readonly T[], iouThreshold: number): T[] {
  const n = order.length;
  const x1 = new Float64Array(n);
  const y1 = new Float64Array(n);
  const x2 = new Float64Array(n);
  const y2 = new Float64Array(n);
  const area = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const b = order[i].box;
    x1[i] = b[0];
    y1[i] = b[1];
    x2[i] = b[2];
    y2[i] = b[3];
    area[i] = boxArea(b);
  }
  const suppressed = new Uint8Array(n);
  const overlaps = (i: number, j: number): boolean => {
    const w = Math.min(x2[i], x2[j]) - Math.max(x1[i], x1[j]);
    if (w <= 0) return false;
    const h = Math.min(y2[i], y2[j]) - Math.max(y1[i], y1[j]);
    if (h <= 0) return false;
    const inter = w * h;
    return inter / (area[i] + area[j] - inter) > iouThreshold;
  };
  const kept: T[] = [];
  if (n < GRID_NMS_MIN || !(iouThreshold >= 0)) {
    for (let i = 0; i < n; i++) {
      if (suppressed[i]) continue;
      kept.push(order[i]);
      for (let j = i + 1; j < n; j++) if (!suppressed[j] && overlaps(i, j)) suppressed[j] = 1;
    }
    return kept;
  }
  // Boxes that do not intersect have IoU 0 and never suppress each other, so each box need only be
  // compared with the boxes sharing a grid cell with it. Cells are about the median box side.
  const sides = Array.from({ length: n }, (_, i) => Math.max(x2[i] - x1[i], y2[i] - y1[i])).filter(
    (v) => v > 0 && Number.isFinite(v),
  );
  sides.sort((a, b) => a - b);
  const cell = Math.max(1, sides.length ? sides[sides.length >> 1] : 1);
  const ranges = new Array<[number, number, number, number] | null>(n);
  let minCx = Infinity;
  let minCy = Infinity;
  let maxCx = -Infinity;
  for (let i = 0; i < n; i++) {
    const c = [
      Math.floor(x1[i] / cell),
      Math.floor(y1[i] / cell),
      Math.floor(x2[i] / cell),
      Math.floor(y2[i] / cell),
    ];
    const ok = c.every(Number.isFinite) && (c[2] - c[0] + 1) * (c[3] - c[1] + 1) <= 4096;
    ranges[i] = ok ? (c as [number, number, number, number]) : null;
    if (ok) {
      minCx = Math.min(minCx, c[0]);
      minCy = Math.min(minCy, c[1]);
      maxCx = Math.max(maxCx, c[2]);
    }
  }
  const columns = maxCx - minCx + 1;
  const grid = new Map<number, number[]>();
  // Boxes spanning a huge area (or with non-finite corners) are compared with every other box.
  const huge: number[] = [];
  for (let i = 0; i < n; i++) {
    const r = ranges[i];
    if (!r) {
      huge.push(i);
      continue;
    }
    for (let cy = r[1]; cy <= r[3]; cy++) {
      for (let cx = r[0]; cx <= r[2]; cx++) {
        const key = (cy - minCy) * columns + (cx - minCx);
        const list = grid.get(key);
        if (list) list.push(i);
        else grid.set(key, [i]);
      }
    }
  }
  for (let i = 0; i < n; i++) {
    if (suppressed[i]) continue;
    kept.push(order[i]);
    const r = ranges[i];
    if (!r) {
      for (let j = i + 1; j < n; j++) if (!suppressed[j] && overlaps(i, j)) suppressed[j] = 1;
      continue;
    }
    for (let cy = r[1]; cy <= r[3]; cy++) {
      for (let cx = r[0]; cx <= r[2]; cx++) {
        const list = grid.get((cy - minCy) * columns + (cx - minCx));
        if (list) for (const j of list) if (j > i && !suppressed[j] && overlaps(i, j)) suppressed[j] = 1;
      }
    }
    for (const j of huge) if (j > i && !suppressed[j] && overlaps(i, j)) suppressed[j] = 1;
  }
  return kept;
}

/**
 * Greedy non-maximum suppression. With `classAware` (the default) boxes of different classes never
 * suppress each other, as in Ultralytics' default. Returns the kept items, highest score first (ties
 * keep their input order).
 *
 * @example
 * nms([{ box: [0, 0, 10, 10], score: 0.9, classIndex: 0 }, { box: [1, 1, 10, 10], score: 0.8, classIndex: 0 }], 0.5);
 * // keeps only the first
 */
export function nms<T extends Scored>(items: readonly T[], iouThreshold: number, classAware = true): T[] {
  const order = [...items].sort((a, b) => b.score - a.score);
  if (!classAware) return suppressSorted(order, iouThreshold);
  // Classes never interact, so suppress within each class: n²/classes comparisons instead of n².
  const byClass = new Map<number, T[]>();
  for (const item of order) {
    const list = byClass.get(item.classIndex);
    if (list) list.push(item);
    else byClass.set(item.classIndex, [item]);
  }
  const kept = new Set<T>();
  for (const list of byClass.values()) for (const item of suppressSorted(list, iouThreshold)) kept.add(item);
  return order.filter((item) => kept.has(item));
}
