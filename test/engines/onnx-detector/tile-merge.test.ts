import { describe, expect, it } from 'vitest';
import {
  isCutByTile,
  mergeTileDetections,
  type TileDetection,
} from '../../../src/engines/onnx-detector/tile-merge.js';

const d = (
  box: [number, number, number, number],
  score: number,
  tile: number,
  cut: boolean,
  classIndex = 0,
): TileDetection => ({
  box,
  score,
  tile,
  cut,
  classIndex,
});

describe('isCutByTile', () => {
  const tile = { x: 48, y: 0, width: 64, height: 64 };
  it('flags boxes at seams but not at the field border', () => {
    expect(isCutByTile([48, 10, 60, 20], tile, 160, 112)).toBe(true); // left edge is a seam
    expect(isCutByTile([60, 10, 112, 20], tile, 160, 112)).toBe(true); // right edge is a seam
    expect(isCutByTile([60, 0, 70, 10], tile, 160, 112)).toBe(false); // top is the field border
    expect(isCutByTile([60, 50, 70, 64], tile, 160, 112)).toBe(true); // bottom is a seam
    expect(isCutByTile([60, 10, 70, 20], tile, 160, 112)).toBe(false);
  });
});

describe('mergeTileDetections', () => {
  it('joins two cut halves into their union with the best score', () => {
    expect(mergeTileDetections([d([48, 0, 64, 24], 0.8, 0, true), d([40, 0, 56, 24], 0.9, 1, true)])).toEqual(
      [{ box: [40, 0, 64, 24], score: 0.9, classIndex: 0 }],
    );
  });

  it('prefers the whole box over the cut one', () => {
    expect(
      mergeTileDetections([d([48, 0, 64, 24], 0.95, 0, true), d([44, 0, 70, 24], 0.7, 1, false)]),
    ).toEqual([{ box: [44, 0, 70, 24], score: 0.95, classIndex: 0 }]);
  });

  it('fuses whole duplicates from two tiles by IoU', () => {
    expect(
      mergeTileDetections([d([10, 10, 20, 20], 0.6, 0, false), d([10, 11, 20, 21], 0.7, 1, false)]),
    ).toEqual([{ box: [10, 11, 20, 21], score: 0.7, classIndex: 0 }]);
  });

  it('keeps different classes, boxes from the same tile, and touching neighbours apart', () => {
    const out = mergeTileDetections([
      d([48, 0, 64, 24], 0.9, 0, true, 0),
      d([48, 0, 64, 24], 0.8, 1, true, 1), // other class
      d([50, 0, 64, 24], 0.7, 0, true, 0), // same tile as the first
      d([64, 0, 80, 24], 0.6, 1, false, 0), // a neighbour that only touches
    ]);
    expect(out).toHaveLength(4);
  });
});

describe('mergeTileDetections at scale', () => {
  it('merges a dense 8000x6000 field of seam-split objects quickly and exactly', () => {
    // 20,000 objects on a grid; every one is reported whole by tile 0 and cut in half by tile 1.
    const dets: TileDetection[] = [];
    for (let i = 0; i < 20_000; i++) {
      const x = (i % 200) * 40;
      const y = Math.floor(i / 200) * 40;
      dets.push(d([x, y, x + 20, y + 20], 0.9, 0, false), d([x + 10, y, x + 20, y + 20], 0.8, 1, true));
    }
    const t0 = performance.now();
    const out = mergeTileDetections(dets);
    expect(performance.now() - t0).toBeLessThan(5_000);
    expect(out).toHaveLength(20_000);
    expect(out[123]).toEqual({ box: [4920, 0, 4940, 20], score: 0.9, classIndex: 0 });
  });
});
