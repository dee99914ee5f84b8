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
  // Corynebacteria and bacilli (mostly skin and environmental contaminants) dominate; Listeria is a
  // small share but kept visible, since missing it in a neonate or an immunocompromised adult costs most.
  gpr: { corynebacterium: 0.5, bacillus: 0.4, listeria: 0.1 },
  // Enterobacterales make up roughly three quarters of Gram-negative rod bacteraemia; P. aeruginosa
  // most of the rest; other Pseudomonas species a few per cent.
  gnr: { enterobacterales: 0.76, p_aeruginosa: 0.19, pseudomonas: 0.05 },
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

/** One organism as the morphology engine saw it: the features the differential can use. */
export interface MorphologyObservation {
  readonly morphotype: MorphotypeKey;
  readonly lengthUm: number;
  readonly widthUm: number;
  readonly arrangement: string;
}

const medianOf = (values: readonly number[]): number => {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[sorted.length >> 1];
};

/**
 * Likelihood multipliers per label from what was measured within one morphotype. Each rule is a
 * textbook feature (TAXONOMY.md sizes; lancet pneumococci; palisading coryneforms; boxcar bacilli);
 * the factors are deliberately modest (≤ 3) because morphology overlaps between genera.
 */
function featureLikelihoods(
  morphotype: Exclude<MorphotypeKey, 'rbc'>,
  cells: readonly MorphologyObservation[],
  cocci: { lancetPairs: number; meanGroupSize: number } | undefined,
): { factors: Partial<Record<LabelKey, number>>; because: string[] } {
  const factors: Partial<Record<LabelKey, number>> = {};
  const because: string[] = [];
  const width = medianOf(cells.map((c) => c.widthUm));
  const length = medianOf(cells.map((c) => c.lengthUm));
  const share = (arrangement: string): number =>
    cells.length ? cells.filter((c) => c.arrangement === arrangement).length / cells.length : 0;
  switch (morphotype) {
    case 'gpc_pairs': {
      const pairs = cells.filter((c) => c.arrangement === 'pair').length / 2;
      const lancet = cocci && pairs > 0 ? cocci.lancetPairs / pairs : 0;
      if (lancet >= 0.4) {
        factors.s_pneumoniae = 3;
        because.push(`${Math.round(lancet * 100)}% of pairs lancet-shaped`);
      } else if (pairs > 0) {
        factors.enterococcus = 2;
        because.push('oval pairs, few lancets');
      }
      break;
    }
    case 'gpc_chains':
      if (cocci && cocci.meanGroupSize >= 8) {
        factors.s_pyogenes = 1.5;
        factors.streptococcus = 1.3;
        because.push(`long chains (mean ${cocci.meanGroupSize.toFixed(1)} cells)`);
      } else if (cocci && cocci.meanGroupSize < 4) {
        factors.enterococcus = 1.8;
        factors.gbs = 1.3;
        because.push(`short chains (mean ${cocci.meanGroupSize.toFixed(1)} cells)`);
      }
      break;
    case 'gpr':
      if (width >= 0.95 && length >= 3) {
        factors.bacillus = 3;
        because.push(`large rods ${length.toFixed(1)} x ${width.toFixed(1)} µm`);
      } else if (share('palisade') >= 0.25) {
        factors.corynebacterium = 3;
        because.push(`${Math.round(share('palisade') * 100)}% in palisades`);
      } else if (length < 2) {
        factors.listeria = 3;
        because.push(`short slim rods ${length.toFixed(1)} x ${width.toFixed(1)} µm`);
      }
      break;
    case 'gnr':
      if (width < 0.65) {
        factors.p_aeruginosa = 2;
        factors.pseudomonas = 2;
        because.push(`slender rods (${width.toFixed(2)} µm wide)`);
      } else if (width >= 0.7) {
        factors.enterobacterales = 1.5;
        because.push(`plump rods (${width.toFixed(2)} µm wide)`);
      }
      break;
    case 'gpc_clusters':
    case 'gpc':
    case 'gncb':
    case 'gnc':
    case 'yeast':
      break;
  }
  return { factors, because };
}

/**
 * The morphology engine's differential: morphotype shares × priors, each morphotype's priors
 * reweighted by the measured features that distinguish its genera. The evidence string of each entry
 * says which shares, priors and features produced it.
 *
 * @example
 * differentialFromMorphologyEvidence([
 *   { morphotype: 'gpr', lengthUm: 4.5, widthUm: 1.2, arrangement: 'chain' },
 * ]); // bacillus first
 */
export function differentialFromMorphologyEvidence(
  cells: readonly MorphologyObservation[],
  cocci?: { lancetPairs: number; meanGroupSize: number },
): DifferentialEntry[] {
  const organisms = cells.filter((c) => c.morphotype !== 'rbc');
  if (organisms.length === 0) return [];
  const byMorphotype = new Map<Exclude<MorphotypeKey, 'rbc'>, MorphologyObservation[]>();
  for (const c of organisms) {
    const key = c.morphotype as Exclude<MorphotypeKey, 'rbc'>;
    const list = byMorphotype.get(key);
    if (list) list.push(c);
    else byMorphotype.set(key, [c]);
  }
  const scores = new Map<LabelKey, { score: number; because: string[] }>();
  for (const [morphotype, list] of byMorphotype) {
    const share = list.length / organisms.length;
    const { factors, because } = featureLikelihoods(morphotype, list, cocci);
    const priors = Object.entries(LABEL_PRIORS_BY_MORPHOTYPE[morphotype]) as [LabelKey, number][];
    const weighted = priors.map(([label, p]) => [label, p * (factors[label] ?? 1)] as const);
    const total = weighted.reduce((s, [, w]) => s + w, 0) || 1;
    for (const [label, w] of weighted) {
      const entry = scores.get(label) ?? { score: 0, because: [] };
      const prior = LABEL_PRIORS_BY_MORPHOTYPE[morphotype][label] ?? 0;
      entry.score += share * (w / total);
      const factor = factors[label];
      entry.because.push(
        `${morphotype} ${Math.round(share * 100)}% × prior ${prior}` +
          (factor ? ` × ${factor} (${because.join(', ')})` : ''),
      );
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
