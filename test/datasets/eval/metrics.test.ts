import { describe, expect, it } from 'vitest';
import type { Box } from '../../../src/domain/geometry.js';
import {
  allPointAp,
  attributeAgreement,
  confusionMatrix,
  evaluateDetections,
  interpolatedAp,
  matchByScore,
  prCurve,
  RECALL_POINTS,
  type EvalImage,
} from '../../../src/datasets/eval/metrics.js';

const box = (x: number, y: number, w: number, h: number): Box => [x, y, x + w, y + h];

describe('COCO-style matching and AP, worked by hand', () => {
  // Two objects; the second prediction overlaps B with IoU 81/119 = 0.681, the third is spurious.
  const image: EvalImage = {
    id: 'a',
    truth: [
      { box: [0, 0, 10, 10], cls: 'x' },
      { box: [20, 20, 30, 30], cls: 'x' },
    ],
    predictions: [
      { box: [0, 0, 10, 10], cls: 'x', score: 0.9 },
      { box: [21, 21, 31, 31], cls: 'x', score: 0.8 },
      { box: [50, 50, 60, 60], cls: 'x', score: 0.7 },
    ],
  };

  it('matches each prediction to the best unmatched truth at or above the threshold', () => {
    expect(
      matchByScore(
        [[0, 0, 10, 10]],
        [
          [0, 0, 10, 10],
          [1, 1, 10, 10],
        ],
        0.5,
      ),
    ).toEqual([0, -1]);
    // The lower-IoU truth is taken when the better one is already matched.
    expect(
      matchByScore(
        [
          [0, 0, 10, 10],
          [2, 0, 12, 10],
        ],
        [
          [1, 0, 11, 10],
          [0, 0, 10, 10],
        ],
        0.5,
      ),
    ).toEqual([1, 0]);
    expect(matchByScore([[0, 0, 10, 10]], [[5, 0, 15, 10]], 0.34)).toEqual([-1]);
    expect(matchByScore([[0, 0, 10, 10]], [[5, 0, 15, 10]], 1 / 3)).toEqual([0]);
  });

  it('gives AP 1 at IoU 0.5 and 51/101 at IoU 0.7', () => {
    const at50 = prCurve([image], 'x', 0.5);
    expect(at50.recall).toEqual([0.5, 1, 1]);
    expect(at50.precision.map((p) => Math.round(p * 1e6) / 1e6)).toEqual([1, 1, 0.666667]);
    expect(interpolatedAp(at50).ap).toBeCloseTo(1, 12);
    const at70 = prCurve([image], 'x', 0.7);
    expect(at70.recall).toEqual([0.5, 0.5, 0.5]);
    // Recall points 0.00 … 0.50 (51 of 101) see precision 1; beyond 0.5 there is none.
    expect(interpolatedAp(at70).ap).toBeCloseTo(51 / 101, 12);
    const m = evaluateDetections([image]);
    expect(m.perClass.x.ap50).toBeCloseTo(1, 12);
    // IoU 0.681 passes 0.50, 0.55, 0.60, 0.65 and fails 0.70 … 0.95.
    expect(m.map50_95).toBeCloseTo((4 * 1 + 6 * (51 / 101)) / 10, 12);
    expect(m.perClass.x).toMatchObject({ support: 2, predictions: 3, tp: 2, fp: 1, fn: 0 });
    expect(m.perClass.x.precision).toBeCloseTo(2 / 3, 12);
    expect(m.perClass.x.recall).toBe(1);
  });

  it('ranks predictions across images by score and ignores the score threshold for AP', () => {
    const images: EvalImage[] = [
      {
        id: '1',
        truth: [{ box: box(0, 0, 10, 10), cls: 'x' }],
        predictions: [{ box: box(50, 50, 5, 5), cls: 'x', score: 0.95 }],
      },
      {
        id: '2',
        truth: [{ box: box(0, 0, 10, 10), cls: 'x' }],
        predictions: [{ box: box(0, 0, 10, 10), cls: 'x', score: 0.1 }],
      },
    ];
    // Ranked: FP (0.95), TP (0.1): recall 0, 0.5; precision 0, 0.5 → envelope 0.5 up to recall 0.5.
    const m = evaluateDetections(images, { scoreThreshold: 0.5 });
    expect(m.perClass.x.ap50).toBeCloseTo(51 / 101 / 2, 12);
    expect(m.perClass.x).toMatchObject({ tp: 0, fp: 1, fn: 2 });
  });

  it('leaves classes without ground truth out of the mean and counts their false positives', () => {
    const m = evaluateDetections([
      {
        id: '1',
        truth: [{ box: box(0, 0, 10, 10), cls: 'a' }],
        predictions: [{ box: box(0, 0, 10, 10), cls: 'b', score: 0.9 }],
      },
    ]);
    expect(m.perClass.a.ap50).toBe(0);
    expect(m.perClass.b.ap50).toBeNull();
    expect(m.perClass.b.fp).toBe(1);
    expect(m.map50).toBe(0);
  });

  it('samples recall at 101 points, as numpy.linspace does', () => {
    expect(RECALL_POINTS).toHaveLength(101);
    expect(RECALL_POINTS[0]).toBe(0);
    expect(RECALL_POINTS[100]).toBe(1);
  });
});

describe('published example (rafaelpadilla/Object-Detection-Metrics, samples/sample_2)', () => {
  // 7 images, 15 objects, 24 detections of one class, [left, top, width, height] in integer pixels.
  // The repository reports AP 24.56 % (every-point) and 26.84 % (11-point) at IoU 0.3, with boxes
  // taken as inclusive pixel ranges, i.e. [left, top, left + width + 1, top + height + 1].
  const gt = [
    [
      [25, 16, 38, 56],
      [129, 123, 41, 62],
    ],
    [
      [123, 11, 43, 55],
      [38, 132, 59, 45],
    ],
    [
      [16, 14, 35, 48],
      [123, 30, 49, 44],
      [99, 139, 47, 47],
    ],
    [
      [53, 42, 40, 52],
      [154, 43, 31, 34],
    ],
    [
      [59, 31, 44, 51],
      [48, 128, 34, 52],
    ],
    [
      [36, 89, 52, 76],
      [62, 58, 44, 67],
    ],
    [
      [28, 31, 55, 63],
      [58, 67, 50, 58],
    ],
  ];
  const det = [
    [
      [0.88, 5, 67, 31, 48],
      [0.7, 119, 111, 40, 67],
      [0.8, 124, 9, 49, 67],
    ],
    [
      [0.71, 64, 111, 64, 58],
      [0.54, 26, 140, 60, 47],
      [0.74, 19, 18, 43, 35],
    ],
    [
      [0.18, 109, 15, 77, 39],
      [0.67, 86, 63, 46, 45],
      [0.38, 160, 62, 36, 53],
      [0.91, 105, 131, 47, 47],
      [0.44, 18, 148, 40, 44],
    ],
    [
      [0.35, 83, 28, 28, 26],
      [0.78, 28, 68, 42, 67],
      [0.45, 87, 89, 25, 39],
      [0.14, 10, 155, 60, 26],
    ],
    [
      [0.62, 50, 38, 28, 46],
      [0.44, 95, 11, 53, 28],
      [0.95, 29, 131, 72, 29],
      [0.23, 29, 163, 72, 29],
    ],
    [
      [0.45, 43, 48, 74, 38],
      [0.84, 17, 155, 29, 35],
      [0.43, 95, 110, 25, 42],
    ],
    [
      [0.48, 16, 20, 101, 88],
      [0.95, 33, 116, 37, 49],
    ],
  ];
  const inclusive = (x: number, y: number, w: number, h: number): Box => [x, y, x + w + 1, y + h + 1];
  const images: EvalImage[] = gt.map((g, i) => ({
    id: String(i + 1),
    truth: g.map(([x, y, w, h]) => ({ box: inclusive(x, y, w, h), cls: 'object' })),
    predictions: det[i].map(([s, x, y, w, h]) => ({ box: inclusive(x, y, w, h), cls: 'object', score: s })),
  }));

  it('reproduces the published precision–recall sequence and APs', () => {
    const curve = prCurve(images, 'object', 0.3);
    expect(curve.positives).toBe(15);
    expect(curve.recall.at(-1)).toBeCloseTo(7 / 15, 12);
    expect(Math.floor(allPointAp(curve) * 10000) / 100).toBe(24.56);
    let eleven = 0;
    for (let k = 0; k <= 10; k++) {
      let best = 0;
      curve.recall.forEach((r, i) => {
        if (r >= k / 10) best = Math.max(best, curve.precision[i]);
      });
      eleven += best / 11;
    }
    expect(Math.round(eleven * 10000) / 100).toBe(26.84);
  });

  it('agrees with an independent brute-force 101-point computation', () => {
    const curve = prCurve(images, 'object', 0.3);
    let sum = 0;
    for (let k = 0; k <= 100; k++) {
      let best = 0;
      curve.recall.forEach((r, i) => {
        if (r >= k * 0.01) best = Math.max(best, curve.precision[i]);
      });
      sum += best;
    }
    expect(interpolatedAp(curve).ap).toBeCloseTo(sum / 101, 12);
  });
});

describe('confusion matrix and attribute agreement', () => {
  const image: EvalImage = {
    id: 'c',
    truth: [
      { box: box(0, 0, 10, 10), cls: 'a', gram: 'positive', morphotype: 'gpc_clusters' },
      { box: box(20, 0, 10, 10), cls: 'b', gram: 'negative', morphotype: 'gnr' },
      { box: box(40, 0, 10, 10), cls: 'b', gram: 'negative', morphotype: 'gnr' },
      { box: box(60, 0, 30, 30), cls: 'rbc', gram: 'n/a', morphotype: 'rbc' },
    ],
    predictions: [
      { box: box(0, 0, 10, 10), cls: 'b', score: 0.9, gram: 'negative', morphotype: 'gnr' },
      { box: box(20, 0, 10, 10), cls: 'b', score: 0.8, gram: 'negative', morphotype: 'gnr' },
      { box: box(100, 100, 10, 10), cls: 'a', score: 0.6, gram: 'positive', morphotype: 'gpc_clusters' },
      { box: box(40, 0, 10, 10), cls: 'b', score: 0.1, gram: 'negative', morphotype: 'gncb' },
      { box: box(60, 0, 30, 30), cls: 'rbc', score: 0.7, gram: 'n/a', morphotype: 'rbc' },
    ],
  };

  it('counts confusions, misses in the background column and spurious boxes in the background row', () => {
    const { labels, matrix } = confusionMatrix([image], ['a', 'b', 'rbc'], { scoreThreshold: 0.25 });
    expect(labels).toEqual(['a', 'b', 'rbc', 'background']);
    expect(matrix).toEqual([
      [0, 1, 0, 0],
      [0, 1, 0, 1],
      [0, 0, 1, 0],
      [1, 0, 0, 0],
    ]);
  });

  it('measures Gram and morphotype agreement on matched organisms only', () => {
    const agreement = attributeAgreement([image], { scoreThreshold: 0.25 });
    expect(agreement.gram).toEqual({ compared: 2, correct: 1, accuracy: 0.5 });
    expect(agreement.morphotype).toEqual({ compared: 2, correct: 1, accuracy: 0.5 });
    const all = attributeAgreement([image], { scoreThreshold: 0 });
    expect(all.morphotype).toEqual({ compared: 3, correct: 1, accuracy: 1 / 3 });
  });
});
