/**
 * A bounded queue in front of CPU-bound analysis work: at most `concurrency` jobs run, at most
 * `limit` wait, and the rest are refused at once with ERR_BUSY (HTTP 503 + Retry-After) instead
 * of piling up memory and latency. Each job has a deadline and stops waiting if its caller aborts.
 */
import { AppError } from '../errors.js';

export interface WorkQueueOptions {
  concurrency: number;
  limit: number;
  /** Seconds suggested to a refused client. */
  retryAfterSeconds?: number;
}

export interface WorkQueueStats {
  running: number;
  waiting: number;
  rejected: number;
}

interface Waiter {
  start: () => void;
  fail: (err: unknown) => void;
}

export class WorkQueue {
  readonly #concurrency: number;
  readonly #limit: number;
  readonly #retryAfter: number;
  readonly #waiting: Waiter[] = [];
  #running = 0;
  #rejected = 0;

  constructor(options: WorkQueueOptions) {
    this.#concurrency = Math.max(1, options.concurrency);
    this.#limit = Math.max(0, options.limit);
    this.#retryAfter = options.retryAfterSeconds ?? 1;
  }

  stats(): WorkQueueStats {
    return { running: this.#running, waiting: this.#waiting.length, rejected: this.#rejected };
  }

  /**
   * Runs `job` when a slot is free. Rejects with ERR_BUSY when the queue is full, with ERR_DEADLINE
   * when the deadline passes first, and with the signal's reason when the caller aborts.
   *
   * @example
   * const result = await queue.run(() => engine.analyze(raster, options), { deadlineMs: 30_000 });
   */
  async run<T>(
    job: (signal: AbortSignal) => Promise<T>,
    options: { deadlineMs: number; signal?: AbortSignal },
  ): Promise<T> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new AppError('ERR_DEADLINE')), options.deadlineMs);
    const onCallerAbort = (): void =>
      controller.abort(options.signal?.reason ?? new AppError('ERR_DEADLINE', 'The request was cancelled'));
    options.signal?.addEventListener('abort', onCallerAbort, { once: true });
    try {
      await this.#acquire(controller.signal);
      try {
        controller.signal.throwIfAborted();
        return await job(controller.signal);
      } finally {
        this.#release();
      }
    } finally {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onCallerAbort);
    }
  }

  #acquire(signal: AbortSignal): Promise<void> {
    if (this.#running < this.#concurrency) {
      this.#running += 1;
      return Promise.resolve();
    }
    if (this.#waiting.length >= this.#limit) {
      this.#rejected += 1;
      return Promise.reject(
        new AppError('ERR_BUSY', undefined, { headers: { 'retry-after': String(this.#retryAfter) } }),
      );
    }
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        start: () => {
          signal.removeEventListener('abort', onAbort);
          this.#running += 1;
          resolve();
        },
        fail: reject,
      };
      const onAbort = (): void => {
        const i = this.#waiting.indexOf(waiter);
        if (i >= 0) this.#waiting.splice(i, 1);
        reject(signal.reason instanceof Error ? signal.reason : new AppError('ERR_DEADLINE'));
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.#waiting.push(waiter);
    });
  }

  #release(): void {
    this.#running -= 1;
    this.#waiting.shift()?.start();
  }
}
