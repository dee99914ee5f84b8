/**
 * Service benchmarks (SPEC §3): saturating throughput of POST /api/v1/analyses on 2048x1536 fields
 * with the latency spread at that load, behaviour under 2x overload (only explicit 503s), resident
 * memory, cold start, and live frames per second at 640x480. The server runs as a child process;
 * load comes from this process (autocannon for HTTP, ws for live). Both are development
 * dependencies, imported only when a scenario runs, so the production CLI never loads them.
 */
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { renderField } from '../datasets/synth/index.js';
import { encodeJpeg } from '../imaging/intake.js';
import type { BenchFigure, BenchScenario } from './bench.js';
import { median } from './bench.js';
import { multipartBody, startBenchServer } from './server-process.js';

interface LoadResult {
  requests: number;
  throughput: number;
  p50: number;
  p99: number;
  statuses: Record<string, number>;
  errors: number;
  timeouts: number;
  peakRssMb: number;
}

async function runLoad(
  url: string,
  body: { body: Buffer; contentType: string },
  connections: number,
  seconds: number,
  rss: () => number,
): Promise<LoadResult> {
  const { default: autocannon } = await import('autocannon');
  let peak = rss();
  const sampler = setInterval(() => (peak = Math.max(peak, rss())), 200);
  const result = await autocannon({
    url: `${url}/api/v1/analyses`,
    method: 'POST',
    headers: { 'content-type': body.contentType },
    body: body.body,
    connections,
    duration: seconds,
    timeout: 30,
  });
  clearInterval(sampler);
  const statuses: Record<string, number> = {};
  for (const [code, v] of Object.entries(result.statusCodeStats ?? {}))
    statuses[code] = (v as { count: number }).count;
  return {
    requests: result.requests.total,
    throughput: (statuses['201'] ?? 0) / seconds,
    p50: result.latency.p50,
    p99: result.latency.p99,
    statuses,
    errors: result.errors,
    timeouts: result.timeouts,
    peakRssMb: peak,
  };
}

async function fieldJpeg(width: number, height: number, seed: number): Promise<Buffer> {
  const field = renderField({ seed, width, height, labels: ['s_aureus', 'rbc'], site: 0 });
  return encodeJpeg(field.raster, 90);
}

export const httpLoadScenario: BenchScenario = {
  name: 'http',
  description:
    'POST /api/v1/analyses on 2048x1536 fields: saturating throughput, p50/p99, 2x overload, memory',
  async run(ctx) {
    const body = multipartBody(await fieldJpeg(2048, 1536, 7));
    const server = await startBenchServer(path.join(ctx.workDir, 'data'));
    const threads = availableParallelism();
    const queueLimit = 16;
    try {
      // Warm-up: JIT and both workers' first field.
      await runLoad(server.url, body, threads, 3, server.rssMb);
      const baseline = server.rssMb();
      const seconds = Math.max(5, Math.min(20, Math.floor(ctx.budgetSeconds / 4)));
      // Saturating: every worker busy and one request waiting behind each.
      const cpuBefore = server.cpuMs();
      const saturating = await runLoad(server.url, body, threads * 2, seconds, server.rssMb);
      const cpuPerAnalysis = (server.cpuMs() - cpuBefore) / Math.max(1, saturating.statuses['201'] ?? 0);
      ctx.log(`saturating (${threads * 2} connections): ${JSON.stringify(saturating)}`);
      // 2x overload: twice as many clients as slots and queue places together.
      const overloadConnections = 2 * (threads + queueLimit);
      const overload = await runLoad(server.url, body, overloadConnections, seconds, server.rssMb);
      ctx.log(`overload (${overloadConnections} connections): ${JSON.stringify(overload)}`);
      await new Promise((r) => setTimeout(r, 5000));
      const after = server.rssMb();
      const unexpected =
        overload.errors +
        overload.timeouts +
        Object.entries(overload.statuses)
          .filter(([code]) => code !== '201' && code !== '503')
          .reduce((n, [, c]) => n + c, 0);
      const figures: BenchFigure[] = [
        {
          key: 'http.saturating_rps',
          value: saturating.throughput,
          unit: 'req/s',
          note: `${threads} worker threads, ${threads * 2} connections, 2048x1536 JPEG`,
        },
        {
          key: 'http.server_cpu_ms_per_analysis',
          value: cpuPerAnalysis,
          unit: 'ms',
          note: `server process CPU (all threads) per 201 at saturation; ${threads} cores ⇒ at most ${((threads * 1000) / cpuPerAnalysis).toFixed(1)} req/s on an idle machine`,
        },
        { key: 'http.p50_ms', value: saturating.p50, unit: 'ms' },
        { key: 'http.p99_ms', value: saturating.p99, unit: 'ms' },
        {
          key: 'http.p99_over_p50',
          value: saturating.p99 / saturating.p50,
          unit: '×',
          target: { op: '<=', value: 3 },
        },
        {
          key: 'http.overload_rps',
          value: overload.throughput,
          unit: 'req/s',
          note: `${overloadConnections} connections; ${overload.statuses['503'] ?? 0} answered 503`,
        },
        {
          key: 'http.overload_unexpected_errors',
          value: unexpected,
          unit: 'responses',
          target: { op: '<=', value: 0 },
          note: 'anything but 201 and 503 under 2x overload',
        },
        { key: 'http.rss_baseline_mb', value: baseline, unit: 'MiB' },
        {
          key: 'http.rss_peak_mb',
          value: Math.max(saturating.peakRssMb, overload.peakRssMb),
          unit: 'MiB',
          target: { op: '<', value: 1024 },
        },
        {
          key: 'http.rss_after_mb',
          value: after,
          unit: 'MiB',
          target: { op: '<=', value: Math.round(baseline * 1.5 + 64) },
          note: '5 s after the load stopped',
        },
      ];
      return figures;
    } finally {
      await server.stop();
    }
  },
};

/** Five fresh processes: spawn → listening → first 1024x768 field answered; median of each. */
async function measureColdStart(
  ctx: Parameters<BenchScenario['run']>[0],
  key: string,
  options: { engine: string },
): Promise<BenchFigure[]> {
  const { body, contentType } = multipartBody(await fieldJpeg(1024, 768, 11));
  const totals: number[] = [];
  const readies: number[] = [];
  const cpus: number[] = [];
  for (let i = 0; i < 5; i++) {
    const server = await startBenchServer(path.join(ctx.workDir, `cold-${i}`));
    try {
      const res = await fetch(`${server.url}/api/v1/analyses`, {
        method: 'POST',
        body,
        headers: { 'content-type': contentType },
      });
      if (res.status !== 201) throw new Error(`first analysis answered ${res.status}: ${await res.text()}`);
      totals.push(performance.now() - server.startedAt);
      cpus.push(server.cpuMs());
      readies.push(server.readyMs);
    } finally {
      await server.stop();
    }
  }
  ctx.log(`cold start runs (ms): ${totals.map((t) => Math.round(t)).join(', ')}`);
  ctx.log(`server CPU to first answer (ms): ${cpus.join(', ')}`);
  return [
    {
      key: `${key}.first_analysis_ms`,
      value: median(totals),
      unit: 'ms',
      target: { op: '<=', value: 1500 },
      note: `median of 5: spawn → listening → first 1024x768 field answered (${options.engine})`,
    },
    {
      key: `${key}.ready_ms`,
      value: median(readies),
      unit: 'ms',
      note: 'spawn → listening, engine loaded',
    },
    {
      key: `${key}.cpu_ms`,
      value: median(cpus),
      unit: 'ms',
      note: 'server process CPU (all threads) from spawn to the first answer: the work itself, whatever else the machine runs',
    },
  ];
}

export const coldStartScenario: BenchScenario = {
  name: 'cold-start',
  description: 'Process start to first analysis answered, default engine, fresh data directory',
  run: (ctx) => measureColdStart(ctx, 'cold_start', { engine: 'morphology' }),
};

export const liveScenario: BenchScenario = {
  name: 'live',
  description: 'Live WebSocket: analysed 640x480 frames per second, one client per core',
  async run(ctx) {
    const { default: WebSocket } = await import('ws');
    const frame = await fieldJpeg(640, 480, 23);
    const server = await startBenchServer(path.join(ctx.workDir, 'data'));
    const clients = availableParallelism();
    const seconds = Math.max(5, Math.min(15, Math.floor(ctx.budgetSeconds / 3)));
    try {
      const wsUrl = `${server.url.replace('http', 'ws')}/api/v1/live`;
      let analysed = 0;
      let failed = 0;
      const latencies: number[] = [];
      let measuring = false;
      const until = { t: 0 };
      let cpuAtStart = 0;
      await Promise.all(
        Array.from(
          { length: clients },
          () =>
            new Promise<void>((resolve, reject) => {
              const ws = new WebSocket(wsUrl);
              let sentAt = 0;
              const send = (): void => {
                if (performance.now() > until.t && measuring) return ws.close();
                sentAt = performance.now();
                ws.send(frame);
              };
              ws.on('message', (data) => {
                const m = JSON.parse(Buffer.from(data as Buffer).toString('utf8')) as { type: string };
                if (m.type === 'ready') {
                  if (!measuring) {
                    measuring = true;
                    until.t = performance.now() + seconds * 1000;
                    cpuAtStart = server.cpuMs();
                  }
                } else if (m.type === 'result') {
                  analysed += 1;
                  latencies.push(performance.now() - sentAt);
                } else failed += 1;
                send();
              });
              ws.on('close', () => resolve());
              ws.on('error', reject);
            }),
        ),
      );
      const fps = analysed / seconds;
      const cpuPerFrame = (server.cpuMs() - cpuAtStart) / Math.max(1, analysed);
      ctx.log(`live: ${analysed} frames analysed, ${failed} not, over ${seconds} s with ${clients} clients`);
      return [
        {
          key: 'live.fps_640x480',
          value: fps,
          unit: 'frames/s',
          target: { op: '>=', value: 10 },
          note: `${clients} clients, each sending the next frame when the last is answered`,
        },
        { key: 'live.median_latency_ms', value: median(latencies), unit: 'ms' },
        {
          key: 'live.server_cpu_ms_per_frame',
          value: cpuPerFrame,
          unit: 'ms',
          note: `server process CPU (all threads) per analysed frame; ${clients} cores ⇒ at most ${((clients * 1000) / cpuPerFrame).toFixed(0)} frames/s on an idle machine`,
        },
      ];
    } finally {
      await server.stop();
    }
  },
};
