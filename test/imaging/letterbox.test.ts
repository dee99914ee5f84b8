import { describe, expect, it } from 'vitest';
import {
  computeLetterbox,
  packLetterboxed,
  roundHalfEven,
  unletterboxBox,
} from '../../src/imaging/letterbox.js';

const square = { width: 640, height: 640, rectangular: false, stride: 32 };
const rect = { ...square, rectangular: true };

describe('computeLetterbox', () => {
  it('runs a 4:3 field at 640x480 on dynamic models and pads it to 640x640 on fixed ones', () => {
    expect(computeLetterbox(2048, 1536, rect)).toMatchObject({
      resizedWidth: 640,
      resizedHeight: 480,
      padLeft: 0,
      padTop: 0,
      width: 640,
      height: 480,
    });
    expect(computeLetterbox(2048, 1536, square)).toMatchObject({
      resizedWidth: 640,
      resizedHeight: 480,
      padLeft: 0,
      padTop: 80,
      width: 640,
      height: 640,
    });
  });

  it('pads only to the stride for odd sizes, splitting the padding as Ultralytics does', () => {
    // 1000x700 → 640x448 exactly (448 = 14 x 32): no padding.
    expect(computeLetterbox(1000, 700, rect)).toMatchObject({ resizedHeight: 448, height: 448, padTop: 0 });
    // 1000x650 → 640x416 (r 0.64): 416 is a multiple of 32.
    expect(computeLetterbox(1000, 650, rect)).toMatchObject({ resizedHeight: 416, height: 416 });
    // 1000x660 → 640x422: pad 26 to 448 → 13 top, 13 bottom.
    expect(computeLetterbox(1000, 660, rect)).toMatchObject({ resizedHeight: 422, height: 448, padTop: 13 });
    // An odd pad of 7 goes 3 top, 4 bottom.
    expect(computeLetterbox(640, 473, rect)).toMatchObject({ resizedHeight: 473, height: 480, padTop: 3 });
  });

  it('enlarges small fields unless told not to', () => {
    expect(computeLetterbox(320, 240, rect)).toMatchObject({ resizedWidth: 640, resizedHeight: 480 });
    expect(computeLetterbox(320, 240, { ...square, scaleUp: false })).toMatchObject({
      resizedWidth: 320,
      padLeft: 160,
      padTop: 200,
    });
  });

  it('maps boxes back to source pixels', () => {
    const lb = computeLetterbox(2048, 1536, square);
    expect(unletterboxBox(lb, 0, 80, 640, 560)).toEqual([0, 0, 2048, 1536]);
  });

  it('rounds halves to even like Python', () => {
    expect([0.5, 1.5, 2.5, -0.5, 2.4, 2.6].map(roundHalfEven)).toEqual([0, 2, 2, -0, 2, 3]);
  });
});

describe('packLetterboxed', () => {
  const rgb = Uint8Array.from([255, 0, 51, 0, 255, 102]); // two pixels
  const lb = computeLetterbox(2, 1, { width: 2, height: 3, rectangular: false, stride: 1, scaleUp: false });

  it('writes planar channels scaled to 0..1 with grey padding', () => {
    const t = packLetterboxed(rgb, lb);
    const g = 114 / 255;
    expect(Array.from(t)).toEqual(
      [g, g, 1, 0, g, g, g, g, 0, 1, g, g, g, g, 0.2, 0.4, g, g].map((v) => Math.fround(v)),
    );
  });

  it('swaps channels, normalises, and writes interleaved NHWC on request', () => {
    const tight = computeLetterbox(2, 1, { width: 2, height: 1, rectangular: false, stride: 1 });
    const t = packLetterboxed(rgb, tight, {
      channelOrder: 'bgr',
      tensorLayout: 'nhwc',
      mean: [0.5, 0.5, 0.5],
      std: [0.5, 0.5, 0.5],
    });
    expect(Array.from(t).map((v) => Number(v.toFixed(4)))).toEqual([-0.6, -1, 1, -0.2, 1, -1]);
  });
});
