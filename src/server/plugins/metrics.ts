/**
 * Prometheus metrics: HTTP latency by route, analyses per engine and outcome, time per engine
 * (whole request, and the engine alone), queue depth and rejections, worker threads, live frames.
 * Labels carry route templates and engine names only, never ids or user input.
 */
import type { FastifyInstance } from 'fastify';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { AppContext } from '../../app/context.js';

export interface LiveMetrics {
  frames: Counter<'outcome'>;
  sockets: Gauge;
}

export interface AppMetrics {
  registry: Registry;
  live: LiveMetrics;
}

const SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.35, 0.5, 1, 2, 5, 10, 30];

export function registerMetrics(app: FastifyInstance, ctx: AppContext): AppMetrics {
  // One registry per app instance, so tests can build several apps in one process.
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'gramscope_' });
  const httpDuration = new Histogram({
    name: 'gramscope_http_request_duration_seconds',
    help: 'HTTP request latency by route template and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: SECONDS,
    registers: [registry],
  });
  const analyses = new Counter({
    name: 'gramscope_analyses_total',
    help: 'Analyses by engine and outcome (ok, invalid, rejected, deadline, cancelled, error)',
    labelNames: ['engine', 'outcome'] as const,
    registers: [registry],
  });
  const analysisDuration = new Histogram({
    name: 'gramscope_analysis_duration_seconds',
    help: 'Time from request to result per engine, queueing and decoding included',
    labelNames: ['engine'] as const,
    buckets: SECONDS,
    registers: [registry],
  });
  const inferDuration = new Histogram({
    name: 'gramscope_engine_duration_seconds',
    help: 'Time the engine itself took per analysis',
    labelNames: ['engine'] as const,
    buckets: SECONDS,
    registers: [registry],
  });
  const decodeDuration = new Histogram({
    name: 'gramscope_decode_duration_seconds',
    help: 'Time decoding and validating the image took per analysis',
    buckets: SECONDS,
    registers: [registry],
  });
  new Gauge({
    name: 'gramscope_queue_depth',
    help: 'Analyses waiting for a slot',
    registers: [registry],
    collect() {
      this.set(ctx.analysis.queue.stats().waiting);
    },
  });
  new Gauge({
    name: 'gramscope_queue_running',
    help: 'Analyses running',
    registers: [registry],
    collect() {
      this.set(ctx.analysis.queue.stats().running);
    },
  });
  new Counter({
    name: 'gramscope_queue_rejections_total',
    help: 'Analyses refused with 503 because the queue was full',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(ctx.analysis.queue.stats().rejected);
    },
  });
  new Gauge({
    name: 'gramscope_worker_threads',
    help: 'Worker threads engines may run on at most (0: engines run inline)',
    registers: [registry],
    collect() {
      this.set(ctx.pool?.threads ?? 0);
    },
  });
  new Gauge({
    name: 'gramscope_worker_threads_started',
    help: 'Worker threads started now: one at rest, up to gramscope_worker_threads while analyses overlap',
    registers: [registry],
    collect() {
      this.set(ctx.pool?.stats().workers ?? 0);
    },
  });
  new Gauge({
    name: 'gramscope_worker_utilization_ratio',
    help: 'Share of time the worker threads were busy since start',
    registers: [registry],
    collect() {
      this.set(ctx.pool?.stats().utilization ?? 0);
    },
  });
  const live: LiveMetrics = {
    frames: new Counter({
      name: 'gramscope_live_frames_total',
      help: 'Live frames by outcome (analysed, dropped, rejected, invalid, error)',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    sockets: new Gauge({
      name: 'gramscope_live_sockets',
      help: 'Open live WebSocket connections',
      registers: [registry],
    }),
  };
  ctx.observers.push({
    onAnalysis(engine, outcome, seconds, timings) {
      analyses.inc({ engine, outcome });
      if (outcome !== 'ok') return;
      analysisDuration.observe({ engine }, seconds);
      if (timings) {
        inferDuration.observe({ engine }, timings.inferMs / 1000);
        decodeDuration.observe(timings.decodeMs / 1000);
      }
    },
  });
  app.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    httpDuration.observe(
      { method: request.method, route, status: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
    done();
  });
  return { registry, live };
}
