import { describe, expect, it } from 'vitest';
import { findComponents, findHoles, labelComponents } from '../../../src/engines/morphology/segment.js';

/** Reference: 8-connected flood fill from each unvisited object pixel in raster order. */
function floodComponents(mask: Uint8Array, w: number, h: number): number[][] {
  const seen = new Uint8Array(w * h);
  const out: number[][] = [];
  for (let p = 0; p < w * h; p++) {
    if (!mask[p] || seen[p]) continue;
    const list: number[] = [];
    const stack = [p];
    seen[p] = 1;
    while (stack.length) {
      const q = stack.pop()!;
      list.push(q);
      const qx = q % w;
      const qy = (q / w) | 0;
      for (let dy = -1; dy <= 1; dy++)
        for (let dx = -1; dx <= 1; dx++) {
          const x = qx + dx;
          const y = qy + dy;
          if (x < 0 || y < 0 || x >= w || y >= h) continue;
          const n = y * w + x;
          if (mask[n] && !seen[n]) {
            seen[n] = 1;
            stack.push(n);
          }
        }
    }
    out.push(list.sort((a, b) => a - b));
  }
  return out;
}

function randomMask(w: number, h: number, density: number, seed: number, offset = 0): Uint8Array {
  let s = seed;
  const rand = () => (s = (s * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
  // An offset view exercises masks that do not start on a four-byte boundary.
  const buffer = new Uint8Array(w * h + offset);
  const mask = buffer.subarray(offset);
  for (let i = 0; i < mask.length; i++) mask[i] = rand() < density ? 1 : 0;
  return mask;
}

describe('connected components', () => {
  it.each([
    [37, 23, 0.05, 1, 0],
    [64, 48, 0.3, 2, 0],
    [101, 7, 0.55, 3, 1],
    [256, 192, 0.12, 4, 3],
    [5, 300, 0.4, 5, 2],
  ])('match a flood fill on a %ix%i mask of density %f', (w, h, density, seed, offset) => {
    const mask = randomMask(w, h, density, seed, offset);
    const expected = floodComponents(mask, w, h);
    const labelled = labelComponents(mask, w, h);
    const listed = findComponents(mask, w, h);
    expect(labelled.count).toBe(expected.length);
    expect(listed.count).toBe(expected.length);
    for (let k = 0; k < expected.length; k++) {
      const pixels = Array.from(labelled.pixels.subarray(labelled.offsets[k], labelled.offsets[k + 1]));
      // Components are numbered by their first pixel in raster order, pixels listed in raster order.
      expect(pixels).toEqual(expected[k]);
      expect(Array.from(listed.pixels.subarray(listed.offsets[k], listed.offsets[k + 1]))).toEqual(pixels);
      expect(labelled.area[k]).toBe(pixels.length);
      const xs = pixels.map((p) => p % w);
      const ys = pixels.map((p) => (p / w) | 0);
      expect([labelled.x0[k], labelled.y0[k], labelled.x1[k], labelled.y1[k]]).toEqual([
        Math.min(...xs),
        Math.min(...ys),
        Math.max(...xs),
        Math.max(...ys),
      ]);
      for (const p of pixels) expect(labelled.labels[p]).toBe(k);
    }
    let background = 0;
    for (let p = 0; p < w * h; p++) if (!mask[p]) background += labelled.labels[p] === -1 ? 1 : 0;
    expect(background).toBe(mask.reduce((n, v) => n + (v ? 0 : 1), 0));
  });
});

describe('findHoles', () => {
  it.each([
    [30, 20, 0.6, 11],
    [64, 48, 0.75, 12],
    [9, 40, 0.5, 13],
  ])(
    'lists the background components not reaching the padding ring (%ix%i, density %f)',
    (w, h, density, seed) => {
      const mask = randomMask(w, h, density, seed);
      // The padding ring: the crop's border is background, as for every object crop.
      for (let x = 0; x < w; x++) mask[x] = mask[(h - 1) * w + x] = 0;
      for (let y = 0; y < h; y++) mask[y * w] = mask[y * w + w - 1] = 0;
      const inverse = mask.map((v) => (v ? 0 : 1));
      const expected = floodComponents(inverse, w, h).filter((c) => !c.includes(0));
      const holes = findHoles(mask, w, h);
      expect(holes.count).toBe(expected.length);
      expect(holes.count).toBeGreaterThan(0);
      for (let k = 0; k < holes.count; k++) {
        expect(Array.from(holes.pixels.subarray(holes.offsets[k], holes.offsets[k + 1]))).toEqual(
          expected[k],
        );
        expect(holes.area[k]).toBe(expected[k].length);
      }
      // The mask is read, not changed.
      expect(Array.from(mask)).toEqual(Array.from(inverse, (v) => 1 - v));
    },
  );
});
