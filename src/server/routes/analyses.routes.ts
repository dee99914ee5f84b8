import type { FastifyPluginAsync } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { AnalysisResultSchema } from '../../domain/analysis-result.js';
import { AppError } from '../../errors.js';
import type { AppContext } from '../../app/context.js';
import { access, audited } from '../route-access.js';
import { ErrorSchema } from '../schemas.js';

const Identifier = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9][A-Za-z0-9._:-]*$' });

const ListQuery = Type.Object(
  {
    limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
    cursor: Type.Optional(Type.String({ maxLength: 200 })),
    specimen: Type.Optional(Identifier),
    status: Type.Optional(Type.Union([Type.Literal('preliminary'), Type.Literal('final')])),
    engine: Type.Optional(Type.String({ maxLength: 64 })),
    q: Type.Optional(Type.String({ maxLength: 100 })),
    from: Type.Optional(Type.String({ format: 'date-time' })),
    to: Type.Optional(Type.String({ format: 'date-time' })),
  },
  { additionalProperties: false },
);

const ListItem = Type.Object({
  id: Type.String(),
  createdAt: Type.String(),
  specimen: Type.Union([Type.String(), Type.Null()]),
  engine: Type.String(),
  finding: Type.String(),
  findingJa: Type.String(),
  gram: Type.Object({ positive: Type.Integer(), negative: Type.Integer() }),
  detectionCount: Type.Integer(),
  status: Type.String(),
  image: Type.Object({ width: Type.Integer(), height: Type.Integer(), sha256: Type.String() }),
});

/** Form fields accepted beside the image, with the same rules as the JSON API. */
const FORM_FIELDS = {
  engine: /^[a-z0-9][a-z0-9-]{0,63}$/,
  model: /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/,
  profile: /^[\p{L}\p{N} ._()×-]{1,100}$/u,
  specimen: /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/,
  micronsPerPixel: /^\d{1,3}(\.\d{1,9})?$/,
} as const;
type FormField = keyof typeof FORM_FIELDS;

export const analysesRoutes =
  (ctx: AppContext): FastifyPluginAsync =>
  async (fastify) => {
    const app = fastify.withTypeProvider<TypeBoxTypeProvider>();

    app.post(
      '/api/v1/analyses',
      {
        config: {
          access: 'analyst',
          // Per user (or token), on top of the global per-user limit (multi-user mode only).
          rateLimit: {
            max: ctx.config.rateLimit.analysesPerMinute,
            timeWindow: 60_000,
            keyGenerator: (request) => `analyses:${request.principal?.id ?? request.ip}`,
          },
        },
        schema: {
          summary: 'Analyse one field',
          description:
            'Multipart upload: field `image` (JPEG, PNG, TIFF or WebP) and optional `engine`, `model`, `profile`, `specimen`, `micronsPerPixel`.',
          tags: ['analyses'],
          consumes: ['multipart/form-data'],
          body: Type.Object({
            image: Type.String({ format: 'binary' }),
            engine: Type.Optional(Type.String()),
            model: Type.Optional(Type.String()),
            profile: Type.Optional(Type.String()),
            specimen: Type.Optional(Type.String()),
            micronsPerPixel: Type.Optional(Type.String()),
          }),
          response: { 201: AnalysisResultSchema, '4xx': ErrorSchema, '5xx': ErrorSchema },
        },
        // The multipart body is parsed by the handler below; the schema above documents it.
        validatorCompiler: () => () => true,
      },
      async (request, reply) => {
        if (!request.isMultipart())
          throw new AppError(
            'ERR_UNSUPPORTED_MEDIA_TYPE',
            'Send the image as multipart/form-data in the field "image"',
          );
        const fields: Partial<Record<FormField, string>> = {};
        let image: Buffer | undefined;
        for await (const part of request.parts()) {
          if (part.type === 'file') {
            if (part.fieldname !== 'image' || image) {
              part.file.resume();
              throw new AppError('ERR_VALIDATION', 'Send exactly one file, in the field "image"');
            }
            image = await part.toBuffer();
          } else {
            const name = part.fieldname as FormField;
            if (!(name in FORM_FIELDS))
              throw new AppError('ERR_VALIDATION', `Unknown form field "${part.fieldname.slice(0, 40)}"`);
            const value = String(part.value);
            if (!FORM_FIELDS[name].test(value))
              throw new AppError('ERR_VALIDATION', `The form field "${name}" is invalid`);
            fields[name] = value;
          }
        }
        if (!image) throw new AppError('ERR_IMAGE_MISSING');
        // The response's 'close' (not the request's, which fires once the body is read) tells that
        // the connection went away before we answered; the analysis is then cancelled.
        const controller = new AbortController();
        const onClose = (): void => {
          if (!reply.raw.writableFinished)
            controller.abort(new AppError('ERR_DEADLINE', 'The client went away'));
        };
        reply.raw.once('close', onClose);
        let result;
        try {
          result = await ctx.analysis.analyze({
            bytes: image,
            engine: fields.engine,
            model: fields.model,
            profile: fields.profile,
            specimen: fields.specimen,
            micronsPerPixel:
              fields.micronsPerPixel === undefined ? undefined : Number(fields.micronsPerPixel),
            actor: request.principal?.id ?? null,
            signal: controller.signal,
          });
        } catch (err) {
          await request.audit('analysis.create', {
            outcome: 'failure',
            details: { code: err instanceof AppError ? err.code : 'ERR_INTERNAL' },
          });
          throw err;
        }
        await request.audit('analysis.create', {
          target: { type: 'analysis', id: result.id },
          details: { engine: result.engine.name, detections: result.detections.length },
        });
        return reply.status(201).header('location', `/api/v1/analyses/${result.id}`).send(result);
      },
    );

    app.get(
      '/api/v1/analyses',
      {
        config: { access: 'viewer' },
        schema: {
          summary: 'List analyses, newest first',
          tags: ['analyses'],
          querystring: ListQuery,
          response: {
            200: Type.Object({
              items: Type.Array(ListItem),
              nextCursor: Type.Union([Type.String(), Type.Null()]),
            }),
            '4xx': ErrorSchema,
          },
        },
      },
      async (request) => {
        const page = await ctx.analyses.list(request.query);
        await request.audit('analysis.list', { details: { count: page.items.length } });
        return page;
      },
    );

    app.get(
      '/api/v1/analyses/:id',
      {
        config: { access: 'viewer' },
        schema: {
          summary: 'One analysis',
          tags: ['analyses'],
          params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) }),
          response: { 200: AnalysisResultSchema, '4xx': ErrorSchema },
        },
      },
      // The engine's result as stored, with its review state (corrections, sign-off) under `review`.
      async (request) => {
        const result = await ctx.reviews.resultWithReview(request.params.id);
        await request.audit('analysis.view', { target: { type: 'analysis', id: request.params.id } });
        return result;
      },
    );

    app.get(
      '/api/v1/analyses/:id/original.png',
      {
        config: { access: access('viewer', 'analysis.image.view') },
        schema: {
          summary: 'The original image of an analysis, as retained (metadata stripped)',
          description:
            'Decrypted from blob storage. 404 ERR_IMAGE_NOT_RETAINED when images were not retained, ERR_IMAGE_PURGED when it was deleted at the end of its retention period.',
          tags: ['analyses'],
          params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) }),
          produces: ['image/png'],
          response: {
            200: {
              description: 'PNG',
              content: { 'image/png': { schema: { type: 'string', format: 'binary' } } },
            },
            '4xx': ErrorSchema,
            '5xx': ErrorSchema,
          },
        },
      },
      async (request, reply) => {
        const { id } = request.params;
        const png = await audited(ctx, request, { type: 'analysis', id }, async () => {
          const stored = await ctx.analyses.requireStored(id);
          if (!stored.imageKey) {
            if (stored.imagePurgedAt)
              throw new AppError(
                'ERR_IMAGE_PURGED',
                `The original image of analysis ${id} was deleted on ${stored.imagePurgedAt.slice(0, 10)} at the end of its retention period; the result and its detections are kept`,
              );
            throw new AppError('ERR_IMAGE_NOT_RETAINED');
          }
          const bytes = await ctx.blobs.get(stored.imageKey);
          if (!bytes)
            throw new AppError(
              'ERR_NOT_FOUND',
              `The original image of analysis ${id} is missing from storage`,
            );
          return bytes;
        });
        // The web app shows it in an <img>; inline, never cached (the /api no-store header stays).
        return reply.type('image/png').header('content-disposition', 'inline').send(png);
      },
    );
  };
