import type { FastifyPluginAsync } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { AppContext } from '../../app/context.js';

export const enginesRoutes =
  (ctx: AppContext): FastifyPluginAsync =>
  async (app) => {
    app.get(
      '/api/v1/engines',
      {
        config: { access: 'viewer' },
        schema: {
          summary: 'Registered analysis engines',
          tags: ['engines'],
          response: {
            200: Type.Object({
              default: Type.String(),
              items: Type.Array(
                Type.Object({
                  name: Type.String(),
                  description: Type.String(),
                  needsModel: Type.Boolean(),
                  priority: Type.Number(),
                }),
              ),
            }),
          },
        },
      },
      async () => ({
        default: ctx.config.analysis.defaultEngine,
        items: ctx.engines.list().map(({ name, description, needsModel, priority }) => ({
          name,
          description,
          needsModel,
          priority,
        })),
      }),
    );
  };
