import { describe, expect, it } from 'vitest';
import { WorkQueue } from '../../src/analysis/work-queue.js';
import { AppError } from '../../src/errors.js';

const deferred = () => {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
};

describe('WorkQueue', () => {
  it('runs at most `concurrency` jobs and refuses beyond the limit with ERR_BUSY and Retry-After', async () => {
    const queue = new WorkQueue({ concurrency: 1, limit: 1, retryAfterSeconds: 3 });
    const gate = deferred();
    const first = queue.run(() => gate.promise.then(() => 'a'), { deadlineMs: 5000 });
    const second = queue.run(() => Promise.resolve('b'), { deadlineMs: 5000 });
    expect(queue.stats()).toMatchObject({ running: 1, waiting: 1 });
    const third = queue.run(() => Promise.resolve('c'), { deadlineMs: 5000 });
    await expect(third).rejects.toMatchObject({ code: 'ERR_BUSY', headers: { 'retry-after': '3' } });
    gate.resolve();
    expect(await first).toBe('a');
    expect(await second).toBe('b');
    expect(queue.stats()).toEqual({ running: 0, waiting: 0, rejected: 1 });
  });

  it('fails a waiting job at its deadline and frees its place', async () => {
    const queue = new WorkQueue({ concurrency: 1, limit: 4 });
    const gate = deferred();
    const first = queue.run(() => gate.promise, { deadlineMs: 5000 });
    const late = queue.run(() => Promise.resolve('never'), { deadlineMs: 30 });
    await expect(late).rejects.toBeInstanceOf(AppError);
    await expect(late).rejects.toMatchObject({ code: 'ERR_DEADLINE' });
    expect(queue.stats().waiting).toBe(0);
    gate.resolve();
    await first;
  });

  it('stops waiting when the caller aborts', async () => {
    const queue = new WorkQueue({ concurrency: 1, limit: 4 });
    const gate = deferred();
    const first = queue.run(() => gate.promise, { deadlineMs: 5000 });
    const controller = new AbortController();
    const second = queue.run(() => Promise.resolve(1), { deadlineMs: 5000, signal: controller.signal });
    controller.abort(new Error('client went away'));
    await expect(second).rejects.toThrow('client went away');
    gate.resolve();
    await first;
    expect(queue.stats()).toMatchObject({ running: 0, waiting: 0 });
  });

  it('passes an abort signal to the running job at the deadline', async () => {
    const queue = new WorkQueue({ concurrency: 1, limit: 0 });
    let seen: AbortSignal | undefined;
    const job = queue.run(
      (signal) => {
        seen = signal;
        return new Promise((_, reject) =>
          signal.addEventListener('abort', () => reject(signal.reason as Error)),
        );
      },
      { deadlineMs: 20 },
    );
    await expect(job).rejects.toMatchObject({ code: 'ERR_DEADLINE' });
    expect(seen?.aborted).toBe(true);
  });
});
