/**
 * Run-time settings an admin may change (today: how long retained images are kept). Anyone with a
 * role may read them — the "How your data is handled" page and the result view explain retention
 * to viewers — but only an admin with two factors may change them or start a purge run.
 */
import type { FastifyPluginAsync } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { AppContext } from '../../app/context.js';
import { actorOf } from '../../security/security.service.js';
import { ErrorSchema } from '../schemas.js';
import { strictBodyValidator } from '../strict-body.js';

export const PurgeReportSchema = Type.Object({
  at: Type.String(),
  trigger: Type.Union([Type.Literal('schedule'), Type.Literal('cli'), Type.Literal('admin')]),
  days: Type.Integer(),
  cutoff: Type.Union([Type.String(), Type.Null()]),
  purged: Type.Integer(),
  failed: Type.Integer(),
  durationMs: Type.Number(),
});

export const RetentionSettingsSchema = Type.Object({
  imagesDays: Type.Integer({ description: 'Days a retained original image is kept; 0 = forever' }),
  imagesDaysConfigured: Type.Integer({ description: 'GRAMSCOPE_IMAGE_RETENTION_DAYS' }),
  source: Type.Union([Type.Literal('configuration'), Type.Literal('administrator')]),
  updatedAt: Type.Union([Type.String(), Type.Null()]),
  updatedBy: Type.Union([Type.String(), Type.Null()]),
  retainImages: Type.Boolean({ description: 'Whether new uploads are retained (GRAMSCOPE_RETAIN_IMAGES)' }),
  imagesEncrypted: Type.Boolean(),
  keptIndefinitely: Type.Array(Type.String(), {
    description: 'What retention never deletes: analyses, detections, reviews, the audit log',
  }),
  lastPurge: Type.Union([PurgeReportSchema, Type.Null()]),
});

const RetentionUpdateSchema = Type.Object(
  {
    imagesDays: Type.Union([Type.Integer({ minimum: 0, maximum: 36_500 }), Type.Null()], {
      description:
        'Days to keep retained images; 0 keeps them forever; null returns to the configured period',
    }),
  },
  { additionalProperties: false },
);

export const settingsRoutes =
  (ctx: AppContext): FastifyPluginAsync =>
  async (fastify) => {
    const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
    const tags = ['settings'];

    app.get(
      '/api/v1/settings/retention',
      {
        config: { access: 'viewer' },
        schema: {
          summary: 'How long retained images are kept, and the last purge run',
          tags,
          response: { 200: RetentionSettingsSchema, '4xx': ErrorSchema },
        },
      },
      () => ctx.retention.settings(),
    );

    app.put(
      '/api/v1/settings/retention',
      {
        config: { access: 'admin' },
        schema: {
          summary: 'Change how long retained images are kept (admin)',
          description:
            'Overrides GRAMSCOPE_IMAGE_RETENTION_DAYS for every replica (stored in the database). Analyses, detections, reviews and the audit log are always kept.',
          tags,
          body: RetentionUpdateSchema,
          response: { 200: RetentionSettingsSchema, '4xx': ErrorSchema },
        },
        // `integer | null`: Fastify's coercing validator would turn null into 0 ("keep forever").
        validatorCompiler: strictBodyValidator,
      },
      async (request) => {
        const before = await ctx.retention.settings();
        const by = request.principal?.name ?? null;
        const after = await ctx.retention.setImagesDays(request.body.imagesDays, by);
        await request.audit('settings.retention.update', {
          target: { type: 'settings', id: 'retention' },
          details: {
            imagesDaysFrom: before.imagesDays,
            imagesDaysTo: after.imagesDays,
            source: after.source,
          },
        });
        return after;
      },
    );

    app.post(
      '/api/v1/settings/retention/purge',
      {
        config: { access: 'admin' },
        schema: {
          summary: 'Delete retained images older than the period now (admin)',
          description: 'The same run the server makes every hour; it writes one audit entry.',
          tags,
          response: { 200: PurgeReportSchema, '4xx': ErrorSchema, '5xx': ErrorSchema },
        },
      },
      async (request) => ctx.retention.purge('admin', actorOf(request.principal)),
    );
  };
