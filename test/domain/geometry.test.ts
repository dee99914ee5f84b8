import { describe, expect, it } from 'vitest';
import {
  boxArea,
  clipBox,
  cxcywhToBox,
  intersectionOverSmaller,
  iou,
  nms,
  type Box,
} from '../../src/domain/geometry.js';

describe('geometry', () => {
  it('computes areas and IoU by hand-worked values', () => {
    expect(boxArea([0, 0, 10, 5])).toBe(50);
    expect(boxArea([5, 5, 2, 2])).toBe(0);
    expect(iou([0, 0, 10, 10], [5, 0, 15, 10])).toBeCloseTo(50 / 150, 12);
    expect(iou([0, 0, 10, 10], [0, 0, 10, 10])).toBe(1);
    expect(iou([0, 0, 10, 10], [10, 10, 20, 20])).toBe(0);
    expect(iou([0, 0, 4, 4], [1, 1, 3, 3])).toBeCloseTo(4 / 16, 12);
  });

  it('converts centre boxes and clips to the image', () => {
    expect(cxcywhToBox(10, 20, 4, 6)).toEqual([8, 17, 12, 23]);
    expect(clipBox([-5, 3, 120, 90], 100, 80)).toEqual([0, 3, 100, 80]);
  });

  it('suppresses overlapping boxes of one class, keeping the best', () => {
    const items = [
      { box: [0, 0, 10, 10] as Box, score: 0.8, classIndex: 0 },
      { box: [1, 1, 11, 11] as Box, score: 0.9, classIndex: 0 },
      { box: [50, 50, 60, 60] as Box, score: 0.5, classIndex: 0 },
    ];
    expect(nms(items, 0.5).map((k) => k.score)).toEqual([0.9, 0.5]);
  });

  it('keeps overlapping boxes of different classes unless class-agnostic', () => {
    const items = [
      { box: [0, 0, 10, 10] as Box, score: 0.9, classIndex: 0 },
      { box: [0, 0, 10, 10] as Box, score: 0.8, classIndex: 1 },
    ];
    expect(nms(items, 0.5)).toHaveLength(2);
    expect(nms(items, 0.5, false)).toHaveLength(1);
  });

  it('uses a strict threshold: IoU exactly at the threshold is kept', () => {
    const items = [
      { box: [0, 0, 10, 10] as Box, score: 0.9, classIndex: 0 },
      { box: [5, 0, 15, 10] as Box, score: 0.8, classIndex: 0 },
    ];
    expect(nms(items, 1 / 3)).toHaveLength(2);
    expect(nms(items, 0.33)).toHaveLength(1);
  });

  it('measures intersection over the smaller box', () => {
    expect(intersectionOverSmaller([0, 0, 10, 10], [0, 0, 5, 10])).toBe(1);
    expect(intersectionOverSmaller([0, 0, 10, 10], [5, 0, 15, 10])).toBe(0.5);
    expect(intersectionOverSmaller([0, 0, 10, 10], [10, 0, 20, 10])).toBe(0);
  });

  it('returns kept boxes of all classes highest score first', () => {
    const items = [
      { box: [0, 0, 10, 10] as Box, score: 0.8, classIndex: 0 },
      { box: [1, 0, 11, 10] as Box, score: 0.9, classIndex: 0 },
      { box: [0, 0, 10, 10] as Box, score: 0.7, classIndex: 1 },
      { box: [50, 50, 60, 60] as Box, score: 0.1, classIndex: 0 },
    ];
    expect(nms(items, 0.5)).toEqual([items[1], items[2], items[3]]);
    expect(nms(items, 0.9)).toEqual([items[1], items[0], items[2], items[3]]);
  });

  it('gives the all-pairs result on thousands of boxes, through its spatial grid', () => {
    let seed = 7;
    const rand = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const items = Array.from({ length: 3000 }, () => {
      const x = rand() * 2000;
      const y = rand() * 1500;
      const s = 5 + rand() * (rand() < 0.02 ? 900 : 40);
      return {
        box: [x, y, x + s, y + s * (0.5 + rand())] as Box,
        score: rand(),
        classIndex: Math.floor(rand() * 3),
      };
    });
    const bruteForce = (list: typeof items, thr: number) => {
      const order = [...list].sort((a, b) => b.score - a.score);
      const dead = new Set<number>();
      const kept: typeof items = [];
      order.forEach((a, i) => {
        if (dead.has(i)) return;
        kept.push(a);
        for (let j = i + 1; j < order.length; j++)
          if (!dead.has(j) && a.classIndex === order[j].classIndex && iou(a.box, order[j].box) > thr)
            dead.add(j);
      });
      return kept;
    };
    for (const thr of [0, 0.3, 0.45, 0.7]) expect(nms(items, thr)).toEqual(bruteForce(items, thr));
  });
});
