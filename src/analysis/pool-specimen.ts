/**
 * Pools the fields of one specimen into one summary: counts and morphotype shares over every
 * assessable field (through `summarise`, as for a single field), and a differential that weighs each
 * field's differential by the organisms it contributed, with the evidence that drove it.
 */
import type { Detection, DifferentialEntry, Summary } from '../domain/analysis-result.js';
import { MORPHOTYPES } from '../domain/taxonomy.js';
import { summarise } from './summarise.js';

export interface PoolField {
  /** A short name for evidence strings, e.g. "F1". */
  name: string;
  detections: readonly Detection[];
  summary: Summary;
}

export interface PooledSpecimen {
  pooled: Summary;
  /** Names of fields left out because they could not be assessed. */
  excluded: string[];
}

const NO_ASSESSABLE_FIELD = {
  en: 'No assessable field in this specimen',
  ja: 'この検体には評価可能な視野がありません',
};

function organismCount(summary: Summary): number {
  return summary.morphotypes
    .filter((m) => MORPHOTYPES[m.morphotype].organism)
    .reduce((n, m) => n + m.count, 0);
}

/**
 * Organism-weighted mean of the fields' differentials. For differentials derived from morphotype
 * priors this equals deriving from the pooled morphotypes; for an engine's own differential it keeps
 * the engine's evidence instead of discarding it.
 */
function poolDifferentials(fields: readonly PoolField[]): DifferentialEntry[] | undefined {
  const weighted = fields.map((f) => ({ f, n: organismCount(f.summary) })).filter((x) => x.n > 0);
  const total = weighted.reduce((s, x) => s + x.n, 0);
  if (total === 0) return undefined;
  const scores = new Map<DifferentialEntry['label'], { score: number; parts: string[] }>();
  for (const { f, n } of weighted) {
    for (const entry of f.summary.differential) {
      const acc = scores.get(entry.label) ?? { score: 0, parts: [] };
      acc.score += (entry.score * n) / total;
      acc.parts.push(`${f.name} ${entry.score.toFixed(2)}×${n}`);
      scores.set(entry.label, acc);
    }
  }
  return [...scores.entries()]
    .map(([label, { score, parts }]) => ({
      label,
      score: Math.round(score * 1000) / 1000,
      evidence: `weighted by organisms per field (${total} in all): ${parts.slice(0, 12).join(', ')}${parts.length > 12 ? ', …' : ''}`,
    }))
    .filter((e) => e.score > 0)
    .sort((a, b) => b.score - a.score || a.label.localeCompare(b.label));
}

/**
 * @example
 * poolSpecimen([{ name: 'F1', detections, summary }, { name: 'F2', detections: d2, summary: s2 }]).pooled.finding.en;
 * // 'Gram-positive cocci in clusters'
 */
export function poolSpecimen(fields: readonly PoolField[]): PooledSpecimen {
  const assessable = fields.filter((f) => f.summary.assessable);
  const excluded = fields.filter((f) => !f.summary.assessable).map((f) => f.name);
  if (assessable.length === 0) {
    return { pooled: summarise([], { assessable: { ok: false, reason: NO_ASSESSABLE_FIELD } }), excluded };
  }
  const detections = assessable.flatMap((f) => f.detections);
  return { pooled: summarise(detections, { differential: poolDifferentials(assessable) }), excluded };
}
