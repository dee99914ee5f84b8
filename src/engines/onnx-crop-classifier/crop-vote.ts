/**
 * Crop placement and the vote of the crop classifier, as in the reference system: square crops of a
 * physical size across the field, each classified, and a majority vote over the crops that are not
 * background. Pure functions.
 */
import { createSeededRandom } from '../../models/builder/seeded-random.js';
import type { Gram, MorphotypeKey } from '../../domain/taxonomy.js';

/** Morphotype and Gram call of the reference system's crop classes (and common spellings of them). */
export const CROP_CLASS_FINDINGS: Readonly<Record<string, { morphotype: MorphotypeKey; gram: Gram }>> = {
  gp_rod: { morphotype: 'gpr', gram: 'positive' },
  gn_rod: { morphotype: 'gnr', gram: 'negative' },
  gp_coccus: { morphotype: 'gpc', gram: 'positive' },
  gn_coccus: { morphotype: 'gnc', gram: 'negative' },
  gpr: { morphotype: 'gpr', gram: 'positive' },
  gnr: { morphotype: 'gnr', gram: 'negative' },
  gpc: { morphotype: 'gpc', gram: 'positive' },
  gnc: { morphotype: 'gnc', gram: 'negative' },
};

export interface CropPosition {
  readonly x: number;
  readonly y: number;
}

/**
 * Top-left corners of `size`-pixel crops in a `width` x `height` image: a centred grid of whole crops
 * (thinned evenly to `maxCrops`), or `maxCrops` seeded random positions.
 *
 * @example
 * placeCrops(300, 200, 100, 'grid', 100, 1); // 3 x 2 grid: (0,0) (100,0) (200,0) (0,100) …
 */
export function placeCrops(
  width: number,
  height: number,
  size: number,
  sampling: 'grid' | 'random',
  maxCrops: number,
  seed: number,
): CropPosition[] {
  if (size > width || size > height) return [];
  if (sampling === 'random') {
    const rng = createSeededRandom(seed);
    return Array.from({ length: maxCrops }, () => ({
      x: Math.floor(rng.next() * (width - size + 1)),
      y: Math.floor(rng.next() * (height - size + 1)),
    }));
  }
  const cols = Math.floor(width / size);
  const rows = Math.floor(height / size);
  const ox = Math.floor((width - cols * size) / 2);
  const oy = Math.floor((height - rows * size) / 2);
  const all: CropPosition[] = [];
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < cols; c++) all.push({ x: ox + c * size, y: oy + r * size });
  if (all.length <= maxCrops) return all;
  // Even thinning keeps the crops spread over the whole field.
  return Array.from({ length: maxCrops }, (_, i) => all[Math.floor((i * all.length) / maxCrops)]);
}

/**
 * Turns one crop's raw outputs into probabilities: kept when they already are (non-negative, summing
 * to 1), otherwise softmaxed as logits.
 */
export function toProbabilities(raw: Float32Array): Float32Array {
  let sum = 0;
  let nonNegative = true;
  for (const v of raw) {
    sum += v;
    if (v < 0 || v > 1) nonNegative = false;
  }
  if (nonNegative && Math.abs(sum - 1) < 1e-3) return raw;
  const max = Math.max(...raw);
  const exp = raw.map((v) => Math.exp(v - max));
  const total = exp.reduce((a, b) => a + b, 0);
  return exp.map((v) => v / total);
}

export interface CropVote {
  /** Winning class index, or null when every crop was background or uncertain. */
  readonly winner: number | null;
  /** Non-background, confident crops per class index. */
  readonly counts: readonly number[];
  /** Crops that took part in the vote. */
  readonly voters: number;
}

/**
 * Majority vote over the crops' top classes, leaving out background and crops below `minConfidence`;
 * ties go to the class with the larger summed probability.
 *
 * @example
 * voteCrops([{ classIndex: 1, probability: 0.9 }, { classIndex: 1, probability: 0.8 }, { classIndex: 0, probability: 0.99 }], 3, 0, 0);
 * // { winner: 1, counts: [0, 2, 0], voters: 2 }
 */
export function voteCrops(
  crops: readonly { classIndex: number; probability: number }[],
  classCount: number,
  backgroundIndex: number | null,
  minConfidence: number,
): CropVote {
  const counts = new Array<number>(classCount).fill(0);
  const mass = new Array<number>(classCount).fill(0);
  let voters = 0;
  for (const c of crops) {
    if (c.classIndex === backgroundIndex || c.probability < minConfidence) continue;
    counts[c.classIndex]++;
    mass[c.classIndex] += c.probability;
    voters++;
  }
  let winner: number | null = null;
  for (let i = 0; i < classCount; i++) {
    if (counts[i] === 0) continue;
    if (
      winner === null ||
      counts[i] > counts[winner] ||
      (counts[i] === counts[winner] && mass[i] > mass[winner])
    )
      winner = i;
  }
  return { winner, counts, voters };
}
