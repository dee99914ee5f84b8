import type { BenchScenario } from './bench.js';
import { morphologyScenario } from './morphology.scenario.js';
import {
  onnxColdStartScenario,
  onnxPipelineScenario,
  onnxTilesScenario,
  onnxWasmScenario,
} from './onnx.scenario.js';
import { coldStartScenario, httpLoadScenario, liveScenario } from './service.scenarios.js';
import { synthScenario } from './synth.scenario.js';

/** Every bench scenario, one line each. */
export const SCENARIOS: readonly BenchScenario[] = [
  synthScenario,
  morphologyScenario,
  onnxPipelineScenario,
  onnxTilesScenario,
  onnxWasmScenario,
  onnxColdStartScenario,
  httpLoadScenario,
  coldStartScenario,
  liveScenario,
];
