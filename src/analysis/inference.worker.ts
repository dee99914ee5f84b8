/**
 * The analysis worker thread: loads engines from the same modules as the main thread and runs one
 * engine call per task on a raster transferred from the main thread. Errors come back as data,
 * because structured cloning drops an AppError's code.
 */
import { threadId, workerData } from 'node:worker_threads';
import type { EngineOutput } from '../engines/engine.js';
import { EngineRegistry } from '../engines/engine-registry.js';
import { createRaster } from '../domain/raster.js';
import type { ScaleSource } from '../domain/analysis-result.js';
import { loadEngineDescriptors, type EngineInfoMessage, type WorkerSetup } from './engine-modules.js';

export type InferenceTask =
  | { kind: 'describe'; engine: string; model: string | null }
  | {
      kind: 'analyze';
      engine: string;
      model: string | null;
      width: number;
      height: number;
      data: ArrayBuffer;
      micronsPerPixel: number | null;
      scaleSource: ScaleSource;
    };

export type InferenceReply =
  | { ok: true; info: EngineInfoMessage; output?: EngineOutput; threadId: number }
  | { ok: false; code: string | null; message: string };

const setup = workerData as WorkerSetup;

async function createRegistry(): Promise<EngineRegistry> {
  const registry = new EngineRegistry();
  for (const descriptor of await loadEngineDescriptors(setup.engineModules)) registry.register(descriptor);
  return registry;
}

const registryPromise = createRegistry();
// Load the default engine while the worker starts, so its first task is not a cold one.
if (setup.preload) void registryPromise.then((r) => r.get(setup.preload!)).catch(() => undefined);

export default async function runInferenceTask(task: InferenceTask): Promise<InferenceReply> {
  try {
    const registry = await registryPromise;
    const engine = await registry.get(task.engine, { model: task.model ?? undefined });
    const info: EngineInfoMessage = {
      name: engine.name,
      version: engine.version,
      capabilities: engine.capabilities,
      model: engine.model,
    };
    if (task.kind === 'describe') return { ok: true, info, threadId };
    const raster = createRaster(task.width, task.height, new Uint8Array(task.data));
    const output = await engine.analyze(raster, {
      micronsPerPixel: task.micronsPerPixel,
      scaleSource: task.scaleSource,
    });
    return { ok: true, info, output, threadId };
  } catch (err) {
    // Duck-typed: an engine module loaded through another loader has its own AppError class.
    const code = (err as { code?: unknown } | null)?.code;
    return err instanceof Error && err.name === 'AppError' && typeof code === 'string'
      ? { ok: false, code, message: err.message }
      : { ok: false, code: null, message: err instanceof Error ? err.message : String(err) };
  }
}
