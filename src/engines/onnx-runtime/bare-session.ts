/**
 * A bare onnxruntime session on the calling thread, for `gramscope bench` to time `session.run` on
 * an already-prepared tensor against the full pipeline. Both the native runtime and the WebAssembly
 * one (onnxruntime-web, as a browser would run the model) are offered, with the same session
 * options as the engines' workers. Not used to serve analyses: it blocks its thread while it runs.
 */
import { readFile } from 'node:fs/promises';
import * as ortNode from 'onnxruntime-node';
import { sessionOptions } from './session-options.js';
import type { RuntimeSettings } from './worker-protocol.js';

export interface BareSession {
  readonly runtime: 'node' | 'wasm';
  /** Runs once and returns wall milliseconds of `session.run` alone. */
  run(tensor: Float32Array, dims: readonly number[]): Promise<number>;
  dispose(): Promise<void>;
}

/**
 * @example
 * const bare = await openBareSession('yolov5s.onnx', { threads: 0, provider: 'cpu' });
 * const ms = await bare.run(tensor, [1, 3, 480, 640]);
 */
export async function openBareSession(
  modelPath: string,
  runtime: RuntimeSettings,
  kind: 'node' | 'wasm' = 'node',
): Promise<BareSession> {
  const bytes = await readFile(modelPath);
  if (kind === 'wasm') {
    const ortWeb = await import('onnxruntime-web');
    ortWeb.env.wasm.numThreads = runtime.threads > 0 ? runtime.threads : 1;
    const session = await ortWeb.InferenceSession.create(bytes, {
      executionProviders: ['wasm'],
      graphOptimizationLevel: 'all',
    });
    const input = session.inputNames[0];
    return {
      runtime: 'wasm',
      async run(tensor, dims) {
        const t0 = performance.now();
        const out = await session.run({ [input]: new ortWeb.Tensor('float32', tensor, dims) });
        const ms = performance.now() - t0;
        for (const v of Object.values(out)) v.dispose();
        return ms;
      },
      dispose: () => session.release(),
    };
  }
  const session = await ortNode.InferenceSession.create(bytes, sessionOptions(runtime, ['cpu']));
  const input = session.inputNames[0];
  return {
    runtime: 'node',
    async run(tensor, dims) {
      const t0 = performance.now();
      const out = await session.run({ [input]: new ortNode.Tensor('float32', tensor, dims) });
      const ms = performance.now() - t0;
      for (const v of Object.values(out)) v.dispose();
      return ms;
    },
    dispose: () => session.release(),
  };
}
