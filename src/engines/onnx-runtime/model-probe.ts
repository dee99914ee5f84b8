/**
 * The registry's probe: loads a stored model in a one-off inference worker (so a large model never
 * blocks the event loop) and describes it for its engine, or refuses it with a clear ERR_MODEL_….
 */
import type { ModelEngine } from '../../models/model-card.js';
import type { ModelProbe, ModelProbeOptions, ModelProbeResult } from '../../models/model-registry.service.js';
import type { OnnxModelInfo } from '../../models/onnx-format/read-model-info.js';
import { describeClassifierModel } from '../onnx-crop-classifier/classifier-format.js';
import { describeDetectorModel } from '../onnx-detector/detector-format.js';
import { InferencePool } from './inference-pool.js';
import type { RuntimeSettings } from './worker-protocol.js';

export class OnnxModelProbe implements ModelProbe {
  readonly #runtime: RuntimeSettings;

  constructor(runtime: RuntimeSettings = { threads: 1, provider: 'cpu' }) {
    this.#runtime = runtime;
  }

  async probe(
    filePath: string,
    sha256: string,
    engine: ModelEngine,
    info: OnnxModelInfo,
    options: ModelProbeOptions,
  ): Promise<ModelProbeResult> {
    const { pool, description } = await InferencePool.open({
      modelPath: filePath,
      sha256,
      runtime: this.#runtime,
      workers: 1,
      maxQueue: 1,
    });
    await pool.dispose();
    switch (engine) {
      case 'onnx-detector':
        return describeDetectorModel(description, info.metadata, options);
      case 'onnx-crop-classifier':
        return describeClassifierModel(description, info.metadata, options);
    }
  }
}
