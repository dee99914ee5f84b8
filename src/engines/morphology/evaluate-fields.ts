/**
 * Scores the engine's detections against a generated field's ground truth: greedy IoU matching,
 * Gram call and morphotype agreement of matched organisms, morphotype-level average precision and
 * the field's finding. Used by the engine's tests, its bench scenario and scripts/eval-morphology.ts.
 */
import type { Detection } from '../../domain/analysis-result.js';
import { iou, type Box } from '../../domain/geometry.js';
import { MORPHOTYPES, type Gram, type MorphotypeKey } from '../../domain/taxonomy.js';
import { countMorphotypes, findingFor, findingKey } from '../../analysis/summarise.js';
import {
  createSite,
  DEFAULT_SYNTH_MICRONS_PER_PIXEL,
  fieldSeed,
  ORGANISM_LABELS,
  pickSpecimenLabels,
  renderField,
  type SynthField,
} from '../../datasets/synth/index.js';

export interface TruthObject {
  readonly box: Box | readonly [number, number, number, number];
  readonly morphotype: MorphotypeKey;
  readonly gram: Gram;
}

export interface FieldScore {
  readonly truth: number;
  readonly detections: number;
  readonly matched: number;
  /** Matched organisms (not red cells) and how many of them got the right Gram call. */
  readonly organismsMatched: number;
  readonly gramCorrect: number;
  readonly morphotypeCorrect: number;
  /** truth morphotype → detected morphotype counts; "miss" and "fp" for unmatched. */
  readonly confusion: Record<string, number>;
  /** The dominant organism morphotype of the truth and of the detections (null: none). */
  readonly truthFinding: string;
  readonly detectedFinding: string;
}

/**
 * Greedy one-to-one matching by IoU (highest first), as detection benchmarks do.
 *
 * @example
 * matchDetections(truth.map((t) => t.box), detections.map((d) => d.box), 0.5);
 */
export function matchDetections(
  truth: readonly (readonly number[])[],
  found: readonly (readonly number[])[],
  threshold = 0.5,
): [number, number][] {
  const pairs: [number, number, number][] = [];
  truth.forEach((t, i) =>
    found.forEach((d, j) => {
      const v = iou(t as Box, d as Box);
      if (v >= threshold) pairs.push([v, i, j]);
    }),
  );
  pairs.sort((a, b) => b[0] - a[0]);
  const usedT = new Set<number>();
  const usedD = new Set<number>();
  const out: [number, number][] = [];
  for (const [, i, j] of pairs) {
    if (usedT.has(i) || usedD.has(j)) continue;
    usedT.add(i);
    usedD.add(j);
    out.push([i, j]);
  }
  return out;
}

/** The finding as an order-free key: the morphotypes it names, sorted. */
const findingKeyOf = (counts: ReadonlyMap<MorphotypeKey, number>): string =>
  findingKey(findingFor(counts).en);

/** Scores one field. */
export function scoreField(truth: readonly TruthObject[], detections: readonly Detection[]): FieldScore {
  const matches = matchDetections(
    truth.map((t) => t.box),
    detections.map((d) => d.box),
  );
  let organismsMatched = 0;
  let gramCorrect = 0;
  let morphotypeCorrect = 0;
  const confusion: Record<string, number> = {};
  const bump = (k: string): void => {
    confusion[k] = (confusion[k] ?? 0) + 1;
  };
  const matchedT = new Set(matches.map(([i]) => i));
  const matchedD = new Set(matches.map(([, j]) => j));
  truth.forEach((t, i) => {
    if (!matchedT.has(i)) bump(`${t.morphotype}->miss`);
  });
  detections.forEach((d, j) => {
    if (!matchedD.has(j)) bump(`fp->${d.morphotype ?? d.label}`);
  });
  for (const [i, j] of matches) {
    const t = truth[i];
    const d = detections[j];
    bump(`${t.morphotype}->${d.morphotype ?? d.label}`);
    if (d.morphotype === t.morphotype) morphotypeCorrect++;
    if (!MORPHOTYPES[t.morphotype].organism) continue;
    organismsMatched++;
    if (d.gram === t.gram) gramCorrect++;
  }
  const truthCounts = new Map<MorphotypeKey, number>();
  for (const t of truth) truthCounts.set(t.morphotype, (truthCounts.get(t.morphotype) ?? 0) + 1);
  return {
    truth: truth.length,
    detections: detections.length,
    matched: matches.length,
    organismsMatched,
    gramCorrect,
    morphotypeCorrect,
    confusion,
    truthFinding: findingKeyOf(truthCounts),
    detectedFinding: findingKeyOf(countMorphotypes(detections)),
  };
}

/**
 * Morphotype-level mean average precision at one IoU threshold over many fields (VOC-style
 * all-point interpolation), averaged over the morphotypes present in the truth.
 *
 * @example
 * morphotypeMeanAp([{ truth, detections }], 0.5); // 0.83
 */
export function morphotypeMeanAp(
  fields: readonly { truth: readonly TruthObject[]; detections: readonly Detection[] }[],
  threshold = 0.5,
): { map: number; perMorphotype: Partial<Record<MorphotypeKey, number>> } {
  const perMorphotype: Partial<Record<MorphotypeKey, number>> = {};
  const present = new Set<MorphotypeKey>();
  for (const f of fields) for (const t of f.truth) present.add(t.morphotype);
  for (const m of present) {
    let positives = 0;
    const scored: { score: number; tp: boolean }[] = [];
    for (const f of fields) {
      const truth = f.truth.filter((t) => t.morphotype === m);
      positives += truth.length;
      const dets = f.detections.filter((d) => d.morphotype === m).sort((a, b) => b.score - a.score);
      const used = new Set<number>();
      for (const d of dets) {
        let best = -1;
        let bestIou = threshold;
        truth.forEach((t, i) => {
          if (used.has(i)) return;
          const v = iou(t.box as Box, d.box);
          if (v >= bestIou) {
            bestIou = v;
            best = i;
          }
        });
        if (best >= 0) used.add(best);
        scored.push({ score: d.score, tp: best >= 0 });
      }
    }
    scored.sort((a, b) => b.score - a.score);
    let tp = 0;
    let fp = 0;
    const recall: number[] = [];
    const precision: number[] = [];
    for (const s of scored) {
      if (s.tp) tp++;
      else fp++;
      recall.push(positives ? tp / positives : 0);
      precision.push(tp / (tp + fp));
    }
    for (let i = precision.length - 2; i >= 0; i--) precision[i] = Math.max(precision[i], precision[i + 1]);
    let ap = 0;
    let lastRecall = 0;
    for (let i = 0; i < recall.length; i++) {
      ap += (recall[i] - lastRecall) * precision[i];
      lastRecall = recall[i];
    }
    perMorphotype[m] = ap;
  }
  const values = Object.values(perMorphotype);
  return { map: values.length ? values.reduce((a, b) => a + b, 0) / values.length : 0, perMorphotype };
}

export interface SynthSetOptions {
  readonly count: number;
  readonly seed: number;
  /** Simulated sites (1: the clean reference site only), as `gramscope synth --sites`. */
  readonly sites?: number;
  readonly width?: number;
  readonly height?: number;
  readonly micronsPerPixel?: number;
  readonly mixedRate?: number;
}

/**
 * The fields `gramscope synth --count N --seed S [--sites K]` writes, rendered in memory one at a
 * time (same specimen labels, field seeds and sites), for scoring without touching the disk.
 *
 * @example
 * for (const { field, site } of synthSetFields({ count: 50, seed: 7 })) score(field);
 */
export function* synthSetFields(
  options: SynthSetOptions,
): Generator<{ index: number; site: number; field: SynthField }> {
  const pool = [...ORGANISM_LABELS, 'rbc'] as const;
  const sites = options.sites ?? 1;
  for (let i = 0; i < options.count; i++) {
    const labels = pickSpecimenLabels(options.seed, i, pool, 0, options.mixedRate ?? 0.1);
    const siteId = sites <= 1 ? 0 : i % sites;
    const field = renderField({
      seed: fieldSeed(options.seed, i),
      width: options.width ?? 2048,
      height: options.height ?? 1536,
      micronsPerPixel: options.micronsPerPixel ?? DEFAULT_SYNTH_MICRONS_PER_PIXEL,
      labels,
      site: createSite(siteId, options.seed),
    });
    yield { index: i, site: siteId, field };
  }
}
