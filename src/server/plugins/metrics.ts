/** Prometheus metrics: HTTP latency, analyses per engine and outcome, queue depth, rejections. */
import type { FastifyInstance } from 'fastify';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { AppContext } from '../../app/context.js';

export function registerMetrics(app: FastifyInstance, ctx: AppContext): Registry {
  // One registry per app instance, so tests can build several apps in one process.
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'gramscope_' });
  const httpDuration = new Histogram({
    name: 'gramscope_http_request_duration_seconds',
    help: 'HTTP request latency by route and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const analyses = new Counter({
    name: 'gramscope_analyses_total',
    help: 'Analyses by engine and outcome (ok, error, rejected)',
    labelNames: ['engine', 'outcome'] as const,
    registers: [registry],
  });
  const analysisDuration = new Histogram({
    name: 'gramscope_analysis_duration_seconds',
    help: 'Time from request to result per engine, queueing included',
    labelNames: ['engine'] as const,
    buckets: [0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 30],
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
  ctx.observers.push({
    onAnalysis(engine, outcome, seconds) {
      analyses.inc({ engine, outcome });
      if (outcome === 'ok') analysisDuration.observe({ engine }, seconds);
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
  return registry;
}
