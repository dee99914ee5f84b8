import { describe, expect, it } from 'vitest';
import { compileSdf, shapeBounds, type Shape } from '../../../src/datasets/synth/shapes.js';
import { createRng } from '../../../src/datasets/synth/prng.js';

/** Extent of the points a fine grid finds inside the shape: an independent estimate of its box. */
function sampledExtent(shape: Shape, step = 0.02): [number, number, number, number] {
  const b = shapeBounds(shape);
  const sdf = compileSdf(shape);
  let x1 = Infinity;
  let y1 = Infinity;
  let x2 = -Infinity;
  let y2 = -Infinity;
  for (let y = b[1] - 2; y <= b[3] + 2; y += step)
    for (let x = b[0] - 2; x <= b[2] + 2; x += step)
      if (sdf(x, y) <= 0) {
        x1 = Math.min(x1, x);
        y1 = Math.min(y1, y);
        x2 = Math.max(x2, x);
        y2 = Math.max(y2, y);
      }
  return [x1, y1, x2, y2];
}

describe('shapes', () => {
  const rng = createRng(11);
  const shapes: Shape[] = [
    { kind: 'disc', cx: 5, cy: 6, r: 3 },
    { kind: 'ellipse', cx: 0, cy: 0, a: 4, b: 2, angle: 0.7 },
    { kind: 'capsule', x1: 0, y1: 0, x2: 6, y2: 3, r1: 1.5, r2: 1.5 },
    { kind: 'capsule', x1: 0, y1: 0, x2: 5, y2: -4, r1: 2, r2: 0.6 },
    { kind: 'rounded-box', cx: 1, cy: 2, hl: 5, hw: 1.2, corner: 0.3, angle: 2.1 },
  ];
  for (let i = 0; i < 5; i++)
    shapes.push({
      kind: 'rounded-box',
      cx: rng.range(-5, 5),
      cy: rng.range(-5, 5),
      hl: rng.range(2, 6),
      hw: rng.range(0.5, 1.5),
      corner: 0.2,
      angle: rng.range(0, 6.3),
    });

  it.each(shapes.map((s) => [s.kind, s] as const))('%s bounds match the sampled extent', (_kind, shape) => {
    const bounds = shapeBounds(shape);
    const sampled = sampledExtent(shape);
    for (let k = 0; k < 4; k++) expect(Math.abs(bounds[k] - sampled[k])).toBeLessThan(0.05);
  });

  it('distances are negative inside, zero on the edge and positive outside', () => {
    const sdf = compileSdf({ kind: 'disc', cx: 0, cy: 0, r: 2 });
    expect(sdf(0, 0)).toBeCloseTo(-2);
    expect(sdf(2, 0)).toBeCloseTo(0);
    expect(sdf(5, 0)).toBeCloseTo(3);
    const cap = compileSdf({ kind: 'capsule', x1: 0, y1: 0, x2: 10, y2: 0, r1: 1, r2: 1 });
    expect(cap(5, 1)).toBeCloseTo(0);
    expect(cap(12, 0)).toBeCloseTo(1);
    expect(cap(5, 0)).toBeCloseTo(-1);
  });
});
