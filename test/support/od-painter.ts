/**
 * Fields painted in optical-density space, for tests about stain: oval cells of a chosen dye
 * direction and peak density, with a flat interior and a soft (blurred) rim, on even glass.
 */
import type { Vec3 } from '../../src/engines/morphology/stain.js';

interface Rng {
  normal(mean: number, sd: number): number;
}

export interface OdPainter {
  /** Adds an oval cell: centre, half-length `a`, half-width `b`, angle, peak OD, dye direction. */
  readonly stamp: (
    cx: number,
    cy: number,
    a: number,
    b: number,
    angle: number,
    peak: number,
    dye: Vec3,
  ) => void;
  /** The field as 8-bit RGB: the glass colour attenuated by the painted OD, plus sensor noise. */
  readonly toRgb: (noiseSd?: number) => Uint8Array;
}

export function createOdPainter(width: number, height: number, glass: Vec3, rng: Rng): OdPainter {
  const od = new Float32Array(width * height * 3);
  return {
    stamp: (cx, cy, a, b, angle, peak, dye) => {
      const ca = Math.cos(angle);
      const sa = Math.sin(angle);
      const r = Math.ceil(a + 3);
      for (let y = Math.max(0, Math.floor(cy - r)); y <= Math.min(height - 1, cy + r); y++)
        for (let x = Math.max(0, Math.floor(cx - r)); x <= Math.min(width - 1, cx + r); x++) {
          const u = ((x - cx) * ca + (y - cy) * sa) / a;
          const v = (-(x - cx) * sa + (y - cy) * ca) / b;
          const d = Math.sqrt(u * u + v * v);
          // Flat interior, blurred rim: the edge pixels are where hue is noisiest.
          const amount = peak * Math.min(1, Math.max(0, (1.25 - d) / 0.5));
          for (let c = 0; c < 3; c++) od[(y * width + x) * 3 + c] += amount * dye[c];
        }
    },
    toRgb: (noiseSd = 2) => {
      const rgb = new Uint8Array(width * height * 3);
      for (let p = 0; p < width * height; p++)
        for (let c = 0; c < 3; c++) {
          const value = glass[c] * 10 ** -od[p * 3 + c] + rng.normal(0, noiseSd);
          rgb[p * 3 + c] = Math.max(0, Math.min(255, Math.round(value)));
        }
      return rgb;
    },
  };
}
