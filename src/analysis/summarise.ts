/** Turns detections into the summary of a field or a pooled specimen: counts, finding, differential. */
import type { Detection, DifferentialEntry, LocalisedText, Summary } from '../domain/analysis-result.js';
import { MORPHOTYPES, NO_ORGANISMS, isMorphotypeKey, type MorphotypeKey } from '../domain/taxonomy.js';
import { differentialFromLabels, differentialFromMorphotypes } from './differential.js';

/** A morphotype is named in the finding when it holds at least this share of organisms. */
export const FINDING_MIN_SHARE = 0.15;

export function countMorphotypes(detections: readonly Detection[]): Map<MorphotypeKey, number> {
  const counts = new Map<MorphotypeKey, number>();
  for (const d of detections) {
    if (d.morphotype && isMorphotypeKey(d.morphotype))
      counts.set(d.morphotype, (counts.get(d.morphotype) ?? 0) + 1);
  }
  return counts;
}

/**
 * The finding sentence: the dominant organism morphotypes, most frequent first, joined in both
 * languages; "No organisms seen" when there are none.
 *
 * @example
 * findingFor(new Map([['gpc_clusters', 40]])); // { en: 'Gram-positive cocci in clusters', ja: 'グラム陽性球菌（ブドウ状）' }
 */
export function findingFor(counts: ReadonlyMap<MorphotypeKey, number>): LocalisedText {
  const organisms = [...counts.entries()].filter(([m, n]) => MORPHOTYPES[m].organism && n > 0);
  const total = organisms.reduce((s, [, n]) => s + n, 0);
  if (total === 0) return { en: NO_ORGANISMS.en, ja: NO_ORGANISMS.ja };
  const named = organisms
    .filter(([, n]) => n / total >= FINDING_MIN_SHARE)
    .sort((a, b) => b[1] - a[1])
    .map(([m]) => MORPHOTYPES[m]);
  return { en: englishList(named.map((m) => m.en)), ja: named.map((m) => m.ja).join('、') };
}

/**
 * A finding sentence as an order-free key: the morphotypes it names, lower-cased and sorted, so
 * "Gram-negative rods and Gram-positive cocci in clusters" and its reverse compare equal. The
 * sentence lists the most frequent morphotype first; which of two similar counts wins is not
 * something a reader of the finding acts on.
 */
export function findingKey(sentence: string): string {
  return sentence
    .split(/, | and /)
    .map((name) => name.trim().toLowerCase())
    .sort()
    .join(' | ');
}

/** "A", "A and B", "A, B and C"; a name after the first loses its capital unless it is "Gram". */
function englishList(names: readonly string[]): string {
  const words = names.map((n, i) =>
    i === 0 || n.startsWith('Gram') ? n : n.charAt(0).toLowerCase() + n.slice(1),
  );
  return words.length <= 2 ? words.join(' and ') : `${words.slice(0, -1).join(', ')} and ${words.at(-1)}`;
}

export interface SummariseOptions {
  /** Engine-supplied differential (e.g. morphology's own evidence); otherwise derived here. */
  differential?: DifferentialEntry[] | undefined;
  assessable?: { ok: boolean; reason?: LocalisedText } | undefined;
}

export function summarise(detections: readonly Detection[], options: SummariseOptions = {}): Summary {
  const counts = countMorphotypes(detections);
  const organismTotal = [...counts.entries()]
    .filter(([m]) => MORPHOTYPES[m].organism)
    .reduce((s, [, n]) => s + n, 0);
  const gram = { positive: 0, negative: 0 };
  const labelCounts: Record<string, number> = {};
  for (const d of detections) {
    labelCounts[d.label] = (labelCounts[d.label] ?? 0) + 1;
    if (d.morphotype === 'rbc' || d.label === 'rbc') continue;
    if (d.gram === 'positive') gram.positive += 1;
    else if (d.gram === 'negative') gram.negative += 1;
  }
  const morphotypes = [...counts.entries()]
    .filter(([m]) => MORPHOTYPES[m].organism)
    .sort((a, b) => b[1] - a[1])
    .map(([morphotype, count]) => ({
      morphotype,
      count,
      share: organismTotal ? Math.round((count / organismTotal) * 1000) / 1000 : 0,
    }));
  const assessable = options.assessable?.ok ?? true;
  const hasMorphotypes = counts.size > 0;
  const differential =
    options.differential ??
    (hasMorphotypes ? differentialFromMorphotypes(morphotypes) : differentialFromLabels(detections));
  return {
    finding: assessable
      ? findingFor(counts)
      : (options.assessable?.reason ?? { en: 'Cannot assess this field', ja: 'この視野は評価できません' }),
    assessable,
    gram,
    morphotypes,
    differential,
    counts: labelCounts,
  };
}
