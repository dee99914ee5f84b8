/**
 * `gramscope bench` scenarios. Each scenario measures one target of SPEC §3 and reports figures,
 * preferring ratios measured in the same run where the machine is noisy. Scenarios register in
 * scenarios.ts, one line each.
 */

export interface BenchFigure {
  /** Stable key, e.g. `morphology.median_ms`. */
  readonly key: string;
  readonly value: number;
  readonly unit: string;
  /** The target this figure is checked against, if any. */
  readonly target?: { readonly op: '<=' | '>=' | '<' | '>'; readonly value: number };
  readonly note?: string;
}

export interface BenchContext {
  /** Seconds the whole scenario may take; scenarios scale their repetitions to it. */
  readonly budgetSeconds: number;
  /** Folder for temporary files (generated fields, models); removed afterwards. */
  readonly workDir: string;
  readonly log: (line: string) => void;
}

export interface BenchScenario {
  readonly name: string;
  readonly description: string;
  run(ctx: BenchContext): Promise<BenchFigure[]>;
}

export function meetsTarget(figure: BenchFigure): boolean | null {
  if (!figure.target) return null;
  const { op, value } = figure.target;
  switch (op) {
    case '<=':
      return figure.value <= value;
    case '>=':
      return figure.value >= value;
    case '<':
      return figure.value < value;
    case '>':
      return figure.value > value;
  }
}

/** Median of a non-empty sample. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** The q-quantile (0..1) of a non-empty sample, nearest-rank. */
export function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}
