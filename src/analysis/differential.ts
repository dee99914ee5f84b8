/**
 * From morphotype evidence to a ranked differential over the 17 labels.
 *
 * P(label | morphotype) below are priors for *positive blood cultures*, rounded from published
 * blood-culture isolate distributions (sources in docs/engines/differential.md). They are the
 * starting point a site may replace with its own antibiogram-year figures.
 */
import type { DifferentialEntry } from '../domain/analysis-result.js';
import { LABELS, type LabelKey, type MorphotypeKey } from '../domain/taxonomy.js';

export const LABEL_PRIORS_BY_MORPHOTYPE: Readonly<
  Record<Exclude<MorphotypeKey, 'rbc'>, Readonly<Partial<Record<LabelKey, number>>>>
> = {
  // CoNS are the commonest GPC-in-clusters isolate (often contaminants); S. aureus about a third.
  gpc_clusters: { cons: 0.62, s_aureus: 0.38 },
  gpc_chains: { streptococcus: 0.4, enterococcus: 0.25, gbs: 0.2, s_pyogenes: 0.15 },
  gpc_pairs: { enterococcus: 0.45, s_pneumoniae: 0.45, streptococcus: 0.1 },
  // Arrangement unknown: the three rows above blended as clusters 0.55, chains 0.25, pairs 0.2.
  gpc: {
    cons: 0.341,
    s_aureus: 0.209,
    enterococcus: 0.1525,
    streptococcus: 0.12,
    s_pneumoniae: 0.09,
    gbs: 0.05,
    s_pyogenes: 0.0375,
  },
  gpr: { corynebacterium: 0.45, bacillus: 0.4, listeria: 0.15 },
  // Enterobacterales make up roughly three quarters of Gram-negative rod bacteraemia.
  gnr: { enterobacterales: 0.74, p_aeruginosa: 0.18, pseudomonas: 0.08 },
  gncb: { haemophilus: 0.8, enterobacterales: 0.2 },
  gnc: { gn_cocci: 1 },
  yeast: { candida: 1 },
};

/** The most likely label for a morphotype (used as a detection's label by morphotype-level engines). */
export function topLabelForMorphotype(morphotype: MorphotypeKey): LabelKey {
  if (morphotype === 'rbc') return 'rbc';
  const priors = LABEL_PRIORS_BY_MORPHOTYPE[morphotype];
  let best: LabelKey = LABELS.gn_cocci.key;
  let bestP = -1;
  for (const [label, p] of Object.entries(priors) as [LabelKey, number][]) {
    if (p > bestP) {
      best = label;
      bestP = p;
    }
  }
  return best;
}

/**
 * Combines morphotype shares (organisms only) with the priors into a differential, highest first,
 * with the evidence behind each entry.
 *
 * @example
 * differentialFromMorphotypes([{ morphotype: 'gpc_clusters', count: 10 }]);
 * // [{ label: 'cons', score: 0.62, … }, { label: 's_aureus', score: 0.38, … }]
 */
export function differentialFromMorphotypes(
  evidence: readonly { morphotype: MorphotypeKey; count: number }[],
): DifferentialEntry[] {
  const organisms = evidence.filter((e) => e.morphotype !== 'rbc' && e.count > 0);
  const total = organisms.reduce((sum, e) => sum + e.count, 0);
  if (total === 0) return [];
  const scores = new Map<LabelKey, { score: number; because: string[] }>();
  for (const { morphotype, count } of organisms) {
    if (morphotype === 'rbc') continue;
    const share = count / total;
    for (const [label, p] of Object.entries(LABEL_PRIORS_BY_MORPHOTYPE[morphotype]) as [LabelKey, number][]) {
      const entry = scores.get(label) ?? { score: 0, because: [] };
      entry.score += share * p;
      entry.because.push(`${morphotype} ${Math.round(share * 100)}% × prior ${p}`);
      scores.set(label, entry);
    }
  }
  return [...scores.entries()]
    .map(([label, { score, because }]) => ({
      label,
      score: Math.round(score * 1000) / 1000,
      evidence: because.join('; '),
    }))
    .sort((a, b) => b.score - a.score || a.label.localeCompare(b.label));
}

/**
 * A differential from label-level detections (detector engines): score-weighted counts per label,
 * normalised over organism labels.
 */
export function differentialFromLabels(
  detections: readonly { label: string; score: number }[],
): DifferentialEntry[] {
  const weights = new Map<LabelKey, number>();
  for (const d of detections) {
    if (d.label === 'rbc' || !(d.label in LABELS)) continue;
    const key = d.label as LabelKey;
    weights.set(key, (weights.get(key) ?? 0) + d.score);
  }
  const total = [...weights.values()].reduce((a, b) => a + b, 0);
  if (total === 0) return [];
  return [...weights.entries()]
    .map(([label, w]) => ({
      label,
      score: Math.round((w / total) * 1000) / 1000,
      evidence: 'detector label scores',
    }))
    .sort((a, b) => b.score - a.score || a.label.localeCompare(b.label));
}
