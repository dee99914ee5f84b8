import type { BenchScenario } from './bench.js';

/** Every bench scenario, one line each. */
export const SCENARIOS: readonly BenchScenario[] = [];
