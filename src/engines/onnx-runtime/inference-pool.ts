/**
 * A bounded pool of inference workers for one model (piscina). Each worker owns one session, created
 * once and reused; `workers` bounds how many inferences of this model run at once and `maxQueue` how
 * many may wait. Inference never runs on the caller's event loop.
 */
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import { AppError, isAppError } from '../../errors.js';
import type {
  ClassifyResult,
  DescribeResult,
  DetectResult,
  RuntimeSettings,
  WorkerFailure,
  WorkerInit,
  WorkerResult,
  WorkerTask,
} from './worker-protocol.js';

export interface InferencePoolOptions {
  readonly modelPath: string;
  readonly sha256: string;
  readonly runtime: RuntimeSettings;
  /** Sessions of this model that run at once (each in its own worker thread). */
  readonly workers: number;
  /** Tasks allowed to wait for a worker; beyond this the engine answers ERR_BUSY. */
  readonly maxQueue: number;
}

/** Sources run through tsx (tests, `npm run gramscope` in development) need its loader in the worker. */
function workerEntry(): { filename: string; execArgv: string[] } {
  const fromSource = import.meta.url.endsWith('.ts');
  const url = new URL(fromSource ? './inference.worker.ts' : './inference.worker.js', import.meta.url);
  const execArgv =
    fromSource && !process.execArgv.includes('tsx')
      ? [...process.execArgv, '--import', 'tsx']
      : process.execArgv;
  return { filename: fileURLToPath(url), execArgv };
}

function unwrap<T extends Exclude<WorkerResult, WorkerFailure>>(result: WorkerResult): T {
  if (!result.ok) throw new AppError(result.code, result.message);
  return result as T;
}

export class InferencePool {
  readonly #pool: Piscina<WorkerTask, WorkerResult>;
  #disposed = false;

  private constructor(pool: Piscina<WorkerTask, WorkerResult>) {
    this.#pool = pool;
  }

  /**
   * Starts the workers, loads the model in each (verifying its sha256) and returns the session's
   * input and output signatures. Fails with the model's ERR_MODEL_… error when it cannot load.
   *
   * @example
   * const { pool, description } = await InferencePool.open({ modelPath, sha256, runtime, workers: 1, maxQueue: 64 });
   */
  static async open(
    options: InferencePoolOptions,
  ): Promise<{ pool: InferencePool; description: DescribeResult }> {
    const workers = Math.max(1, options.workers);
    const entry = workerEntry();
    const init: WorkerInit = {
      modelPath: options.modelPath,
      sha256: options.sha256,
      runtime: options.runtime,
    };
    const piscina = new Piscina<WorkerTask, WorkerResult>({
      filename: entry.filename,
      execArgv: entry.execArgv,
      workerData: init,
      minThreads: workers,
      maxThreads: workers,
      maxQueue: Math.max(1, options.maxQueue),
      idleTimeout: Number.POSITIVE_INFINITY,
      concurrentTasksPerWorker: 1,
      closeTimeout: 10_000,
    });
    const pool = new InferencePool(piscina);
    try {
      // One describe per worker loads every session now rather than on a user's first request.
      const results = await Promise.all(
        Array.from({ length: workers }, () => pool.#run({ kind: 'describe' })),
      );
      return { pool, description: unwrap<DescribeResult>(results[0]) };
    } catch (err) {
      await pool.dispose();
      throw err;
    }
  }

  async #run(task: WorkerTask): Promise<WorkerResult> {
    if (this.#disposed) throw new AppError('ERR_NOT_READY', 'The engine has been shut down');
    try {
      return await this.#pool.run(task, { name: 'default' });
    } catch (err) {
      if (isAppError(err)) throw err;
      const message = err instanceof Error ? err.message : String(err);
      if (/queue is at limit/i.test(message)) {
        throw new AppError('ERR_BUSY', 'The model is busy; retry later', { headers: { 'Retry-After': '1' } });
      }
      throw new AppError('ERR_ENGINE_FAILED', 'An inference worker failed', { cause: err });
    }
  }

  async detect(task: Extract<WorkerTask, { kind: 'detect' }>): Promise<DetectResult> {
    return unwrap<DetectResult>(await this.#run(task));
  }

  async classify(task: Extract<WorkerTask, { kind: 'classify' }>): Promise<ClassifyResult> {
    return unwrap<ClassifyResult>(await this.#run(task));
  }

  /** Tasks waiting for a worker. */
  get queued(): number {
    return this.#pool.queueSize;
  }

  get workers(): number {
    return this.#pool.maxThreads;
  }

  /** Ends the workers; their sessions and native memory go with them. Idempotent. */
  async dispose(): Promise<void> {
    if (this.#disposed) return;
    this.#disposed = true;
    // close() lets running and queued inferences finish (bounded by closeTimeout) before the threads end.
    await this.#pool.close();
  }
}
