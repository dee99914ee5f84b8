import type { BenchScenario } from './bench.js';
import { morphologyBench } from './morphology.bench.js';

/** Every bench scenario, one line each. */
export const SCENARIOS: readonly BenchScenario[] = [morphologyBench];
