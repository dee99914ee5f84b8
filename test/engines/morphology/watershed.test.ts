import { describe, expect, it } from 'vitest';
import { distanceTransform, splitObject } from '../../../src/engines/morphology/watershed.js';

/** Reference: squared distance from each object pixel to the nearest background pixel, by search. */
function bruteDistance(mask: Uint8Array, w: number, h: number): Float64Array {
  const out = new Float64Array(w * h);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      if (!mask[y * w + x]) continue;
      let best = Infinity;
      for (let yy = 0; yy < h; yy++)
        for (let xx = 0; xx < w; xx++)
          if (!mask[yy * w + xx]) best = Math.min(best, (x - xx) ** 2 + (y - yy) ** 2);
      out[y * w + x] = best;
    }
  return out;
}

describe('distanceTransform', () => {
  it('equals the brute-force squared distance on random masks of every density', () => {
    let seed = 7;
    const rand = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
    for (let t = 0; t < 60; t++) {
      const w = 3 + Math.floor(rand() * 30);
      const h = 3 + Math.floor(rand() * 30);
      const density = 0.2 + 0.75 * rand();
      const mask = new Uint8Array(w * h);
      for (let i = 0; i < mask.length; i++) mask[i] = rand() < density ? 1 : 0;
      // At least one background pixel, so every distance is finite.
      mask[0] = 0;
      const got = distanceTransform(mask, w, h);
      const want = bruteDistance(mask, w, h);
      for (let i = 0; i < mask.length; i++) expect(got[i], `mask ${t}, pixel ${i}`).toBeCloseTo(want[i], 4);
    }
  });

  it('peaks at the middle of a disc, at its radius', () => {
    const w = 41;
    const mask = new Uint8Array(w * w);
    for (let y = 0; y < w; y++)
      for (let x = 0; x < w; x++) mask[y * w + x] = (x - 20) ** 2 + (y - 20) ** 2 <= 15 ** 2 ? 1 : 0;
    const d = distanceTransform(mask, w, w);
    expect(Math.sqrt(d[20 * w + 20])).toBeCloseTo(15.03, 2);
    expect(d[0]).toBe(0);
  });
});

describe('splitObject', () => {
  it('cuts two touching discs at their neck and keeps a rod whole', () => {
    const width = 80;
    const pixels = (inside: (x: number, y: number) => boolean): Int32Array => {
      const out: number[] = [];
      for (let y = 0; y < 40; y++) for (let x = 0; x < width; x++) if (inside(x, y)) out.push(y * width + x);
      return Int32Array.from(out);
    };
    const pair = pixels((x, y) => (x - 20) ** 2 + (y - 20) ** 2 <= 81 || (x - 36) ** 2 + (y - 20) ** 2 <= 81);
    expect(splitObject(pair, width, 11, 11, 45, 29).count).toBe(2);
    const rod = pixels((x, y) => x >= 10 && x <= 60 && y >= 16 && y <= 24);
    expect(splitObject(rod, width, 10, 16, 60, 24).count).toBe(1);
  });
});
