/**
 * Things on a real blood-culture smear that are not organisms and carry no label: white-cell nuclei
 * with their cytoplasm, crystal-violet precipitate (specks that mimic cocci) and fibrin or protein
 * strands. They are what makes a detector earn its precision.
 */
import type { DraftPaint } from './organisms.js';
import type { Rng } from './prng.js';

export type ClutterKind = 'white-cell' | 'precipitate' | 'fibrin';

export interface DraftClutter {
  readonly kind: ClutterKind;
  readonly paints: DraftPaint[];
}

/** A neutrophil: pale cytoplasm around a nucleus of 2–4 lobes joined by thin strands. */
export function makeWhiteCell(rng: Rng): DraftClutter {
  const r = rng.range(5, 6.5);
  const paints: DraftPaint[] = [
    {
      shape: { kind: 'ellipse', cx: 0, cy: 0, a: r, b: r * rng.range(0.88, 1), angle: rng.range(0, Math.PI) },
      role: 'cytoplasm',
      density: rng.range(0.7, 1.3),
      profile: 'flat',
    },
  ];
  const lymphocyte = rng.chance(0.25);
  if (lymphocyte) {
    const nr = r * rng.range(0.65, 0.8);
    paints.push({
      shape: {
        kind: 'ellipse',
        cx: rng.normal(0, 0.3),
        cy: rng.normal(0, 0.3),
        a: nr,
        b: nr * 0.92,
        angle: 0,
      },
      role: 'nucleus',
      density: 1,
      profile: 'dome',
    });
    return { kind: 'white-cell', paints };
  }
  const lobes = rng.int(2, 4);
  let angle = rng.range(0, 2 * Math.PI);
  const ring = r * 0.45;
  let prev: [number, number] | null = null;
  for (let i = 0; i < lobes; i++) {
    const x = Math.cos(angle) * ring;
    const y = Math.sin(angle) * ring;
    const a = rng.range(1.3, 1.9);
    paints.push({
      shape: {
        kind: 'ellipse',
        cx: x,
        cy: y,
        a,
        b: a * rng.range(0.6, 0.85),
        angle: angle + Math.PI / 2 + rng.normal(0, 0.3),
      },
      role: 'nucleus',
      density: rng.range(0.85, 1.1),
      profile: 'dome',
    });
    if (prev) {
      paints.push({
        shape: { kind: 'capsule', x1: prev[0], y1: prev[1], x2: x, y2: y, r1: 0.25, r2: 0.25 },
        role: 'nucleus',
        density: 0.8,
        profile: 'flat',
      });
    }
    prev = [x, y];
    angle += rng.range(1.1, 1.8);
  }
  return { kind: 'white-cell', paints };
}

/** A speck of crystal-violet precipitate: small, angular, very dark. */
export function makePrecipitate(rng: Rng): DraftClutter {
  const size = rng.range(0.25, 1.6);
  const angular = rng.chance(0.6);
  return {
    kind: 'precipitate',
    paints: [
      {
        shape: angular
          ? {
              kind: 'rounded-box',
              cx: 0,
              cy: 0,
              hl: size / 2,
              hw: (size / 2) * rng.range(0.4, 1),
              corner: size * 0.08,
              angle: rng.range(0, Math.PI),
            }
          : { kind: 'disc', cx: 0, cy: 0, r: size / 2 },
        role: 'precipitate',
        density: rng.range(0.6, 1.2),
        profile: 'flat',
      },
    ],
  };
}

/** A wandering pink strand of fibrin or protein. */
export function makeFibrin(rng: Rng): DraftClutter {
  const segments = rng.int(4, 14);
  let angle = rng.range(0, 2 * Math.PI);
  let x = 0;
  let y = 0;
  const paints: DraftPaint[] = [];
  const width = rng.range(0.3, 1.2);
  for (let i = 0; i < segments; i++) {
    const length = rng.range(2, 6);
    const nx = x + Math.cos(angle) * length;
    const ny = y + Math.sin(angle) * length;
    const r = (width / 2) * rng.range(0.7, 1.3);
    paints.push({
      shape: { kind: 'capsule', x1: x, y1: y, x2: nx, y2: ny, r1: r, r2: r },
      role: 'protein',
      density: rng.range(0.6, 1.6),
      profile: 'flat',
    });
    x = nx;
    y = ny;
    angle += rng.normal(0, 0.5);
  }
  return { kind: 'fibrin', paints };
}
