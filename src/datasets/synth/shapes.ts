/**
 * Signed-distance shapes in pixel coordinates. Every shape knows its exact bounding box, which is
 * what makes the synthetic ground truth exact: a box is computed from the geometry, not guessed from
 * pixels. Distances are negative inside; the painter turns them into anti-aliased coverage.
 */
import type { Box } from '../../domain/geometry.js';

export type Shape =
  | { readonly kind: 'disc'; readonly cx: number; readonly cy: number; readonly r: number }
  | {
      readonly kind: 'ellipse';
      readonly cx: number;
      readonly cy: number;
      /** Semi-axis along `angle`. */
      readonly a: number;
      /** Semi-axis across `angle`. */
      readonly b: number;
      readonly angle: number;
    }
  | {
      /** Two end discs joined by their common tangents: rods (equal radii), clubs and lancets. */
      readonly kind: 'capsule';
      readonly x1: number;
      readonly y1: number;
      readonly x2: number;
      readonly y2: number;
      readonly r1: number;
      readonly r2: number;
    }
  | {
      /** An oriented rectangle with rounded corners: square-ended (boxcar) rods. */
      readonly kind: 'rounded-box';
      readonly cx: number;
      readonly cy: number;
      /** Half length along `angle`. */
      readonly hl: number;
      /** Half width across `angle`. */
      readonly hw: number;
      readonly corner: number;
      readonly angle: number;
    };

/** Radius in pixels for an object's "size" (used to scale interior shading). */
export function shapeThickness(s: Shape): number {
  switch (s.kind) {
    case 'disc':
      return s.r;
    case 'ellipse':
      return Math.min(s.a, s.b);
    case 'capsule':
      return Math.max(s.r1, s.r2);
    case 'rounded-box':
      return s.hw;
  }
}

/** The exact axis-aligned bounding box of a shape. */
export function shapeBounds(s: Shape): Box {
  switch (s.kind) {
    case 'disc':
      return [s.cx - s.r, s.cy - s.r, s.cx + s.r, s.cy + s.r];
    case 'ellipse': {
      const c = Math.cos(s.angle);
      const n = Math.sin(s.angle);
      const hx = Math.sqrt(s.a * s.a * c * c + s.b * s.b * n * n);
      const hy = Math.sqrt(s.a * s.a * n * n + s.b * s.b * c * c);
      return [s.cx - hx, s.cy - hy, s.cx + hx, s.cy + hy];
    }
    case 'capsule':
      // The tangent hull of two discs never reaches beyond the discs along an axis.
      return [
        Math.min(s.x1 - s.r1, s.x2 - s.r2),
        Math.min(s.y1 - s.r1, s.y2 - s.r2),
        Math.max(s.x1 + s.r1, s.x2 + s.r2),
        Math.max(s.y1 + s.r1, s.y2 + s.r2),
      ];
    case 'rounded-box': {
      const c = Math.abs(Math.cos(s.angle));
      const n = Math.abs(Math.sin(s.angle));
      const il = s.hl - s.corner;
      const iw = s.hw - s.corner;
      const hx = il * c + iw * n + s.corner;
      const hy = il * n + iw * c + s.corner;
      return [s.cx - hx, s.cy - hy, s.cx + hx, s.cy + hy];
    }
  }
}

/**
 * Returns a signed-distance function for the shape, with per-shape constants hoisted out of the
 * per-pixel loop.
 */
export function compileSdf(s: Shape): (x: number, y: number) => number {
  switch (s.kind) {
    case 'disc': {
      const { cx, cy, r } = s;
      return (x, y) => Math.hypot(x - cx, y - cy) - r;
    }
    case 'ellipse': {
      const { cx, cy, a, b } = s;
      const c = Math.cos(s.angle);
      const n = Math.sin(s.angle);
      const ia2 = 1 / (a * a);
      const ib2 = 1 / (b * b);
      const minR = Math.min(a, b);
      // First-order distance f/|∇f|: exact on the boundary, which is all anti-aliasing needs.
      return (x, y) => {
        const dx = x - cx;
        const dy = y - cy;
        const u = dx * c + dy * n;
        const v = -dx * n + dy * c;
        const f = u * u * ia2 + v * v * ib2 - 1;
        const g = 2 * Math.sqrt(u * u * ia2 * ia2 + v * v * ib2 * ib2);
        if (g < 1e-9) return -minR;
        return Math.max(f / g, -minR);
      };
    }
    case 'capsule': {
      // Inigo Quilez's exact "uneven capsule" distance.
      const { x1, y1, r1, r2 } = s;
      const bx = s.x2 - x1;
      const by = s.y2 - y1;
      const h = bx * bx + by * by;
      if (h < 1e-9) {
        const r = Math.max(r1, r2);
        return (x, y) => Math.hypot(x - x1, y - y1) - r;
      }
      const k = r1 - r2;
      const cxv = Math.sqrt(Math.max(h - k * k, 0));
      const cyv = k;
      return (x, y) => {
        const px = x - x1;
        const py = y - y1;
        const qx = Math.abs((px * by - py * bx) / h);
        const qy = (px * bx + py * by) / h;
        const cross = cxv * qy - cyv * qx;
        const m = cxv * qx + cyv * qy;
        const nn = qx * qx + qy * qy;
        if (cross < 0) return Math.sqrt(h * nn) - r1;
        if (cross > cxv) return Math.sqrt(h * (nn + 1 - 2 * qy)) - r2;
        return m - r1;
      };
    }
    case 'rounded-box': {
      const { cx, cy, corner } = s;
      const c = Math.cos(s.angle);
      const n = Math.sin(s.angle);
      const il = s.hl - corner;
      const iw = s.hw - corner;
      return (x, y) => {
        const dx = x - cx;
        const dy = y - cy;
        const u = Math.abs(dx * c + dy * n) - il;
        const v = Math.abs(-dx * n + dy * c) - iw;
        const ou = Math.max(u, 0);
        const ov = Math.max(v, 0);
        return Math.hypot(ou, ov) + Math.min(Math.max(u, v), 0) - corner;
      };
    }
  }
}

/** Union of boxes. */
export function unionBox(boxes: readonly Box[]): Box {
  let x1 = Infinity;
  let y1 = Infinity;
  let x2 = -Infinity;
  let y2 = -Infinity;
  for (const b of boxes) {
    x1 = Math.min(x1, b[0]);
    y1 = Math.min(y1, b[1]);
    x2 = Math.max(x2, b[2]);
    y2 = Math.max(y2, b[3]);
  }
  return [x1, y1, x2, y2];
}
