import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InferencePool } from '../../src/analysis/inference-pool.js';
import { createRaster } from '../../src/domain/raster.js';
import { AppError } from '../../src/errors.js';
import { TEST_ENGINE_MODULE } from '../fixtures/test-engines.js';

const options = { micronsPerPixel: 0.1, scaleSource: 'option' as const };

describe('inference pool (engines on worker threads)', () => {
  let pool: InferencePool;

  beforeAll(async () => {
    pool = new InferencePool({ threads: 2, engineModules: [TEST_ENGINE_MODULE], workerMemoryMb: 128 });
    // Worker start-up (loading the TypeScript loader) is not what these tests measure.
    await pool.describe('spin', null);
  });

  afterAll(async () => {
    await pool.destroy();
  });

  it('describes an engine loaded in a worker', async () => {
    expect(await pool.describe('spin', null)).toEqual({
      name: 'spin',
      version: '1.0.0',
      capabilities: { needsModel: false, morphotypes: true, explanations: false, estimatesScale: false },
      model: null,
    });
  });

  it('runs the engine off the main thread while the event loop keeps ticking', async () => {
    let ticks = 0;
    const timer = setInterval(() => (ticks += 1), 10);
    const output = await pool.runEngine('spin', null, createRaster(400, 2), options);
    clearInterval(timer);
    expect(output.stages?.thread).toBeGreaterThan(0);
    expect(output.detections).toHaveLength(1);
    expect(output.detections[0]?.box).toEqual([0, 0, 400, 2]);
    expect(output.scale).toEqual({ micronsPerPixel: 0.1, source: 'option' });
    // 400 ms of busy work inline would have let no 10 ms timer fire at all.
    expect(ticks).toBeGreaterThanOrEqual(10);
  });

  it('runs two jobs at once on two threads', async () => {
    const [a, b] = await Promise.all([
      pool.runEngine('spin', null, createRaster(200, 1), options),
      pool.runEngine('spin', null, createRaster(200, 1), options),
    ]);
    expect(a.stages?.thread).not.toBe(b.stages?.thread);
  });

  it('leaves the caller its raster (the worker gets a copy)', async () => {
    const raster = createRaster(20, 2);
    raster.data.fill(7);
    await pool.runEngine('spin', null, raster, options);
    expect(raster.data.length).toBe(120);
    expect(raster.data[119]).toBe(7);
  });

  it('cancels a running job by terminating its worker, and keeps serving', async () => {
    const controller = new AbortController();
    const reason = new AppError('ERR_DEADLINE', 'The client went away');
    const started = performance.now();
    const job = pool.runEngine('spin', null, createRaster(20_000, 1), {
      ...options,
      signal: controller.signal,
    });
    setTimeout(() => controller.abort(reason), 100);
    await expect(job).rejects.toBe(reason);
    expect(performance.now() - started).toBeLessThan(5000);
    const after = await pool.runEngine('spin', null, createRaster(30, 1), options);
    expect(after.detections).toHaveLength(1);
  });

  it('refuses a job whose signal is already aborted without running it', async () => {
    const controller = new AbortController();
    controller.abort(new AppError('ERR_DEADLINE'));
    await expect(
      pool.runEngine('spin', null, createRaster(5000, 1), { ...options, signal: controller.signal }),
    ).rejects.toMatchObject({ code: 'ERR_DEADLINE' });
  });

  it('brings catalogue errors back with their code, and others as plain errors', async () => {
    await expect(pool.runEngine('broken', null, createRaster(1, 1), options)).rejects.toMatchObject({
      code: 'ERR_IMAGE_CORRUPT',
      message: 'one pixel is not a field',
    });
    const plain = await pool.runEngine('broken', null, createRaster(2, 1), options).catch((e: unknown) => e);
    expect(plain).toBeInstanceOf(Error);
    expect(plain).not.toBeInstanceOf(AppError);
    expect((plain as Error).message).toBe('the broken engine broke');
    await expect(pool.describe('nope', null)).rejects.toMatchObject({ code: 'ERR_ENGINE_UNKNOWN' });
  });

  it('starts one worker, adds one when jobs overlap, and lets the extra one go when idle', async () => {
    const small = new InferencePool({
      threads: 2,
      engineModules: [TEST_ENGINE_MODULE],
      workerMemoryMb: 128,
      idleTimeoutMs: 2000,
    });
    try {
      await small.describe('spin', null);
      expect(small.stats().workers).toBe(1);
      const [a, b] = await Promise.all([
        small.runEngine('spin', null, createRaster(200, 1), options),
        small.runEngine('spin', null, createRaster(200, 1), options),
      ]);
      expect(a.stages?.thread).not.toBe(b.stages?.thread);
      expect(small.stats().workers).toBe(2);
      const deadline = Date.now() + 10_000;
      while (small.stats().workers > 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(small.stats().workers).toBe(1);
      // The one kept is warm and still serves.
      expect((await small.runEngine('spin', null, createRaster(10, 1), options)).detections).toHaveLength(1);
    } finally {
      await small.destroy();
    }
  });
});
