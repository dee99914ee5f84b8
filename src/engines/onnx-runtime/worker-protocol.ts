/** Messages between the ONNX engines and their inference workers. Plain data, cloneable. */
import type { ErrorCode } from '../../errors.js';
import type { Letterbox, PackOptions } from '../../imaging/letterbox.js';
import type { DecodeParams } from '../onnx-detector/yolo-output.js';

export type ExecutionProvider = 'auto' | 'cpu' | 'cuda';

export interface RuntimeSettings {
  /** Intra-op threads per session; 0 lets the runtime choose (one per physical core). */
  readonly threads: number;
  readonly provider: ExecutionProvider;
}

export interface WorkerInit {
  readonly modelPath: string;
  /** Expected sha256 of the file; the worker refuses to load anything else. */
  readonly sha256: string;
  readonly runtime: RuntimeSettings;
}

export interface ValueSignature {
  readonly name: string;
  readonly type: string;
  readonly shape: readonly (number | string)[];
}

export type WorkerTask =
  | { readonly kind: 'describe' }
  | {
      readonly kind: 'detect';
      readonly inputName: string;
      readonly outputName: string;
      /** RGB, letterbox.resizedWidth x letterbox.resizedHeight. */
      readonly image: Uint8Array;
      readonly letterbox: Letterbox;
      readonly pack: PackOptions;
      readonly decode: DecodeParams;
    }
  | {
      readonly kind: 'classify';
      readonly inputName: string;
      readonly outputName: string;
      /** `count` RGB crops of size x size, back to back. */
      readonly crops: Uint8Array;
      readonly count: number;
      readonly size: number;
      /** Crops per session.run (1 for models with a fixed batch of one). */
      readonly batch: number;
      readonly pack: PackOptions;
    };

export interface WorkerFailure {
  readonly ok: false;
  readonly code: ErrorCode;
  readonly message: string;
}

export type DescribeResult = {
  readonly ok: true;
  readonly inputs: ValueSignature[];
  readonly outputs: ValueSignature[];
  readonly provider: string;
  readonly loadMs: number;
};

export type DetectResult = {
  readonly ok: true;
  /** [x1, y1, x2, y2, score, class] rows in model-input pixels. */
  readonly boxes: Float64Array;
  readonly packMs: number;
  readonly runMs: number;
  readonly postprocessMs: number;
};

export type ClassifyResult = {
  readonly ok: true;
  /** count x classes raw outputs (probabilities or logits, as the model gives them). */
  readonly scores: Float32Array;
  readonly classes: number;
  readonly packMs: number;
  readonly runMs: number;
};

export type WorkerResult = DescribeResult | DetectResult | ClassifyResult | WorkerFailure;
