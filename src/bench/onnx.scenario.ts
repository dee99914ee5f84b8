/**
 * ONNX engine benchmarks (issue 9):
 * - onnx-pipeline: a 2048x1536 JPEG through the YOLOv5s-architecture detector at 640, end to end
 *   (decode with shrink-on-load, letterbox, tensor packing, inference in the worker, decoding, NMS,
 *   result JSON), against the bare `session.run` on the already-prepared tensor, measured in the
 *   same run, interleaved; target ≤ 1.15x.
 *   The same request through the HTTP API in process (multipart, intake, stored result, audit) is
 *   measured against the bare run too (`onnx.pipeline.http.ratio`).
 * - onnx-tiles: tiled inference on fields of 12, 48 and 192 tiles (2000x1500 to 8000x6000): time per
 *   tile should stay flat (linear scaling) and peak memory growth should not grow with tile count.
 * - onnx-wasm: the same model in onnxruntime-web (WebAssembly) and onnxruntime-node, for reference.
 * - onnx-cold-start: `gramscope serve` with a YOLOv5s-architecture detector active: spawn to the
 *   first onnx-detector analysis answered, and what the first and second analyses cost (the session
 *   loads on the first request that needs it, once, and is reused).
 */
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { decodeForEngine } from '../analysis/decode-for-engine.js';
import { analyzeField } from '../analysis/analyze-field.js';
import type { OnnxDetectorEngine } from '../engines/onnx-detector/onnx-detector.engine.js';
import { openBareSession } from '../engines/onnx-runtime/bare-session.js';
import { computeLetterbox, packLetterboxed } from '../imaging/letterbox.js';
import { DEFAULT_INTAKE_LIMITS, encodeJpeg } from '../imaging/intake.js';
import { resizeRaster } from '../imaging/transform.js';
import { median, type BenchContext, type BenchFigure, type BenchScenario } from './bench.js';
import { loadBenchDetector, registerBenchDetector, renderBenchField, tileField } from './onnx-fixtures.js';
import { multipartBody, startBenchServer } from './server-process.js';

const cpuMs = (since: NodeJS.CpuUsage): number => {
  const c = process.cpuUsage(since);
  return (c.user + c.system) / 1000;
};

interface PipelineFigures {
  e2e: number[];
  bare: number[];
  e2eCpu: number[];
  bareCpu: number[];
  stages: Map<string, number[]>;
  dims: number[];
  /** Milliseconds per image with two images in flight (a specimen's fields submitted together). */
  pipelinedMsPerImage: number;
  /**
   * Event-loop delay (ms, max and p99) while only the pipeline ran, and while only bare runs ran on
   * this thread: measured in phases of their own, since a histogram enabled right after a blocking
   * bare run reports that block as the pipeline's.
   */
  loopDelayMs: { e2eMax: number; e2eP99: number; bareMax: number };
}

/** The tensor the pipeline feeds the model for this JPEG, prepared once for the bare `session.run`. */
async function preparedTensor(
  jpeg: Buffer,
  engine: OnnxDetectorEngine,
): Promise<{ tensor: Float32Array; dims: number[] }> {
  const decoded = await decodeForEngine(jpeg, DEFAULT_INTAKE_LIMITS, engine, null);
  const lb = computeLetterbox(decoded.raster.width, decoded.raster.height, {
    width: engine.format.inputWidth,
    height: engine.format.inputHeight,
    rectangular: engine.format.dynamicInput,
    stride: engine.format.stride,
  });
  const resized = await resizeRaster(decoded.raster, lb.resizedWidth, lb.resizedHeight);
  return { tensor: packLetterboxed(resized.data, lb), dims: [1, 3, lb.height, lb.width] };
}

async function measurePipeline(
  ctx: BenchContext,
  dynamic: boolean,
  seconds: number,
): Promise<PipelineFigures> {
  const { engine, model } = await loadBenchDetector(ctx.workDir, 's', { dynamic });
  const bare = await openBareSession(model.filePath, { threads: 0, provider: 'cpu' });
  try {
    const jpeg = await encodeJpeg(renderBenchField(), 90);
    const scale = { micronsPerPixel: null, source: 'unknown' as const };
    const e2eOnce = async (): Promise<{ ms: number; cpu: number; stages: Record<string, number> }> => {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      const decoded = await decodeForEngine(jpeg, DEFAULT_INTAKE_LIMITS, engine, null);
      const result = await analyzeField(decoded, engine, { scale });
      const json = JSON.stringify(result);
      const ms = performance.now() - t0;
      if (json.length === 0) throw new Error('empty result');
      return {
        ms,
        cpu: cpuMs(c0),
        stages: {
          imageDecodeMs: decoded.decodeMs,
          ...(result.timings.stages ?? {}),
          resultMs: ms - result.timings.totalMs,
        },
      };
    };
    // The tensor the pipeline feeds the model, prepared once.
    const { tensor, dims } = await preparedTensor(jpeg, engine);
    for (let i = 0; i < 3; i++) {
      await e2eOnce();
      await bare.run(tensor, dims);
    }
    const out: PipelineFigures = {
      e2e: [],
      bare: [],
      e2eCpu: [],
      bareCpu: [],
      stages: new Map(),
      dims,
      loopDelayMs: { e2eMax: 0, e2eP99: 0, bareMax: 0 },
      pipelinedMsPerImage: 0,
    };
    const deadline = performance.now() + seconds * 1000;
    for (let i = 0; i < 200 && (i < 10 || performance.now() < deadline); i++) {
      // Alternate the order so neither side always runs right after the other.
      const runBare = async (): Promise<void> => {
        const c0 = process.cpuUsage();
        out.bare.push(await bare.run(tensor, dims));
        out.bareCpu.push(cpuMs(c0));
      };
      const runE2e = async (): Promise<void> => {
        const r = await e2eOnce();
        out.e2e.push(r.ms);
        out.e2eCpu.push(r.cpu);
        for (const [k, v] of Object.entries(r.stages)) out.stages.set(k, [...(out.stages.get(k) ?? []), v]);
      };
      if (i % 2 === 0) {
        await runE2e();
        await runBare();
      } else {
        await runBare();
        await runE2e();
      }
    }
    const phase = async (run: () => Promise<unknown>, times: number) => {
      const h = monitorEventLoopDelay({ resolution: 5 });
      h.enable();
      for (let i = 0; i < times; i++) await run();
      h.disable();
      return { max: h.max / 1e6, p99: h.percentile(99) / 1e6 };
    };
    const e2eLoop = await phase(e2eOnce, 6);
    const bareLoop = await phase(() => bare.run(tensor, dims), 6);
    out.loopDelayMs = { e2eMax: e2eLoop.max, e2eP99: e2eLoop.p99, bareMax: bareLoop.max };
    // Throughput: twelve images, two in flight, so one image's decode overlaps the other's inference.
    const images = 12;
    let next = 0;
    const t0 = performance.now();
    await Promise.all(
      [0, 1].map(async () => {
        while (next++ < images) await e2eOnce();
      }),
    );
    out.pipelinedMsPerImage = (performance.now() - t0) / images;
    return out;
  } finally {
    await bare.dispose();
    await engine.dispose();
  }
}

function pipelineFigures(prefix: string, p: PipelineFigures, primary: boolean): BenchFigure[] {
  const e2e = median(p.e2e);
  const bare = median(p.bare);
  const shape = `${p.dims[3]}x${p.dims[2]}`;
  const figures: BenchFigure[] = [
    {
      key: `${prefix}.ratio`,
      value: e2e / bare,
      unit: 'x',
      ...(primary ? { target: { op: '<=' as const, value: 1.15 } } : {}),
      note: `median end-to-end / median bare session.run, ${p.e2e.length} interleaved pairs, input ${shape}`,
    },
    {
      key: `${prefix}.ratio_to_worker_run`,
      value: e2e / median(p.stages.get('inferMs') ?? [Number.NaN]),
      unit: 'x',
      note: "median end-to-end / median session.run inside the engine's worker in the same runs: the pipeline's own overhead, free of main-thread vs worker scheduling on a busy machine",
    },
    {
      key: `${prefix}.cpu_ratio`,
      value: median(p.e2eCpu) / median(p.bareCpu),
      unit: 'x',
      note: 'process CPU time, same pairs',
    },
    { key: `${prefix}.e2e_median_ms`, value: e2e, unit: 'ms', note: '2048x1536 JPEG → result JSON' },
    {
      key: `${prefix}.bare_run_median_ms`,
      value: bare,
      unit: 'ms',
      note: `session.run on the prepared ${shape} tensor`,
    },
  ];
  figures.push(
    {
      key: `${prefix}.pipelined_ratio`,
      value: p.pipelinedMsPerImage / bare,
      unit: 'x',
      note: 'ms per image with two images in flight / median bare session.run',
    },
    {
      key: `${prefix}.event_loop_max_delay_ms`,
      value: p.loopDelayMs.e2eMax,
      unit: 'ms',
      note: 'longest event-loop stall over six pipeline runs alone (inference runs in a worker)',
    },
    {
      key: `${prefix}.event_loop_p99_delay_ms`,
      value: p.loopDelayMs.e2eP99,
      unit: 'ms',
      note: 'p99 event-loop delay over the same runs',
    },
    {
      key: `${prefix}.bare_event_loop_max_delay_ms`,
      value: p.loopDelayMs.bareMax,
      unit: 'ms',
      note: 'the same over six bare session.run calls on the calling thread, for contrast',
    },
  );
  for (const [name, values] of p.stages)
    figures.push({ key: `${prefix}.stage.${name}`, value: median(values), unit: 'ms' });
  return figures;
}

/**
 * The same model and JPEG through the HTTP API in process (`app.inject`): multipart parsing, intake
 * checks, decode, the engine, the stored result and the audit entry — what a client's request costs
 * the server — against the bare run on the tensor that request feeds the model, interleaved.
 */
async function measureHttp(
  ctx: BenchContext,
  seconds: number,
): Promise<{ http: number[]; bare: number[]; dims: number[] }> {
  const dataDir = path.join(ctx.workDir, 'http-data');
  await registerBenchDetector(dataDir, 's');
  const { createAppContext } = await import('../app/context.js');
  const { loadConfig } = await import('../config/load-config.js');
  const { buildApp } = await import('../server/build-app.js');
  const app = await createAppContext(loadConfig({}, { 'storage.dataDir': dataDir }));
  const server = await buildApp(app);
  let bare: Awaited<ReturnType<typeof openBareSession>> | null = null;
  try {
    const engine = (await app.engines.get('onnx-detector')) as OnnxDetectorEngine;
    const { filePath } = await app.models.resolve('onnx-detector');
    bare = await openBareSession(filePath, { threads: 0, provider: 'cpu' });
    const jpeg = await encodeJpeg(renderBenchField(), 90);
    const { body, contentType } = multipartBody(jpeg);
    const boundary = contentType.split('boundary=')[1];
    const payload = Buffer.concat([
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="engine"\r\n\r\nonnx-detector\r\n`),
      body,
    ]);
    const { tensor, dims } = await preparedTensor(jpeg, engine);
    const post = async (): Promise<number> => {
      const t0 = performance.now();
      const res = await server.inject({
        method: 'POST',
        url: '/api/v1/analyses',
        headers: { 'content-type': contentType },
        payload,
      });
      const ms = performance.now() - t0;
      if (res.statusCode !== 201) throw new Error(`the analysis answered ${res.statusCode}: ${res.body}`);
      return ms;
    };
    for (let i = 0; i < 3; i++) {
      await post();
      await bare.run(tensor, dims);
    }
    const out = { http: [] as number[], bare: [] as number[], dims };
    const deadline = performance.now() + seconds * 1000;
    for (let i = 0; i < 200 && (i < 8 || performance.now() < deadline); i++) {
      if (i % 2 === 0) {
        out.http.push(await post());
        out.bare.push(await bare.run(tensor, dims));
      } else {
        out.bare.push(await bare.run(tensor, dims));
        out.http.push(await post());
      }
    }
    return out;
  } finally {
    await bare?.dispose();
    await server.close();
    await app.close();
  }
}

export const onnxPipelineScenario: BenchScenario = {
  name: 'onnx-pipeline',
  description: 'YOLOv5s-architecture detector at 640 on a 2048x1536 JPEG: end to end vs bare session.run',
  async run(ctx) {
    // Rectangular inference (dynamic axes) is the primary figure; a fixed 640x640 export follows.
    const rect = await measurePipeline(ctx, true, ctx.budgetSeconds * 0.45);
    ctx.log(`rectangular: ${rect.e2e.length} pairs`);
    const square = await measurePipeline(ctx, false, ctx.budgetSeconds * 0.2);
    ctx.log(`square: ${square.e2e.length} pairs`);
    const http = await measureHttp(ctx, ctx.budgetSeconds * 0.2);
    ctx.log(`http: ${http.http.length} pairs`);
    return [
      ...pipelineFigures('onnx.pipeline', rect, true),
      ...pipelineFigures('onnx.pipeline.square', square, false),
      {
        key: 'onnx.pipeline.http.ratio',
        value: median(http.http) / median(http.bare),
        unit: 'x',
        target: { op: '<=', value: 1.15 },
        note: `POST /api/v1/analyses in process (multipart, intake, engine, stored result, audit) / bare session.run, ${http.http.length} interleaved pairs, input ${http.dims[3]}x${http.dims[2]}`,
      },
      { key: 'onnx.pipeline.http.median_ms', value: median(http.http), unit: 'ms' },
      { key: 'onnx.pipeline.http.bare_run_median_ms', value: median(http.bare), unit: 'ms' },
    ];
  },
};

export const onnxTilesScenario: BenchScenario = {
  name: 'onnx-tiles',
  description:
    'Tiled YOLOv5n-architecture inference on 2000x1500, 4000x3000 and 8000x6000 fields: ms per tile, peak memory',
  async run(ctx) {
    const { engine } = await loadBenchDetector(ctx.workDir, 'n', {
      dynamic: true,
      detector: { tiling: 'tiled', tileOverlap: 0.2 },
    });
    try {
      const source = renderBenchField(202);
      const sizes: [number, number][] = [
        [2000, 1500],
        [4000, 3000],
        [8000, 6000],
      ];
      const scale = { micronsPerPixel: null, scaleSource: 'unknown' as const };
      // Warm-up: the runtime's arena and the JIT reach their steady state.
      await engine.analyze(tileField(source, 2000, 1500), scale);
      const figures: BenchFigure[] = [];
      const perTile: number[] = [];
      const growth: number[] = [];
      for (const [w, h] of sizes) {
        const field = tileField(source, w, h);
        const plan = engine.plan(w, h, null);
        const tiles = plan.mode === 'tiled' ? plan.tiles.length : 1;
        global.gc?.();
        const base = process.memoryUsage().rss;
        let peak = base;
        const sampler = setInterval(() => {
          peak = Math.max(peak, process.memoryUsage().rss);
        }, 10);
        const t0 = performance.now();
        const out = await engine.analyze(field, scale);
        const ms = performance.now() - t0;
        clearInterval(sampler);
        peak = Math.max(peak, process.memoryUsage().rss);
        perTile.push(ms / tiles);
        growth.push((peak - base) / 2 ** 20);
        ctx.log(`${w}x${h}: ${tiles} tiles, ${ms.toFixed(0)} ms, ${out.detections.length} detections`);
        figures.push(
          { key: `onnx.tiles.${w}x${h}.tiles`, value: tiles, unit: 'tiles' },
          { key: `onnx.tiles.${w}x${h}.ms_per_tile`, value: ms / tiles, unit: 'ms' },
          {
            key: `onnx.tiles.${w}x${h}.peak_rss_growth_mb`,
            value: (peak - base) / 2 ** 20,
            unit: 'MB',
            note: `above the RSS with the ${((w * h * 3) / 2 ** 20).toFixed(0)} MB field already decoded`,
          },
        );
      }
      figures.push(
        {
          key: 'onnx.tiles.linearity',
          value: perTile[2] / perTile[0],
          unit: 'x',
          target: { op: '<=', value: 1.15 },
          note: 'ms per tile at 192 tiles / at 12 tiles (1.0 = perfectly linear)',
        },
        {
          key: 'onnx.tiles.memory_growth_192_minus_12_mb',
          value: growth[2] - growth[0],
          unit: 'MB',
          target: { op: '<=', value: 64 },
          note: 'extra peak memory of 16x the tiles: bounded, not proportional to tile count',
        },
      );
      return figures;
    } finally {
      await engine.dispose();
    }
  },
};

export const onnxWasmScenario: BenchScenario = {
  name: 'onnx-wasm',
  description:
    'The YOLOv5s-architecture model in onnxruntime-web (WebAssembly) vs onnxruntime-node, for reference',
  async run(ctx) {
    const { engine, model } = await loadBenchDetector(ctx.workDir, 's', { dynamic: true });
    await engine.dispose();
    const dims = [1, 3, 480, 640];
    const tensor = new Float32Array(3 * 480 * 640);
    for (let i = 0; i < tensor.length; i++) tensor[i] = ((i * 2654435761) % 1000) / 1000;
    const figures: BenchFigure[] = [];
    const results = new Map<string, number>();
    for (const [label, kind, threads] of [
      ['node', 'node', 0],
      ['node_1thread', 'node', 1],
      ['wasm_1thread', 'wasm', 1],
    ] as const) {
      const bare = await openBareSession(model.filePath, { threads, provider: 'cpu' }, kind);
      try {
        await bare.run(tensor, dims);
        const times: number[] = [];
        const deadline = performance.now() + ctx.budgetSeconds * 250;
        for (let i = 0; i < 20 && (i < 3 || performance.now() < deadline); i++)
          times.push(await bare.run(tensor, dims));
        results.set(label, median(times));
        figures.push({
          key: `onnx.wasm.${label}_median_ms`,
          value: median(times),
          unit: 'ms',
          note: `${times.length} runs at 640x480`,
        });
      } finally {
        await bare.dispose();
      }
    }
    figures.push(
      {
        key: 'onnx.wasm.ratio_wasm_to_node',
        value: results.get('wasm_1thread')! / results.get('node')!,
        unit: 'x',
        note: 'wasm (1 thread) / node (default threads)',
      },
      {
        key: 'onnx.wasm.ratio_wasm_to_node_1thread',
        value: results.get('wasm_1thread')! / results.get('node_1thread')!,
        unit: 'x',
        note: 'both on one thread',
      },
    );
    return figures;
  },
};

export const onnxColdStartScenario: BenchScenario = {
  name: 'onnx-cold-start',
  description:
    'serve with a YOLOv5s-architecture detector active: spawn → first onnx-detector analysis of a 2048x1536 JPEG',
  async run(ctx) {
    const dataDir = path.join(ctx.workDir, 'data');
    await registerBenchDetector(dataDir, 's');
    const jpeg = await encodeJpeg(renderBenchField(), 90);
    const { body, contentType } = multipartBody(jpeg);
    // The engine named as a form field: the default engine (morphology) loads at start, the
    // detector's session on its first request.
    const form = Buffer.concat([
      Buffer.from(
        `--${contentType.split('boundary=')[1]}\r\nContent-Disposition: form-data; name="engine"\r\n\r\nonnx-detector\r\n`,
      ),
      body,
    ]);
    const runs = Math.max(2, Math.min(5, Math.floor(ctx.budgetSeconds / 10)));
    const totals: number[] = [];
    const readies: number[] = [];
    const firsts: number[] = [];
    const seconds: number[] = [];
    for (let i = 0; i < runs; i++) {
      const server = await startBenchServer(dataDir);
      try {
        const post = async (): Promise<number> => {
          const t0 = performance.now();
          const res = await fetch(`${server.url}/api/v1/analyses`, {
            method: 'POST',
            body: form,
            headers: { 'content-type': contentType },
          });
          const json = (await res.json()) as { engine?: { name?: string; model?: { id?: string } } };
          if (res.status !== 201 || json.engine?.name !== 'onnx-detector')
            throw new Error(`the analysis answered ${res.status} ${JSON.stringify(json).slice(0, 200)}`);
          return performance.now() - t0;
        };
        firsts.push(await post());
        totals.push(performance.now() - server.startedAt);
        readies.push(server.readyMs);
        seconds.push(await post());
      } finally {
        await server.stop();
      }
    }
    ctx.log(`spawn → first onnx analysis (ms): ${totals.map((t) => Math.round(t)).join(', ')}`);
    return [
      {
        key: 'onnx.cold_start.first_analysis_ms',
        value: median(totals),
        unit: 'ms',
        note: `median of ${runs}: spawn → listening → first 2048x1536 field answered by onnx-detector (YOLOv5s arch)`,
      },
      { key: 'onnx.cold_start.ready_ms', value: median(readies), unit: 'ms', note: 'spawn → listening' },
      {
        key: 'onnx.cold_start.first_request_ms',
        value: median(firsts),
        unit: 'ms',
        note: 'the first onnx-detector request, including loading its session',
      },
      {
        key: 'onnx.cold_start.second_request_ms',
        value: median(seconds),
        unit: 'ms',
        note: 'the next request: the session is reused, not loaded again',
      },
      {
        key: 'onnx.cold_start.session_load_ms',
        value: median(firsts) - median(seconds),
        unit: 'ms',
        note: 'first minus second request: what loading the model costs, once per process',
      },
    ];
  },
};
