/**
 * What each label looks like under the microscope, as group generators in micrometres. A group is
 * what lies together on the slide (a cluster, a chain, a pair, a palisade, a budding yeast); each
 * organism in it becomes its own ground-truth object. Sizes follow TAXONOMY.md.
 */
import type { Gram, LabelKey, MorphotypeKey } from '../../domain/taxonomy.js';
import { LABELS } from '../../domain/taxonomy.js';
import type { Rng } from './prng.js';
import type { Shape } from './shapes.js';
import type { Profile } from './stain-canvas.js';

/** How an organism lies relative to its neighbours on the slide. */
export type SynthArrangement =
  'single' | 'pair' | 'tetrad' | 'cluster' | 'chain' | 'palisade' | 'budding' | 'pseudohypha';

export const SYNTH_ARRANGEMENTS: readonly SynthArrangement[] = [
  'single',
  'pair',
  'tetrad',
  'cluster',
  'chain',
  'palisade',
  'budding',
  'pseudohypha',
];

/** A primitive in micrometres, before placement; `stainRole` is resolved against the site's stain. */
export interface DraftPaint {
  readonly shape: Shape;
  readonly role: StainRole;
  /** Multiplier on the role's base density. */
  readonly density: number;
  readonly profile: Profile;
  readonly pallor?: number;
  /**
   * Detail inside or around the organism (polar granules, beads, a capsule halo, a spore): drawn,
   * but not part of the organism's ground-truth box.
   */
  readonly detail?: boolean;
}

/** Which stain a primitive takes up; the site turns roles into stain mixes and densities. */
export type StainRole =
  'gram-positive' | 'gram-negative' | 'red-cell' | 'nucleus' | 'cytoplasm' | 'precipitate' | 'protein';

export interface DraftObject {
  readonly paints: DraftPaint[];
  readonly arrangement: SynthArrangement;
  /** Longest and shortest extent in µm, for reports. */
  readonly lengthUm: number;
  readonly widthUm: number;
}

export interface DraftGroup {
  readonly objects: DraftObject[];
}

export interface Species {
  readonly label: LabelKey;
  readonly morphotype: MorphotypeKey;
  readonly gram: Gram;
  /** Typical number of groups per 1000 µm² of field at abundance 1. */
  readonly groupsPer1000Um2: number;
  /** Makes one group centred near (0, 0), in µm. */
  makeGroup(rng: Rng): DraftGroup;
}

// ---- primitive builders (µm) ------------------------------------------------------------------

const ellipse = (cx: number, cy: number, a: number, b: number, angle: number): Shape => ({
  kind: 'ellipse',
  cx,
  cy,
  a,
  b,
  angle,
});

const capsuleAt = (cx: number, cy: number, length: number, r1: number, r2: number, angle: number): Shape => {
  // `length` is the overall extent along the axis, end to end.
  const core = Math.max(length - r1 - r2, 0.01);
  const c = Math.cos(angle);
  const s = Math.sin(angle);
  // Place so that the overall extent is centred at (cx, cy).
  const start = -length / 2 + r1;
  return {
    kind: 'capsule',
    x1: cx + c * start,
    y1: cy + s * start,
    x2: cx + c * (start + core),
    y2: cy + s * (start + core),
    r1,
    r2,
  };
};

const boxRod = (cx: number, cy: number, length: number, width: number, angle: number): Shape => ({
  kind: 'rounded-box',
  cx,
  cy,
  hl: length / 2,
  hw: width / 2,
  corner: Math.min(width * 0.18, 0.25),
  angle,
});

const organism = (
  role: StainRole,
  shape: Shape,
  arrangement: SynthArrangement,
  lengthUm: number,
  widthUm: number,
  density = 1,
  extra: DraftPaint[] = [],
): DraftObject => ({
  paints: [{ shape, role, density, profile: 'dome' }, ...extra],
  arrangement,
  lengthUm,
  widthUm,
});

const arrangementFor = (n: number, many: SynthArrangement): SynthArrangement =>
  n === 1 ? 'single' : n === 2 ? 'pair' : many;

// ---- cocci ----------------------------------------------------------------------------------

/** Grape-like aggregates grown by touching placement (staphylococci). */
function makeCluster(rng: Rng, diameter: [number, number], role: StainRole): DraftGroup {
  const n = rng.pickWeighted([1, 2, 4, rng.int(3, 9), rng.int(8, 30)], [0.14, 0.14, 0.08, 0.34, 0.3]);
  const d = rng.range(diameter[0], diameter[1]);
  const centres: [number, number][] = [[0, 0]];
  let guard = 0;
  while (centres.length < n && guard++ < n * 40) {
    const [bx, by] = rng.pick(centres);
    const t = rng.range(0, 2 * Math.PI);
    const dist = d * rng.range(0.88, 1.0);
    const x = bx + Math.cos(t) * dist;
    const y = by + Math.sin(t) * dist;
    if (centres.every(([px, py]) => Math.hypot(px - x, py - y) >= d * 0.86)) centres.push([x, y]);
  }
  if (n === 4 && centres.length === 4 && rng.chance(0.5)) {
    // A tetrad: a neat square of four.
    const s = d * 0.47;
    centres.splice(0, 4, [-s, -s], [s, -s], [-s, s], [s, s]);
  }
  const arrangement: SynthArrangement =
    centres.length === 4 && n === 4 ? 'tetrad' : arrangementFor(centres.length, 'cluster');
  return {
    objects: centres.map(([x, y]) => {
      const di = d * rng.range(0.92, 1.08);
      return organism(
        role,
        ellipse(x, y, di / 2, (di / 2) * rng.range(0.92, 1), rng.range(0, Math.PI)),
        arrangement,
        di,
        di,
      );
    }),
  };
}

/** Cocci along a gently wandering line, often visibly paired within the chain (streptococci). */
function makeChain(
  rng: Rng,
  n: number,
  diameter: [number, number],
  role: StainRole,
  elongation = 1.12,
): DraftGroup {
  const d = rng.range(diameter[0], diameter[1]);
  const a = (d / 2) * elongation;
  const b = d / 2 / elongation;
  let angle = rng.range(0, 2 * Math.PI);
  let x = 0;
  let y = 0;
  const objects: DraftObject[] = [];
  const arrangement = arrangementFor(n, 'chain');
  for (let i = 0; i < n; i++) {
    objects.push(organism(role, ellipse(x, y, a, b, angle + rng.normal(0, 0.08)), arrangement, 2 * a, 2 * b));
    // Dividing pairs sit closer than the gap between pairs.
    const gap = i % 2 === 0 ? 2 * a * 0.94 : 2 * a * rng.range(1.0, 1.12);
    angle += rng.normal(0, 0.22);
    x += Math.cos(angle) * gap;
    y += Math.sin(angle) * gap;
  }
  return centreGroup({ objects });
}

/** Lancet-shaped diplococci: two teardrops with their broad ends facing (pneumococci). */
function makeLancetPair(rng: Rng): DraftGroup {
  const pairs = rng.chance(0.2) ? 2 : 1;
  const objects: DraftObject[] = [];
  let angle = rng.range(0, 2 * Math.PI);
  let ox = 0;
  let oy = 0;
  for (let p = 0; p < pairs; p++) {
    const length = rng.range(1.0, 1.3);
    const broad = rng.range(0.3, 0.38);
    const tip = broad * rng.range(0.3, 0.45);
    const gap = rng.range(0.04, 0.12);
    // The polysaccharide capsule shows as a clear halo against a proteinaceous background.
    const halo: DraftPaint = {
      shape: ellipse(ox, oy, gap / 2 + length + 0.35, broad + 0.35, angle),
      role: 'protein',
      density: rng.range(0.7, 1),
      profile: 'halo',
      detail: true,
    };
    for (const side of [-1, 1]) {
      const c = Math.cos(angle) * side;
      const s = Math.sin(angle) * side;
      const x1 = ox + c * (gap / 2 + broad);
      const y1 = oy + s * (gap / 2 + broad);
      const x2 = ox + c * (gap / 2 + length - tip);
      const y2 = oy + s * (gap / 2 + length - tip);
      objects.push({
        paints: [
          {
            shape: { kind: 'capsule', x1, y1, x2, y2, r1: broad, r2: tip },
            role: 'gram-positive',
            density: 1,
            profile: 'dome',
          },
          ...(side === -1 ? [halo] : []),
        ],
        arrangement: pairs > 1 ? 'chain' : 'pair',
        lengthUm: length,
        widthUm: 2 * broad,
      });
    }
    ox += Math.cos(angle) * (2 * length + 0.25);
    oy += Math.sin(angle) * (2 * length + 0.25);
    angle += rng.normal(0, 0.3);
  }
  return centreGroup({ objects });
}

/** Coffee-bean diplococci with flattened facing sides (Neisseria-like Gram-negative cocci). */
function makeBeanPair(rng: Rng): DraftGroup {
  const single = rng.chance(0.15);
  const angle = rng.range(0, 2 * Math.PI);
  const across = rng.range(0.38, 0.5);
  const along = across * rng.range(0.62, 0.78);
  const gap = rng.range(0.08, 0.18);
  const c = Math.cos(angle);
  const s = Math.sin(angle);
  const sides = single ? [0] : [-1, 1];
  return {
    objects: sides.map((side) =>
      organism(
        'gram-negative',
        ellipse(side * c * (along + gap / 2), side * s * (along + gap / 2), along, across, angle),
        single ? 'single' : 'pair',
        2 * across,
        2 * along,
      ),
    ),
  };
}

// ---- rods -----------------------------------------------------------------------------------

interface RodSpec {
  readonly width: [number, number];
  readonly length: [number, number];
  /** Weights for 1, 2, 3… rods end to end. */
  readonly chainWeights: readonly number[];
  readonly role: StainRole;
  readonly density?: number;
  /** Pole-to-pole bend between rods in a chain, radians (sd). */
  readonly bend?: number;
  /** Chance that a rod shows bipolar staining (denser poles, as Enterobacterales often do). */
  readonly bipolar?: number;
}

/** Two denser granules just inside the poles of a rod. */
function polarGranules(
  role: StainRole,
  cx: number,
  cy: number,
  length: number,
  width: number,
  angle: number,
  density: number,
): DraftPaint[] {
  const off = length / 2 - width * 0.48;
  const r = width * 0.36;
  return [-1, 1].map((side) => ({
    shape: {
      kind: 'disc' as const,
      cx: cx + Math.cos(angle) * off * side,
      cy: cy + Math.sin(angle) * off * side,
      r,
    },
    role,
    density,
    profile: 'dome' as const,
    detail: true,
  }));
}

function makeRodChain(rng: Rng, spec: RodSpec): DraftGroup {
  const counts = spec.chainWeights.map((_, i) => i + 1);
  const n = rng.pickWeighted(counts, spec.chainWeights);
  const width = rng.range(spec.width[0], spec.width[1]);
  let angle = rng.range(0, 2 * Math.PI);
  let x = 0;
  let y = 0;
  const objects: DraftObject[] = [];
  const arrangement = arrangementFor(n, 'chain');
  for (let i = 0; i < n; i++) {
    const length = rng.range(spec.length[0], spec.length[1]);
    const w = width * rng.range(0.92, 1.06);
    const cx = x + (Math.cos(angle) * length) / 2;
    const cy = y + (Math.sin(angle) * length) / 2;
    const extra = rng.chance(spec.bipolar ?? 0)
      ? polarGranules(spec.role, cx, cy, length, w, angle, rng.range(0.25, 0.45))
      : [];
    objects.push(
      organism(
        spec.role,
        capsuleAt(cx, cy, length, w / 2, w / 2, angle),
        arrangement,
        length,
        w,
        spec.density ?? 1,
        extra,
      ),
    );
    x += Math.cos(angle) * (length + rng.range(0.05, 0.15));
    y += Math.sin(angle) * (length + rng.range(0.05, 0.15));
    angle += rng.normal(0, spec.bend ?? 0.15);
  }
  return centreGroup({ objects });
}

/** Large square-ended rods end to end, some with an unstained central spore (Bacillus). */
function makeBoxcarChain(rng: Rng): DraftGroup {
  const n = rng.pickWeighted([1, 2, 3, 4, 5, 6], [0.22, 0.24, 0.2, 0.14, 0.12, 0.08]);
  const width = rng.range(1.0, 1.4);
  let angle = rng.range(0, 2 * Math.PI);
  let x = 0;
  let y = 0;
  const objects: DraftObject[] = [];
  const arrangement = arrangementFor(n, 'chain');
  const spores = rng.chance(0.3);
  for (let i = 0; i < n; i++) {
    const length = rng.range(3, 6.5);
    const cx = x + (Math.cos(angle) * length) / 2;
    const cy = y + (Math.sin(angle) * length) / 2;
    const extra: DraftPaint[] =
      spores && rng.chance(0.6)
        ? [
            {
              shape: ellipse(cx, cy, width * 0.45, width * 0.3, angle),
              role: 'gram-positive',
              density: 0.85,
              profile: 'hole',
              detail: true,
            },
          ]
        : [];
    objects.push(
      organism('gram-positive', boxRod(cx, cy, length, width, angle), arrangement, length, width, 1, extra),
    );
    x += Math.cos(angle) * (length + rng.range(0.04, 0.12));
    y += Math.sin(angle) * (length + rng.range(0.04, 0.12));
    angle += rng.normal(0, 0.06);
  }
  return centreGroup({ objects });
}

/** Club-shaped rods side by side (palisades) or at angles ("Chinese letters"): Corynebacterium. */
function makePalisade(rng: Rng): DraftGroup {
  const mode = rng.pickWeighted(['single', 'v', 'palisade'] as const, [0.25, 0.3, 0.45]);
  const base = rng.range(0, 2 * Math.PI);
  const objects: DraftObject[] = [];
  const club = (cx: number, cy: number, angle: number, arrangement: SynthArrangement): DraftObject => {
    const length = rng.range(1.5, 3);
    const thick = rng.range(0.27, 0.34);
    const thin = thick * rng.range(0.55, 0.75);
    const axis = angle + (rng.chance(0.5) ? 0 : Math.PI);
    // Metachromatic granules: beaded staining along the rod.
    const beads: DraftPaint[] = rng.chance(0.5)
      ? [-0.28, 0, 0.28].map((t) => ({
          shape: {
            kind: 'disc' as const,
            cx: cx + Math.cos(axis) * t * length,
            cy: cy + Math.sin(axis) * t * length,
            r: thin * 0.85,
          },
          role: 'gram-positive' as const,
          density: rng.range(0.25, 0.45),
          profile: 'dome' as const,
          detail: true,
        }))
      : [];
    return organism(
      'gram-positive',
      capsuleAt(cx, cy, length, thick, thin, axis),
      arrangement,
      length,
      2 * thick,
      1,
      beads,
    );
  };
  if (mode === 'single') objects.push(club(0, 0, base, 'single'));
  else if (mode === 'v') {
    const spread = rng.range(0.5, 1.3);
    // Two rods meeting at one end, as after snapping division.
    for (const side of [-0.5, 0.5]) {
      const a = base + side * spread;
      objects.push(club(Math.cos(a) * 1.1, Math.sin(a) * 1.1, a, 'pair'));
    }
  } else {
    const n = rng.int(3, 7);
    const across = base + Math.PI / 2;
    for (let i = 0; i < n; i++) {
      const off = (i - (n - 1) / 2) * rng.range(0.62, 0.8);
      const shift = rng.normal(0, 0.3);
      objects.push(
        club(
          Math.cos(across) * off + Math.cos(base) * shift,
          Math.sin(across) * off + Math.sin(base) * shift,
          base + rng.normal(0, 0.12),
          'palisade',
        ),
      );
    }
  }
  return centreGroup({ objects });
}

/** Short rods, singly, in pairs or V shapes (Listeria). */
function makeShortRods(rng: Rng): DraftGroup {
  const n = rng.pickWeighted([1, 2], [0.6, 0.4]);
  const angle = rng.range(0, 2 * Math.PI);
  const width = rng.range(0.45, 0.6);
  if (n === 1) {
    const length = rng.range(1, 2);
    return {
      objects: [
        organism(
          'gram-positive',
          capsuleAt(0, 0, length, width / 2, width / 2, angle),
          'single',
          length,
          width,
        ),
      ],
    };
  }
  const spread = rng.chance(0.5) ? rng.range(0.3, 0.9) : 0;
  const objects: DraftObject[] = [];
  for (const side of [-1, 1]) {
    const length = rng.range(1, 2);
    const a = angle + (side * spread) / 2;
    const off = side * (length / 2 + 0.06);
    objects.push(
      organism(
        'gram-positive',
        capsuleAt(Math.cos(a) * off, Math.sin(a) * off, length, width / 2, width / 2, a),
        'pair',
        length,
        width,
      ),
    );
  }
  return { objects };
}

// ---- yeast ------------------------------------------------------------------------------------

/** Oval yeast cells, some budding, some forming pseudohyphae (Candida). */
function makeYeast(rng: Rng): DraftGroup {
  const mode = rng.pickWeighted(['cell', 'budding', 'pseudohypha'] as const, [0.45, 0.4, 0.15]);
  const angle = rng.range(0, 2 * Math.PI);
  if (mode !== 'pseudohypha') {
    const a = rng.range(1.6, 2.9);
    const b = a * rng.range(0.72, 0.9);
    const paints: DraftPaint[] = [
      { shape: ellipse(0, 0, a, b, angle), role: 'gram-positive', density: 1, profile: 'dome' },
    ];
    let length = 2 * a;
    if (mode === 'budding') {
      const ra = a * rng.range(0.35, 0.6);
      const rb = ra * rng.range(0.8, 0.95);
      const dist = a + ra * 0.75;
      paints.push({
        shape: ellipse(Math.cos(angle) * dist, Math.sin(angle) * dist, ra, rb, angle),
        role: 'gram-positive',
        density: 0.95,
        profile: 'dome',
      });
      length = a + dist + ra;
    }
    return {
      objects: [
        { paints, arrangement: mode === 'budding' ? 'budding' : 'single', lengthUm: length, widthUm: 2 * b },
      ],
    };
  }
  const n = rng.int(2, 5);
  const width = rng.range(1.8, 2.6);
  let dir = angle;
  let x = 0;
  let y = 0;
  const objects: DraftObject[] = [];
  for (let i = 0; i < n; i++) {
    const length = rng.range(4, 8);
    const cx = x + (Math.cos(dir) * length) / 2;
    const cy = y + (Math.sin(dir) * length) / 2;
    objects.push(
      organism(
        'gram-positive',
        capsuleAt(cx, cy, length, width / 2, (width / 2) * 0.92, dir),
        'pseudohypha',
        length,
        width,
      ),
    );
    // A constriction at each septum: the next segment starts just past this one's end.
    x += Math.cos(dir) * (length - 0.2);
    y += Math.sin(dir) * (length - 0.2);
    dir += rng.normal(0, 0.2);
  }
  return centreGroup({ objects });
}

// ---- host cells -------------------------------------------------------------------------------

/** A red cell: a biconcave disc with a pale centre; sometimes crenated or partly lysed (ghost). */
function makeRedCell(rng: Rng): DraftGroup {
  const d = rng.normal(7.5, 0.45);
  const r = Math.max(d, 6) / 2;
  const ghost = rng.chance(0.12);
  const shape = ellipse(0, 0, r, r * rng.range(0.93, 1), rng.range(0, Math.PI));
  return {
    objects: [
      {
        paints: [
          ghost
            ? { shape, role: 'red-cell', density: 0.6, profile: 'rim' }
            : {
                shape,
                role: 'red-cell',
                density: rng.range(0.85, 1.15),
                profile: 'pallor',
                pallor: rng.range(0.35, 0.7),
              },
        ],
        arrangement: 'single',
        lengthUm: 2 * r,
        widthUm: 2 * r,
      },
    ],
  };
}

function centreGroup(group: DraftGroup): DraftGroup {
  // Recentre so a group's placement margin is symmetric.
  let sx = 0;
  let sy = 0;
  let n = 0;
  for (const o of group.objects)
    for (const p of o.paints) {
      const c = shapeCentre(p.shape);
      sx += c[0];
      sy += c[1];
      n++;
    }
  if (n === 0) return group;
  return {
    objects: group.objects.map((o) => ({
      ...o,
      paints: o.paints.map((p) => ({ ...p, shape: transformShape(p.shape, 0, 1, -sx / n, -sy / n) })),
    })),
  };
}

function shapeCentre(s: Shape): [number, number] {
  switch (s.kind) {
    case 'disc':
    case 'ellipse':
    case 'rounded-box':
      return [s.cx, s.cy];
    case 'capsule':
      return [(s.x1 + s.x2) / 2, (s.y1 + s.y2) / 2];
  }
}

/** Rotates by `angle` about the origin, scales by `scale`, then translates. */
export function transformShape(s: Shape, angle: number, scale: number, tx: number, ty: number): Shape {
  const c = Math.cos(angle);
  const n = Math.sin(angle);
  const pt = (x: number, y: number): [number, number] => [
    (x * c - y * n) * scale + tx,
    (x * n + y * c) * scale + ty,
  ];
  switch (s.kind) {
    case 'disc': {
      const [cx, cy] = pt(s.cx, s.cy);
      return { kind: 'disc', cx, cy, r: s.r * scale };
    }
    case 'ellipse': {
      const [cx, cy] = pt(s.cx, s.cy);
      return { kind: 'ellipse', cx, cy, a: s.a * scale, b: s.b * scale, angle: s.angle + angle };
    }
    case 'capsule': {
      const [x1, y1] = pt(s.x1, s.y1);
      const [x2, y2] = pt(s.x2, s.y2);
      return { kind: 'capsule', x1, y1, x2, y2, r1: s.r1 * scale, r2: s.r2 * scale };
    }
    case 'rounded-box': {
      const [cx, cy] = pt(s.cx, s.cy);
      return {
        kind: 'rounded-box',
        cx,
        cy,
        hl: s.hl * scale,
        hw: s.hw * scale,
        corner: s.corner * scale,
        angle: s.angle + angle,
      };
    }
  }
}

// ---- the catalogue ----------------------------------------------------------------------------

const species = (
  label: LabelKey,
  groupsPer1000Um2: number,
  makeGroup: (rng: Rng) => DraftGroup,
): Species => ({
  label,
  morphotype: LABELS[label].morphotype,
  gram: LABELS[label].gram,
  groupsPer1000Um2,
  makeGroup,
});

const GNR_PLUMP: RodSpec = {
  width: [0.7, 1.0],
  length: [2, 3],
  chainWeights: [0.85, 0.15],
  role: 'gram-negative',
  bipolar: 0.35,
};
const GNR_SLENDER: RodSpec = {
  width: [0.45, 0.6],
  length: [1.5, 3],
  chainWeights: [0.8, 0.2],
  role: 'gram-negative',
  bend: 0.25,
};

/** Every label's appearance. `rbc` is host material but has ground truth like any label. */
export const SPECIES: Readonly<Record<LabelKey, Species>> = {
  enterobacterales: species('enterobacterales', 5, (rng) => makeRodChain(rng, GNR_PLUMP)),
  p_aeruginosa: species('p_aeruginosa', 5, (rng) => makeRodChain(rng, GNR_SLENDER)),
  pseudomonas: species('pseudomonas', 5, (rng) => makeRodChain(rng, { ...GNR_SLENDER, width: [0.5, 0.7] })),
  enterococcus: species('enterococcus', 4, (rng) =>
    makeChain(
      rng,
      rng.pickWeighted([1, 2, 3, 4], [0.12, 0.6, 0.13, 0.15]),
      [0.8, 1.05],
      'gram-positive',
      1.18,
    ),
  ),
  cons: species('cons', 2.2, (rng) => makeCluster(rng, [0.75, 0.95], 'gram-positive')),
  s_aureus: species('s_aureus', 2.2, (rng) => makeCluster(rng, [0.9, 1.15], 'gram-positive')),
  bacillus: species('bacillus', 0.9, makeBoxcarChain),
  gbs: species('gbs', 2.2, (rng) => makeChain(rng, rng.int(2, 10), [0.8, 1.05], 'gram-positive')),
  streptococcus: species('streptococcus', 1.6, (rng) =>
    makeChain(rng, rng.int(4, 18), [0.75, 1.0], 'gram-positive'),
  ),
  s_pyogenes: species('s_pyogenes', 1.2, (rng) =>
    makeChain(rng, rng.int(8, 28), [0.8, 1.1], 'gram-positive', 1.05),
  ),
  haemophilus: species('haemophilus', 12, (rng) =>
    makeRodChain(rng, {
      width: [0.3, 0.5],
      length: [0.5, 1.0],
      chainWeights: [0.85, 0.15],
      role: 'gram-negative',
      density: 0.8,
      bend: 0.5,
    }),
  ),
  s_pneumoniae: species('s_pneumoniae', 3, makeLancetPair),
  listeria: species('listeria', 5, makeShortRods),
  corynebacterium: species('corynebacterium', 1.6, makePalisade),
  gn_cocci: species('gn_cocci', 4, makeBeanPair),
  candida: species('candida', 0.6, makeYeast),
  rbc: species('rbc', 3, makeRedCell),
};
