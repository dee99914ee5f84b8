/**
 * Worker threads for CPU-bound engines (piscina), so analyses never block the event loop that
 * answers health checks, WebSocket pings and other requests. The bounded WorkQueue in front keeps
 * at most one job per thread in flight, so piscina's own queue stays empty; a cancelled job
 * terminates its worker (piscina replaces it), which is the only way to stop synchronous code.
 *
 * Engines whose work already leaves the event loop (ONNX Runtime runs on native threads) or that
 * need the application's services to be built stay inline; they are registered directly.
 */
import { Piscina } from 'piscina';
import type { Engine, EngineDescriptor } from '../engines/engine.js';
import type { RasterImage } from '../domain/raster.js';
import { AppError, ERROR_CATALOGUE, type ErrorCode } from '../errors.js';
import type { EngineInfoMessage, WorkerSetup } from './engine-modules.js';
import type { InferenceReply, InferenceTask } from './inference.worker.js';

export interface InferencePoolOptions {
  threads: number;
  /** file: URLs of modules exporting engine descriptors (see engine-modules.ts). */
  engineModules: string[];
  /** Engine each worker loads as it starts. */
  preload?: string;
  /** Heap limit per worker, MiB. */
  workerMemoryMb: number;
  /**
   * Workers beyond the first exit after this long without work (the first stays, warm). Default:
   * never.
   */
  idleTimeoutMs?: number;
}

export interface InferencePoolStats {
  threads: number;
  /** Worker threads alive now (one at rest; up to `threads` while analyses overlap). */
  workers: number;
  /** Tasks running in workers now. */
  running: number;
  completed: number;
  /** Fraction of time workers were busy since start (0..1). */
  utilization: number;
}

const FROM_SOURCES = import.meta.url.endsWith('.ts');

function toError(reply: Extract<InferenceReply, { ok: false }>): Error {
  if (reply.code && reply.code in ERROR_CATALOGUE)
    return new AppError(reply.code as ErrorCode, reply.message);
  return new Error(reply.message);
}

export class InferencePool {
  readonly threads: number;
  readonly #pool: Piscina<InferenceTask, InferenceReply>;
  #running = 0;

  constructor(options: InferencePoolOptions) {
    this.threads = Math.max(1, options.threads);
    const setup: WorkerSetup = {
      engineModules: options.engineModules,
      ...(options.preload ? { preload: options.preload } : {}),
    };
    this.#pool = new Piscina<InferenceTask, InferenceReply>({
      filename: new URL(`./inference.worker.${FROM_SOURCES ? 'ts' : 'js'}`, import.meta.url).href,
      // One worker starts with the process (and loads the default engine); the others start when
      // two analyses overlap. A cold start then loads the engine once, not once per core, on
      // cores it shares with the first analysis (SPEC §3: start to first answer ≤ 1.5 s).
      minThreads: 1,
      maxThreads: this.threads,
      // The first worker is kept, so an analysis after a quiet spell is never a cold one; the
      // others give their memory back after a quiet spell when configured to.
      idleTimeout: Math.min(options.idleTimeoutMs ?? 2 ** 31 - 1, 2 ** 31 - 1),
      concurrentTasksPerWorker: 1,
      maxQueue: 'auto',
      resourceLimits: { maxOldGenerationSizeMb: options.workerMemoryMb },
      // Running from TypeScript sources (tests, tsx): the workers need the same loader.
      ...(FROM_SOURCES ? { execArgv: ['--import', 'tsx'] } : {}),
      workerData: setup,
    });
  }

  stats(): InferencePoolStats {
    return {
      threads: this.threads,
      workers: this.#pool.threads.length,
      running: this.#running,
      completed: this.#pool.completed,
      utilization: this.#pool.utilization,
    };
  }

  async #run(task: InferenceTask, signal?: AbortSignal, transfer?: ArrayBuffer[]): Promise<InferenceReply> {
    this.#running += 1;
    try {
      return await this.#pool.run(task, {
        ...(signal ? { signal } : {}),
        ...(transfer ? { transferList: transfer } : {}),
      });
    } catch (err) {
      if (signal?.aborted) throw signal.reason;
      throw err;
    } finally {
      this.#running -= 1;
    }
  }

  /** Loads the engine in a worker and returns what the main thread needs to know about it. */
  async describe(engine: string, model: string | null): Promise<EngineInfoMessage> {
    const reply = await this.#run({ kind: 'describe', engine, model });
    if (!reply.ok) throw toError(reply);
    return reply.info;
  }

  /**
   * A descriptor whose engines run in the pool's workers. The worker must be able to build the
   * same descriptor from its modules.
   *
   * @example
   * registry.register(pool.wrap(morphologyEngineDescriptor));
   */
  wrap(descriptor: EngineDescriptor): EngineDescriptor {
    return {
      name: descriptor.name,
      description: descriptor.description,
      priority: descriptor.priority,
      needsModel: descriptor.needsModel,
      create: async (request) => {
        const model = request.model ?? null;
        const info = await this.describe(descriptor.name, model);
        return new PooledEngine(this, descriptor.name, model, info);
      },
    };
  }

  /** Runs one engine call in a worker. The raster is copied, so the caller keeps its own. */
  async runEngine(
    engine: string,
    model: string | null,
    image: RasterImage,
    options: Parameters<Engine['analyze']>[1],
  ): Promise<NonNullable<Extract<InferenceReply, { ok: true }>['output']>> {
    options.signal?.throwIfAborted();
    const copy = new Uint8Array(image.data);
    const reply = await this.#run(
      {
        kind: 'analyze',
        engine,
        model,
        width: image.width,
        height: image.height,
        data: copy.buffer,
        micronsPerPixel: options.micronsPerPixel,
        scaleSource: options.scaleSource,
      },
      options.signal,
      [copy.buffer],
    );
    if (!reply.ok) throw toError(reply);
    if (!reply.output) throw new Error('the worker returned no output');
    return reply.output;
  }

  async destroy(): Promise<void> {
    await this.#pool.destroy();
  }
}

/** The main thread's stand-in for an engine living in the workers. */
class PooledEngine implements Engine {
  readonly name: string;
  readonly version: string;
  readonly capabilities: Engine['capabilities'];
  readonly model: Engine['model'];

  constructor(
    private readonly pool: InferencePool,
    private readonly descriptorName: string,
    private readonly modelId: string | null,
    info: EngineInfoMessage,
  ) {
    this.name = info.name;
    this.version = info.version;
    this.capabilities = info.capabilities;
    this.model = info.model;
  }

  analyze(image: RasterImage, options: Parameters<Engine['analyze']>[1]): ReturnType<Engine['analyze']> {
    return this.pool.runEngine(this.descriptorName, this.modelId, image, options);
  }
}
