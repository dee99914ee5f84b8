/**
 * Train / validation / test split grouped by specimen: every field of a specimen lands in the same
 * split, so a model is never validated on a sample it was trained on. Specimens are stratified by
 * their dominant organism label, so each split sees each organism where numbers allow.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stemOf, type Dataset, type SplitName } from '../formats/dataset.js';
import { writeDataset } from '../formats/dataset-io.js';
import { createRng } from '../synth/prng.js';

/** `gramscope synth` names fields `<specimen>_fNN`; other datasets may pass their own pattern. */
export const DEFAULT_SPECIMEN_PATTERN = /^(.+?)_f\d+$/;

export interface SplitOptions {
  out: string;
  /** Shares for train, val, test; they add up to 1. */
  ratios: readonly [number, number, number];
  seed: number;
  /** First capture group names the specimen, matched against the file stem. */
  specimenPattern?: RegExp;
  force?: boolean;
  onProgress?: (done: number, total: number) => void;
}

export interface SplitCounts {
  images: number;
  specimens: number;
  boxes: number;
  byLabel: Record<string, number>;
}

export interface SplitSummary {
  out: string;
  images: number;
  specimens: number;
  splits: Record<SplitName, SplitCounts>;
}

const SPLITS: readonly SplitName[] = ['train', 'val', 'test'];

/** The specimen of each image: recorded, or from the file name, or the image itself. */
export function specimenOf(
  file: string,
  recorded: string | undefined,
  pattern = DEFAULT_SPECIMEN_PATTERN,
): string {
  if (recorded) return recorded;
  const m = pattern.exec(stemOf(file));
  return m?.[1] ?? stemOf(file);
}

/**
 * Assigns specimens to splits. Within each stratum (dominant label) specimens are shuffled by the
 * seed and given, largest first, to the split furthest below its target share of images.
 *
 * @example
 * assignSplits([{ specimen: 'a', images: 3, stratum: 's_aureus' }, …], [0.8, 0.1, 0.1], 7);
 */
export function assignSplits(
  specimens: readonly { specimen: string; images: number; stratum: string }[],
  ratios: readonly [number, number, number],
  seed: number,
): Map<string, SplitName> {
  const rng = createRng(`${seed}:split`);
  const strata = new Map<string, { specimen: string; images: number }[]>();
  for (const s of specimens) {
    if (!strata.has(s.stratum)) strata.set(s.stratum, []);
    strata.get(s.stratum)!.push(s);
  }
  const out = new Map<string, SplitName>();
  // Totals across strata keep the overall shares right when strata are small.
  const overall = [0, 0, 0];
  for (const stratum of [...strata.keys()].sort()) {
    const members = rng.shuffle(strata.get(stratum)!).sort((a, b) => b.images - a.images);
    const counts = [0, 0, 0];
    let assigned = 0;
    for (const m of members) {
      assigned += m.images;
      const totalAssigned = overall.reduce((s, v) => s + v, 0) + m.images;
      let best = 0;
      let bestDeficit = -Infinity;
      for (let k = 0; k < 3; k++) {
        if (ratios[k] <= 0) continue;
        const deficit = ratios[k] * assigned - counts[k] + 0.5 * (ratios[k] * totalAssigned - overall[k]);
        if (deficit > bestDeficit) {
          bestDeficit = deficit;
          best = k;
        }
      }
      counts[best] += m.images;
      overall[best] += m.images;
      out.set(m.specimen, SPLITS[best]);
    }
  }
  return out;
}

/**
 * Splits a dataset by specimen and writes it in the Ultralytics layout (images/{train,val,test},
 * labels/…, data.yaml) with coco.json and split-manifest.json.
 *
 * @example
 * await splitDataset(dataset, { out: 'split', ratios: [0.8, 0.1, 0.1], seed: 7 });
 */
export async function splitDataset(dataset: Dataset, options: SplitOptions): Promise<SplitSummary> {
  const specimenImages = new Map<string, number[]>();
  dataset.images.forEach((img, i) => {
    const s = specimenOf(img.file, img.specimen, options.specimenPattern);
    if (!specimenImages.has(s)) specimenImages.set(s, []);
    specimenImages.get(s)!.push(i);
  });
  const specimens = [...specimenImages.entries()].map(([specimen, idx]) => {
    const labelCounts = new Map<string, number>();
    for (const i of idx)
      for (const a of dataset.images[i].annotations)
        if (a.label !== 'rbc') labelCounts.set(a.label, (labelCounts.get(a.label) ?? 0) + 1);
    const dominant = [...labelCounts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0];
    return { specimen, images: idx.length, stratum: dominant ? dominant[0] : '(no organisms)' };
  });
  const assignment = assignSplits(specimens, options.ratios, options.seed);
  const images = dataset.images.map((img) => ({
    ...img,
    specimen: specimenOf(img.file, img.specimen, options.specimenPattern),
    split: assignment.get(specimenOf(img.file, img.specimen, options.specimenPattern))!,
  }));
  const splits = Object.fromEntries(
    SPLITS.map((s) => [s, { images: 0, specimens: 0, boxes: 0, byLabel: {} }]),
  ) as Record<SplitName, SplitCounts>;
  for (const img of images) {
    const c = splits[img.split];
    c.images++;
    c.boxes += img.annotations.length;
    for (const a of img.annotations) c.byLabel[a.label] = (c.byLabel[a.label] ?? 0) + 1;
  }
  for (const s of specimens) splits[assignment.get(s.specimen)!].specimens++;
  const summary: SplitSummary = {
    out: options.out,
    images: images.length,
    specimens: specimens.length,
    splits,
  };
  await writeDataset({ ...dataset, images }, 'yolo', options.out, {
    force: options.force ?? false,
    alsoCoco: true,
    name: 'gramscope split',
    ...(options.onProgress && { onProgress: options.onProgress }),
    extra: async (dir, written) => {
      const manifest = {
        ratios: options.ratios,
        seed: options.seed,
        summary: { images: summary.images, specimens: summary.specimens, splits },
        specimens: specimens
          .map((s) => ({
            specimen: s.specimen,
            split: assignment.get(s.specimen)!,
            stratum: s.stratum,
            images: s.images,
          }))
          .sort((a, b) => (a.specimen < b.specimen ? -1 : 1)),
        images: written.images.map((img, i) => ({
          file: img.file,
          source: dataset.images[i].file,
          specimen: img.specimen,
          split: img.split,
        })),
      };
      await writeFile(join(dir, 'split-manifest.json'), `${JSON.stringify(manifest, null, 1)}\n`);
    },
  });
  return summary;
}
