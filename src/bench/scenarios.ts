import type { BenchScenario } from './bench.js';
import { morphologyScenario } from './morphology.scenario.js';
import { onnxPipelineScenario, onnxTilesScenario, onnxWasmScenario } from './onnx.scenario.js';
import {
  coldStartOnnxScenario,
  coldStartScenario,
  httpLoadScenario,
  liveScenario,
} from './service.scenarios.js';
import { synthScenario } from './synth.scenario.js';

/** Every bench scenario, one line each. */
export const SCENARIOS: readonly BenchScenario[] = [
  synthScenario,
  morphologyScenario,
  onnxPipelineScenario,
  onnxTilesScenario,
  onnxWasmScenario,
  httpLoadScenario,
  coldStartScenario,
  coldStartOnnxScenario,
  liveScenario,
];
