import type { FastifyPluginAsync } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { AppContext } from '../../app/context.js';
import { AppError } from '../../errors.js';
import { ErrorSchema } from '../schemas.js';

export interface HealthState {
  /** Set when shutdown begins, so readiness fails before the listener closes. */
  draining: boolean;
}

const Check = Type.Object({ ok: Type.Boolean(), detail: Type.Optional(Type.String()) });

export const healthRoutes =
  (ctx: AppContext, state: HealthState): FastifyPluginAsync =>
  async (app) => {
    app.get(
      '/healthz',
      {
        config: { access: 'public' },
        schema: {
          summary: 'Liveness',
          tags: ['operations'],
          response: { 200: Type.Object({ status: Type.Literal('ok') }) },
        },
      },
      async () => ({ status: 'ok' as const }),
    );

    app.get(
      '/readyz',
      {
        config: { access: 'public' },
        schema: {
          summary: 'Readiness: default engine loaded and storage reachable',
          tags: ['operations'],
          response: {
            200: Type.Object({ status: Type.String(), checks: Type.Record(Type.String(), Check) }),
            503: ErrorSchema,
          },
        },
      },
      async (_request, reply) => {
        const checks: Record<string, { ok: boolean; detail?: string }> = {};
        if (state.draining) {
          throw new AppError('ERR_NOT_READY', 'The server is shutting down');
        }
        try {
          await ctx.store.ping();
          checks.storage = { ok: true, detail: ctx.store.dialect };
        } catch {
          checks.storage = { ok: false, detail: `${ctx.store.dialect} unreachable` };
        }
        if (ctx.blobs.ping) {
          try {
            await ctx.blobs.ping();
            checks.blobs = { ok: true, detail: ctx.blobs.kind };
          } catch {
            checks.blobs = { ok: false, detail: `${ctx.blobs.kind} unreachable` };
          }
        }
        try {
          const engine = await ctx.engines.get(ctx.config.analysis.defaultEngine);
          checks.engine = { ok: true, detail: `${engine.name} ${engine.version}` };
        } catch (err) {
          checks.engine = { ok: false, detail: err instanceof AppError ? err.code : 'engine failed to load' };
        }
        const ready = Object.values(checks).every((c) => c.ok);
        if (!ready) {
          return reply
            .status(503)
            .send({ code: 'ERR_NOT_READY', message: 'The service is not ready', details: { checks } });
        }
        return { status: 'ready', checks };
      },
    );
  };
