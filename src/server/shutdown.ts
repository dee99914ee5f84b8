/**
 * Graceful shutdown, in the order an orchestrator needs it: on SIGTERM readiness fails at once (the
 * load balancer stops sending new work), the listener stays open for `delay` so requests already
 * routed here still land, then it closes: new connections are refused, idle keep-alive connections
 * closed, live sockets told 1001 (going away), and requests in flight finish. Then the worker
 * threads and the database close. If all that takes longer than the grace period, the process exits
 * with status 1 anyway, before the orchestrator's SIGKILL.
 */
import type { AppContext } from '../app/context.js';
import type { GramscopeApp } from './build-app.js';

export interface ShutdownOptions {
  app: GramscopeApp;
  ctx: AppContext;
  /** Milliseconds to keep serving after readiness fails (endpoint removal propagating). */
  delayMs: number;
  /** Milliseconds from the signal to a forced exit. */
  graceMs: number;
  exit: (code: number) => void;
}

/**
 * Returns the signal handler; calling it more than once does nothing more.
 *
 * @example
 * process.once('SIGTERM', createShutdown({ app, ctx, delayMs: 5000, graceMs: 25_000, exit: process.exit }));
 */
export function createShutdown(options: ShutdownOptions): (signal: NodeJS.Signals) => Promise<void> {
  const { app, ctx } = options;
  let started: Promise<void> | null = null;
  return (signal) => {
    started ??= (async () => {
      const began = performance.now();
      app.log.info(
        { signal, delayMs: options.delayMs, graceMs: options.graceMs },
        'shutting down: readiness off',
      );
      app.health.draining = true;
      const force = setTimeout(() => {
        app.log.error('grace period over; exiting with work still open');
        options.exit(1);
      }, options.graceMs);
      force.unref();
      try {
        if (options.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, options.delayMs));
        app.live.closeAll(1001, 'server shutting down');
        await app.close();
        await ctx.close();
        clearTimeout(force);
        app.log.info({ ms: Math.round(performance.now() - began) }, 'shut down cleanly');
        options.exit(0);
      } catch (err) {
        app.log.error({ err }, 'shutdown failed');
        options.exit(1);
      }
    })();
    return started;
  };
}
