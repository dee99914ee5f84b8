/** The session options every gramscope onnxruntime session uses (engine workers and bench alike). */
import type { InferenceSession } from 'onnxruntime-node';
import type { RuntimeSettings } from './worker-protocol.js';

export function sessionOptions(
  runtime: Pick<RuntimeSettings, 'threads'>,
  providers: readonly string[],
): InferenceSession.SessionOptions {
  return {
    executionProviders: [...providers],
    graphOptimizationLevel: 'all',
    executionMode: 'sequential',
    enableCpuMemArena: true,
    enableMemPattern: true,
    interOpNumThreads: 1,
    ...(runtime.threads > 0 ? { intraOpNumThreads: runtime.threads } : {}),
    logSeverityLevel: 3,
  };
}
