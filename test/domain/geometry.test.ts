import { describe, expect, it } from 'vitest';
import { intersectionOverSmaller, iou, nms, type Scored } from '../../src/domain/geometry.js';

const s = (box: [number, number, number, number], score: number, classIndex = 0): Scored => ({
  box,
  score,
  classIndex,
});

describe('geometry', () => {
  it('measures overlap', () => {
    expect(iou([0, 0, 10, 10], [5, 0, 15, 10])).toBeCloseTo(1 / 3, 10);
    expect(intersectionOverSmaller([0, 0, 10, 10], [0, 0, 5, 10])).toBe(1);
    expect(intersectionOverSmaller([0, 0, 10, 10], [10, 0, 20, 10])).toBe(0);
  });

  it('suppresses per class by default and across classes when asked', () => {
    const items = [
      s([0, 0, 10, 10], 0.8),
      s([1, 0, 11, 10], 0.9),
      s([0, 0, 10, 10], 0.7, 1),
      s([50, 50, 60, 60], 0.1),
    ];
    expect(nms(items, 0.5)).toEqual([items[1], items[2], items[3]]);
    expect(nms(items, 0.5, false)).toEqual([items[1], items[3]]);
    expect(nms(items, 0.9)).toEqual([items[1], items[0], items[2], items[3]]);
  });
});
