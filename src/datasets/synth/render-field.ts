/**
 * Renders one synthetic Gram-stained field with exact ground truth: a box per organism (every coccus
 * of a cluster is its own object) and per red cell, with label, morphotype, Gram call and
 * arrangement. Pure and deterministic: the same options give the same pixels and boxes everywhere.
 */
import { createRaster, type RasterImage } from '../../domain/raster.js';
import type { Box } from '../../domain/geometry.js';
import { LABEL_KEYS, type Gram, type LabelKey, type MorphotypeKey } from '../../domain/taxonomy.js';
import {
  makeFibrin,
  makePrecipitate,
  makeWhiteCell,
  type ClutterKind,
  type DraftClutter,
} from './clutter.js';
import {
  SPECIES,
  transformShape,
  type DraftGroup,
  type DraftPaint,
  type SynthArrangement,
} from './organisms.js';
import { createRng, type Rng } from './prng.js';
import { shapeBounds, unionBox } from './shapes.js';
import { createSite, REFERENCE_SITE, resolveRole, type SynthSite } from './site.js';
import { blurRgb, composeLight, quantiseWithNoise, StainCanvas, type HazeLayer } from './stain-canvas.js';

/** Default scale, matching the bundled `synthetic-default` calibration profile. */
export const DEFAULT_SYNTH_MICRONS_PER_PIXEL = 0.1;

/** The 16 organism labels (every label but rbc). */
export const ORGANISM_LABELS: readonly LabelKey[] = LABEL_KEYS.filter((k) => k !== 'rbc');

export interface RenderFieldOptions {
  readonly seed: number;
  readonly width: number;
  readonly height: number;
  /** Physical scale; sizes are drawn in micrometres. Default 0.1 (DEFAULT_SYNTH_MICRONS_PER_PIXEL). */
  readonly micronsPerPixel?: number;
  /**
   * The labels present in this field. Organisms listed here are drawn (the first dominates), and red
   * cells appear only if `rbc` is listed. Default: one organism picked from the seed, plus `rbc`.
   */
  readonly labels?: readonly LabelKey[];
  /** Multiplier on organism density (1 ≈ a positive blood culture; default drawn from the seed). */
  readonly abundance?: number;
  /** A site profile, or a site number (0 = clean reference). Default: 0. */
  readonly site?: SynthSite | number;
  /**
   * Turn off image degradations (blur, noise, uneven light, haze, clutter) for tests that check
   * geometry against pixels. Default false.
   */
  readonly clean?: boolean;
}

export interface SynthObject {
  /** [x1, y1, x2, y2] in pixels, the exact extent of the organism's shape. */
  readonly box: Box;
  readonly label: LabelKey;
  readonly morphotype: MorphotypeKey;
  readonly gram: Gram;
  readonly arrangement: SynthArrangement;
  /** Objects lying together (a cluster, chain, pair…) share a group id, unique within the field. */
  readonly groupId: number;
  readonly groupSize: number;
  readonly lengthUm: number;
  readonly widthUm: number;
}

/** Unlabelled things drawn on the field (not ground truth for any label). */
export interface SynthClutter {
  readonly kind: ClutterKind;
  readonly box: Box;
}

export interface SynthField {
  readonly raster: RasterImage;
  readonly objects: SynthObject[];
  readonly clutter: SynthClutter[];
  readonly labels: readonly LabelKey[];
  readonly micronsPerPixel: number;
  readonly site: SynthSite;
  readonly seed: number;
  readonly renderMs: number;
}

interface Placed {
  readonly box: Box;
}

/** A uniform grid over placed boxes, so collision checks stay cheap on crowded fields. */
class Occupancy {
  readonly #cell: number;
  readonly #cols: number;
  readonly #cells = new Map<number, Placed[]>();
  constructor(width: number, cell: number) {
    this.#cell = cell;
    this.#cols = Math.ceil(width / cell) + 1;
  }
  #keys(b: Box): number[] {
    const keys: number[] = [];
    const c = this.#cell;
    for (let gy = Math.floor(b[1] / c); gy <= Math.floor(b[3] / c); gy++)
      for (let gx = Math.floor(b[0] / c); gx <= Math.floor(b[2] / c); gx++) keys.push(gy * this.#cols + gx);
    return keys;
  }
  collides(b: Box, test: (other: Placed) => boolean): boolean {
    for (const k of this.#keys(b)) for (const p of this.#cells.get(k) ?? []) if (test(p)) return true;
    return false;
  }
  add(p: Placed): void {
    for (const k of this.#keys(p.box)) {
      let list = this.#cells.get(k);
      if (!list) this.#cells.set(k, (list = []));
      list.push(p);
    }
  }
}

const overlaps = (a: Box, b: Box, margin: number): boolean =>
  a[0] - margin < b[2] && b[0] - margin < a[2] && a[1] - margin < b[3] && b[1] - margin < a[3];

const round2 = (v: number): number => Math.round(v * 100) / 100;

/**
 * Renders one synthetic field.
 *
 * @example
 * const { raster, objects } = renderField({ seed: 7, width: 640, height: 480, labels: ['s_aureus', 'rbc'] });
 * objects[0]; // { box: [x1, y1, x2, y2], label: 's_aureus', morphotype: 'gpc_clusters', gram: 'positive', … }
 */
export function renderField(options: RenderFieldOptions): SynthField {
  const started = performance.now();
  const { seed, width, height } = options;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 16 || height < 16)
    throw new RangeError(`field size must be whole pixels of at least 16x16, got ${width}x${height}`);
  const mpp = options.micronsPerPixel ?? DEFAULT_SYNTH_MICRONS_PER_PIXEL;
  if (!(mpp > 0.005 && mpp < 5)) throw new RangeError(`micronsPerPixel must be within 0.005..5, got ${mpp}`);
  const pxPerUm = 1 / mpp;
  const rng = createRng(seed);
  const layoutRng = rng.fork('layout');
  const stainRng = rng.fork('stain');
  const clean = options.clean ?? false;

  const site =
    typeof options.site === 'object'
      ? options.site
      : options.site === undefined
        ? REFERENCE_SITE
        : createSite(options.site);
  const labels: readonly LabelKey[] = options.labels ?? [rng.fork('labels').pick(ORGANISM_LABELS), 'rbc'];
  for (const l of labels) if (!(l in SPECIES)) throw new RangeError(`unknown label ${String(l)}`);
  const organismLabels = labels.filter((l) => l !== 'rbc');
  const abundance = options.abundance ?? Math.exp(rng.fork('abundance').normal(0, 0.35));

  const canvas = new StainCanvas(width, height);
  const areaUm2 = width * height * mpp * mpp;
  const objects: SynthObject[] = [];
  const clutter: SynthClutter[] = [];
  let nextGroup = 0;

  const paintAll = (
    paints: readonly DraftPaint[],
    angle: number,
    tx: number,
    ty: number,
    decol: number,
    softness = 1,
  ): Box[] => {
    const boxes: Box[] = [];
    for (const p of paints) {
      const shape = transformShape(p.shape, angle, pxPerUm, tx, ty);
      const { stain, density } = resolveRole(site, p.role, decol);
      canvas.paint({
        shape,
        stain,
        density: density * p.density,
        profile: p.profile,
        pallor: p.pallor ?? 0.5,
        softness,
      });
      if (!p.detail) boxes.push(shapeBounds(shape));
    }
    return boxes;
  };

  const groupBoundsPx = (group: DraftGroup | DraftClutter, angle: number): Box =>
    unionBox(
      ('objects' in group ? group.objects.flatMap((o) => o.paints) : group.paints)
        .filter((p) => !p.detail)
        .map((p) => shapeBounds(transformShape(p.shape, angle, pxPerUm, 0, 0))),
    );

  /** Finds a spot for a group fully inside the field that passes `free`; null after a few tries. */
  const place = (local: Box, free: (b: Box) => boolean, tries = 12): [number, number] | null => {
    const w = local[2] - local[0];
    const h = local[3] - local[1];
    if (w >= width - 2 || h >= height - 2) return null;
    for (let t = 0; t < tries; t++) {
      const x = layoutRng.range(1 - local[0], width - 1 - local[2]);
      const y = layoutRng.range(1 - local[1], height - 1 - local[3]);
      const b: Box = [local[0] + x, local[1] + y, local[2] + x, local[3] + y];
      if (free(b)) return [x, y];
    }
    return null;
  };

  // Host layer: red cells and white cells may touch but not pile up.
  const hostGrid = new Occupancy(width, Math.max(32, Math.round(8 * pxPerUm)));
  const organismGrid = new Occupancy(width, Math.max(32, Math.round(6 * pxPerUm)));
  const margin = 0.35 * pxPerUm;

  const clutterScale = clean ? 0 : site.clutter;
  const whiteCells = Math.round((areaUm2 / 10_000) * clutterScale * layoutRng.range(0, 1.5));
  for (let i = 0; i < whiteCells; i++) {
    const cell = makeWhiteCell(layoutRng);
    const bounds = groupBoundsPx(cell, 0);
    const at = place(bounds, (b) => !hostGrid.collides(b, (o) => overlaps(o.box, b, 0)));
    if (!at) continue;
    const box = clipTo(paintAll(cell.paints, 0, at[0], at[1], 0), width, height);
    hostGrid.add({ box });
    organismGrid.add({ box });
    clutter.push({ kind: 'white-cell', box });
  }

  if (labels.includes('rbc')) {
    const count = Math.round((areaUm2 / 1000) * SPECIES.rbc.groupsPer1000Um2 * layoutRng.range(0.4, 1.6));
    for (let i = 0; i < count; i++) {
      const group = SPECIES.rbc.makeGroup(layoutRng);
      const bounds = groupBoundsPx(group, 0);
      const diameter = bounds[2] - bounds[0];
      const at = place(
        bounds,
        (b) =>
          !hostGrid.collides(b, (o) => {
            // Red cells may overlap a little, as on a thick smear, but never more than a fifth.
            const cx = (b[0] + b[2]) / 2 - (o.box[0] + o.box[2]) / 2;
            const cy = (b[1] + b[3]) / 2 - (o.box[1] + o.box[3]) / 2;
            const od = o.box[2] - o.box[0];
            return Math.hypot(cx, cy) < (0.82 * (diameter + od)) / 2;
          }),
      );
      if (!at) continue;
      addGroup('rbc', group, 0, at, stainRng);
      hostGrid.add({ box: objects[objects.length - 1].box });
    }
  }

  function addGroup(
    label: LabelKey,
    group: DraftGroup,
    angle: number,
    at: [number, number],
    paintRng: Rng,
  ): Box[] {
    const species = SPECIES[label];
    const groupId = nextGroup++;
    const boxes: Box[] = [];
    // A group lying outside the focal plane is drawn with soft edges and a little paler.
    const defocused = !clean && label !== 'rbc' && paintRng.chance(site.outOfFocus);
    const softness = defocused ? paintRng.range(2, 4.5) * (0.1 / mpp) : 1;
    const fade = defocused ? 0.8 : 1;
    // Yeast take up crystal violet less evenly than bacteria; some cells look Gram-variable.
    const decolSpread = species.morphotype === 'yeast' ? 0.15 : 0.06;
    for (const o of group.objects) {
      const decol =
        species.gram === 'positive'
          ? Math.min(0.8, Math.max(0, site.decolorisation + paintRng.normal(0, decolSpread)))
          : 0;
      const jitter = Math.exp(paintRng.normal(0, 0.08)) * fade;
      const paints = o.paints.map((p) => ({ ...p, density: p.density * jitter }));
      const box = clipTo(paintAll(paints, angle, at[0], at[1], decol, Math.max(1, softness)), width, height);
      boxes.push(box);
      objects.push({
        box: [round2(box[0]), round2(box[1]), round2(box[2]), round2(box[3])],
        label,
        morphotype: species.morphotype,
        gram: species.gram,
        arrangement: o.arrangement,
        groupId,
        groupSize: group.objects.length,
        lengthUm: round2(o.lengthUm),
        widthUm: round2(o.widthUm),
      });
    }
    return boxes;
  }

  // Organisms: the first listed label dominates; others are present in smaller numbers.
  organismLabels.forEach((label, i) => {
    const species = SPECIES[label];
    const share = i === 0 ? 1 : layoutRng.range(0.25, 0.8);
    const expected = (areaUm2 / 1000) * species.groupsPer1000Um2 * abundance * share;
    const count = Math.max(1, Math.round(expected * layoutRng.range(0.75, 1.25)));
    for (let g = 0; g < count; g++) {
      const group = species.makeGroup(layoutRng);
      const angle = layoutRng.range(0, 2 * Math.PI);
      const bounds = groupBoundsPx(group, angle);
      const at = place(bounds, (b) => !organismGrid.collides(b, (o) => overlaps(o.box, b, margin)));
      if (!at) continue;
      const boxes = addGroup(label, group, angle, at, stainRng);
      organismGrid.add({ box: unionBox(boxes) });
    }
  });

  if (!clean) {
    const specks = Math.round((areaUm2 / 1000) * clutterScale * layoutRng.range(0, 0.8));
    for (let i = 0; i < specks; i++) {
      const speck = makePrecipitate(layoutRng);
      const bounds = groupBoundsPx(speck, 0);
      // Precipitate lies anywhere but on an organism, where it would corrupt the ground truth.
      const at = place(bounds, (b) => !organismGrid.collides(b, (o) => overlaps(o.box, b, margin)), 4);
      if (!at) continue;
      clutter.push({
        kind: 'precipitate',
        box: clipTo(paintAll(speck.paints, 0, at[0], at[1], 0), width, height),
      });
    }
    const strands = Math.round((areaUm2 / 10_000) * clutterScale * layoutRng.range(0, 4));
    for (let i = 0; i < strands; i++) {
      const strand = makeFibrin(layoutRng);
      const bounds = groupBoundsPx(strand, 0);
      const at = place(bounds, () => true, 1) ?? [layoutRng.range(0, width), layoutRng.range(0, height)];
      clutter.push({
        kind: 'fibrin',
        box: clipTo(paintAll(strand.paints, 0, at[0], at[1], 0), width, height),
      });
    }
    if (site.haze > 0) {
      // Proteinaceous background: smooth value noise over three scales, skewed so most of the
      // field is clear and the haze gathers in patches, as broth protein does on a smear.
      const hazeRng = rng.fork('haze');
      const layers: HazeLayer[] = [];
      for (const [cellUm, weight] of [
        [40, 0.5],
        [12, 0.32],
        [4, 0.18],
      ] as const) {
        const cellPx = Math.max(8, cellUm * pxPerUm);
        const gridW = Math.ceil(width / cellPx) + 2;
        const gridH = Math.ceil(height / cellPx) + 2;
        const values = new Float32Array(gridW * gridH);
        for (let i = 0; i < values.length; i++) values[i] = Math.max(0, hazeRng.normal(0, 1)) ** 1.5;
        layers.push({ cellPx, strength: site.haze * weight, values, gridW });
      }
      canvas.addHaze(1, layers);
    }
  }

  const lightRng = rng.fork('light');
  // Exposure and focus drift a little from field to field even at one site.
  const exposure = clean ? 1 : Math.exp(lightRng.normal(0, 0.03));
  const focus = clean ? 1 : Math.exp(lightRng.normal(0, 0.25));
  const light = composeLight(canvas, site.stainVectors, {
    background: [site.background[0] * exposure, site.background[1] * exposure, site.background[2] * exposure],
    vignette: clean ? 0 : site.vignette,
    gradient: clean ? [0, 0] : site.gradient,
    centre: clean ? [0.5, 0.5] : [lightRng.range(0.3, 0.7), lightRng.range(0.3, 0.7)],
  });
  if (!clean) blurRgb(light, width, height, site.blurUm * focus * pxPerUm);
  const data = quantiseWithNoise(light, clean ? 0 : site.noise, rng.fork('noise').uint32());

  return {
    raster: createRaster(width, height, data),
    objects,
    clutter: clutter.map((c) => ({ kind: c.kind, box: c.box.map(round2) as Box })),
    labels,
    micronsPerPixel: mpp,
    site,
    seed,
    renderMs: performance.now() - started,
  };
}

function clipTo(boxes: readonly Box[], width: number, height: number): Box {
  const b = unionBox(boxes);
  return [Math.max(0, b[0]), Math.max(0, b[1]), Math.min(width, b[2]), Math.min(height, b[3])];
}
