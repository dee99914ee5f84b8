import type { FastifyPluginAsync } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { AppContext } from '../../app/context.js';
import { packageVersion } from '../../app/paths.js';
import { SINGLE_USER_BANNER } from './auth.routes.js';

/**
 * What this deployment is and does with data, from the live configuration. The web app's
 * "How your data is handled" page is generated from this.
 */
export const aboutRoutes =
  (ctx: AppContext): FastifyPluginAsync =>
  async (app) => {
    app.get(
      '/api/v1/about',
      {
        config: { access: 'signed-in' },
        schema: {
          summary: 'Deployment facts: version, engines and their active models, storage, retention',
          tags: ['about'],
          response: {
            200: Type.Object({
              version: Type.String(),
              defaultEngine: Type.String(),
              engines: Type.Array(Type.String()),
              storage: Type.Object({
                database: Type.String(),
                blobs: Type.String(),
                retainImages: Type.Boolean(),
                imagesEncrypted: Type.Boolean(),
              }),
              retention: Type.Object({
                /** Days a retained image is kept; 0 = forever. */
                imagesDays: Type.Integer(),
                source: Type.String(),
                /** Never deleted by retention: analyses, detections, reviews, the audit log. */
                keptIndefinitely: Type.Array(Type.String()),
              }),
              limits: Type.Object({ maxBytes: Type.Integer(), maxPixels: Type.Integer() }),
              /** The model each ONNX engine uses when a request names none (its active model). */
              models: Type.Array(
                Type.Object({
                  engine: Type.String(),
                  id: Type.String(),
                  name: Type.String(),
                  version: Type.String(),
                  sha256: Type.String(),
                  active: Type.Boolean(),
                }),
              ),
              security: Type.Object({
                mode: Type.Union([Type.Literal('single-user'), Type.Literal('multi-user')]),
                /** Shown on every page while in single-user mode. */
                banner: Type.Union([Type.String(), Type.Null()]),
                signIn: Type.Array(Type.String()),
                sessionIdleMinutes: Type.Integer(),
                sessionAbsoluteHours: Type.Integer(),
                auditChain: Type.String(),
              }),
            }),
          },
        },
      },
      async () => {
        const retention = await ctx.retention.settings();
        return {
          version: packageVersion(),
          defaultEngine: ctx.config.analysis.defaultEngine,
          engines: ctx.engines.list().map((e) => e.name),
          storage: {
            database: ctx.store.dialect,
            blobs: ctx.blobs.kind,
            retainImages: ctx.config.storage.retainImages,
            imagesEncrypted: retention.imagesEncrypted,
          },
          retention: {
            imagesDays: retention.imagesDays,
            source: retention.source,
            keptIndefinitely: retention.keptIndefinitely,
          },
          limits: { maxBytes: ctx.config.intake.maxBytes, maxPixels: ctx.config.intake.maxPixels },
          models: (await ctx.models.list())
            .filter((m) => m.active)
            .map(({ card }) => ({
              engine: card.engine,
              id: card.id,
              name: card.name,
              version: card.version,
              sha256: card.sha256,
              active: true,
            })),
          security: {
            mode: ctx.security.mode,
            banner: ctx.security.mode === 'single-user' ? SINGLE_USER_BANNER : null,
            signIn: [
              ...(ctx.security.oidc ? ['oidc'] : []),
              ...(ctx.security.localAccounts ? ['local'] : []),
              ...(ctx.security.jwt ? ['bearer-jwt'] : []),
            ],
            sessionIdleMinutes: ctx.config.auth.sessionIdleMinutes,
            sessionAbsoluteHours: ctx.config.auth.sessionAbsoluteHours,
            auditChain: 'HMAC-SHA256 hash chain',
          },
        };
      },
    );
  };
