import { describe, expect, it } from 'vitest';
import { createRaster } from '../../src/domain/raster.js';
import { extractRegion, planTiles, resizeRaster } from '../../src/imaging/transform.js';

describe('planTiles', () => {
  it('covers the field with overlapping tiles, the last shifted back to the edge', () => {
    expect(planTiles(160, 112, 64, 0.25).map((t) => [t.x, t.y])).toEqual([
      [0, 0],
      [48, 0],
      [96, 0],
      [0, 48],
      [48, 48],
      [96, 48],
    ]);
    const tiles = planTiles(8000, 6000, 640, 0.2);
    expect(tiles).toHaveLength(16 * 12);
    expect(tiles.at(-1)).toEqual({ x: 7360, y: 5360, width: 640, height: 640 });
  });

  it('uses one tile when the field is no larger than a tile', () => {
    expect(planTiles(500, 300, 640, 0.2)).toEqual([{ x: 0, y: 0, width: 500, height: 300 }]);
  });
});

describe('extractRegion and resizeRaster', () => {
  const raster = createRaster(
    4,
    2,
    Uint8Array.from({ length: 24 }, (_, i) => i),
  );
  it('copies a region exactly', () => {
    expect(Array.from(extractRegion(raster, { x: 1, y: 1, width: 2, height: 1 }).data)).toEqual([
      15, 16, 17, 18, 19, 20,
    ]);
    expect(() => extractRegion(raster, { x: 3, y: 0, width: 2, height: 1 })).toThrow(RangeError);
  });

  it('resizes a region', async () => {
    const solid = createRaster(8, 8, new Uint8Array(8 * 8 * 3).fill(200));
    const out = await resizeRaster(solid, 2, 2, { region: { x: 4, y: 4, width: 4, height: 4 } });
    expect([out.width, out.height, ...out.data]).toEqual([2, 2, ...new Array(12).fill(200)]);
  });
});
