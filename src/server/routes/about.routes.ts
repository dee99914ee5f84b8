import type { FastifyPluginAsync } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { AppContext } from '../../app/context.js';
import { packageVersion } from '../../app/paths.js';

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
        schema: {
          summary: 'Deployment facts: version, engines, storage, retention',
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
              }),
              limits: Type.Object({ maxBytes: Type.Integer(), maxPixels: Type.Integer() }),
            }),
          },
        },
      },
      async () => ({
        version: packageVersion(),
        defaultEngine: ctx.config.analysis.defaultEngine,
        engines: ctx.engines.list().map((e) => e.name),
        storage: {
          database: ctx.store.dialect,
          blobs: ctx.blobs.kind,
          retainImages: ctx.config.storage.retainImages,
        },
        limits: { maxBytes: ctx.config.intake.maxBytes, maxPixels: ctx.config.intake.maxPixels },
      }),
    );
  };
