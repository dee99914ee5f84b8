import { describe, expect, it } from 'vitest';
import {
  placeCrops,
  toProbabilities,
  voteCrops,
} from '../../../src/engines/onnx-crop-classifier/crop-vote.js';

describe('placeCrops', () => {
  it('lays a centred grid of whole crops and thins it evenly', () => {
    expect(placeCrops(310, 200, 100, 'grid', 100, 1)).toEqual([
      { x: 5, y: 0 },
      { x: 105, y: 0 },
      { x: 205, y: 0 },
      { x: 5, y: 100 },
      { x: 105, y: 100 },
      { x: 205, y: 100 },
    ]);
    expect(placeCrops(310, 200, 100, 'grid', 3, 1)).toEqual([
      { x: 5, y: 0 },
      { x: 205, y: 0 },
      { x: 105, y: 100 },
    ]);
    expect(placeCrops(50, 200, 100, 'grid', 10, 1)).toEqual([]);
  });

  it('places seeded random crops inside the field, the same every time', () => {
    const a = placeCrops(300, 200, 100, 'random', 20, 7);
    expect(a).toEqual(placeCrops(300, 200, 100, 'random', 20, 7));
    expect(a.every((p) => p.x >= 0 && p.x <= 200 && p.y >= 0 && p.y <= 100)).toBe(true);
    expect(a).not.toEqual(placeCrops(300, 200, 100, 'random', 20, 8));
  });
});

describe('voteCrops', () => {
  it('counts non-background, confident crops and breaks ties by probability mass', () => {
    const crops = [
      { classIndex: 0, probability: 0.99 },
      { classIndex: 1, probability: 0.6 },
      { classIndex: 2, probability: 0.9 },
      { classIndex: 1, probability: 0.3 },
      { classIndex: 2, probability: 0.5 },
    ];
    expect(voteCrops(crops, 3, 0, 0)).toEqual({ winner: 2, counts: [0, 2, 2], voters: 4 });
    expect(voteCrops(crops, 3, 0, 0.55)).toEqual({ winner: 2, counts: [0, 1, 1], voters: 2 });
    expect(voteCrops([{ classIndex: 0, probability: 1 }], 3, 0, 0)).toEqual({
      winner: null,
      counts: [0, 0, 0],
      voters: 0,
    });
  });
});

describe('toProbabilities', () => {
  it('keeps probabilities and softmaxes logits', () => {
    expect(Array.from(toProbabilities(Float32Array.of(0.25, 0.75)))).toEqual([0.25, 0.75]);
    const p = toProbabilities(Float32Array.of(0, Math.log(3)));
    expect(p[0]).toBeCloseTo(0.25, 6);
    expect(p[1]).toBeCloseTo(0.75, 6);
  });
});
