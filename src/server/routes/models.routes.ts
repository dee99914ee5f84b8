import type { FastifyPluginAsync } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { AppContext } from '../../app/context.js';
import { ModelCardSchema } from '../../models/model-card.js';

const ModelItem = Type.Object({
  id: Type.String(),
  name: Type.String(),
  version: Type.String(),
  engine: Type.String(),
  sha256: Type.String(),
  /** TAXONOMY keys, or the model's own names for unmapped classes. */
  labels: Type.Array(Type.String()),
  unmappedLabels: Type.Array(Type.String()),
  active: Type.Boolean(),
  createdAt: Type.String(),
  card: ModelCardSchema,
});

/**
 * Registered models and their cards (read-only). Upload, activation and removal are admin actions and
 * arrive with the access-control layer; `gramscope models` does them meanwhile.
 */
export const modelsRoutes =
  (ctx: AppContext): FastifyPluginAsync =>
  async (fastify) => {
    const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
    app.get(
      '/api/v1/models',
      {
        config: { access: 'viewer' },
        schema: {
          summary: 'Registered ONNX models with their model cards',
          tags: ['models'],
          response: { 200: Type.Object({ items: Type.Array(ModelItem) }) },
        },
      },
      async () => ({
        items: (await ctx.models.list()).map(({ card, active }) => ({
          id: card.id,
          name: card.name,
          version: card.version,
          engine: card.engine,
          sha256: card.sha256,
          labels: card.classes.map((c) => c.label ?? c.name),
          unmappedLabels: card.unmappedClasses,
          active,
          createdAt: card.addedAt,
          card,
        })),
      }),
    );
  };
