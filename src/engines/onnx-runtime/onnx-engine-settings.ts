/** Runtime settings shared by the ONNX engines, taken from the configuration. */
import type { Config } from '../../config/config.schema.js';
import type { RuntimeSettings } from './worker-protocol.js';

export interface OnnxEngineSettings {
  readonly runtime: RuntimeSettings;
  /** Worker threads (sessions) per loaded model: inferences of one model that run at once. */
  readonly workers: number;
  /** Inference tasks allowed to wait per model before ERR_BUSY. */
  readonly maxQueue: number;
  /** Overrides every detector model card's tiling choice when set. */
  readonly tiling: 'auto' | 'whole' | 'tiled' | null;
}

export const DEFAULT_ONNX_SETTINGS: OnnxEngineSettings = {
  runtime: { threads: 0, provider: 'auto' },
  workers: 1,
  maxQueue: 256,
  tiling: null,
};

export function onnxSettingsFromConfig(config: Readonly<Config>): OnnxEngineSettings {
  return {
    runtime: { threads: config.onnx.threads, provider: config.onnx.provider },
    workers: config.onnx.workers,
    maxQueue: config.onnx.maxQueue,
    tiling: config.onnx.tiling === 'card' ? null : config.onnx.tiling,
  };
}
