/**
 * Specimens, review and sign-off, and report exports (PDF, FHIR R4, CSV, JSON, annotated PNG).
 * Each route declares the access it needs in `config.access` (see ../route-access.ts) and records
 * its audit entry through `audited`. HTTP only: the behaviour lives in src/reports/.
 */
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { AppContext } from '../../app/context.js';
import { AnalysisResultSchema } from '../../domain/analysis-result.js';
import {
  FieldReviewSchema,
  ReviewRequestSchema,
  SpecimenCreateSchema,
  SpecimenIdSchema,
  SpecimenSchema,
  SpecimenSignOffSchema,
  SpecimenSummarySchema,
} from '../../domain/specimen.js';
import type { ReportModel } from '../../reports/specimen.service.js';
import { access, actorOf, audited } from '../route-access.js';
import { ErrorSchema } from '../schemas.js';
import { strictBodyValidator } from '../strict-body.js';

const SpecimenParams = Type.Object({ id: SpecimenIdSchema });
const AnalysisParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });
const FhirQuery = Type.Object(
  { profile: Type.Optional(Type.Union([Type.Literal('r4'), Type.Literal('jp-core')])) },
  { additionalProperties: false },
);
const CsvQuery = Type.Object(
  { kind: Type.Optional(Type.Union([Type.Literal('analyses'), Type.Literal('detections')])) },
  { additionalProperties: false },
);
const DeliverySchema = Type.Object({
  id: Type.String(),
  subjectType: Type.String(),
  subjectId: Type.String(),
  endpoint: Type.String(),
  profile: Type.String(),
  status: Type.String(),
  attempts: Type.Integer(),
  nextAttemptAt: Type.Union([Type.String(), Type.Null()]),
  lastStatus: Type.Union([Type.Integer(), Type.Null()]),
  lastError: Type.Union([Type.String(), Type.Null()]),
  responseLocation: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String(),
  updatedAt: Type.String(),
  deliveredAt: Type.Union([Type.String(), Type.Null()]),
});

const binary = (description: string, contentType: string) => ({
  description,
  content: { [contentType]: { schema: { type: 'string', format: 'binary' } } },
});
const errors = { '4xx': ErrorSchema, '5xx': ErrorSchema };

/** Safe in a header: ids are already restricted to [A-Za-z0-9._:-]. */
const attachment = (reply: FastifyReply, name: string): FastifyReply =>
  reply.header('content-disposition', `attachment; filename="${name.replace(/[^A-Za-z0-9._-]/g, '_')}"`);

type Subject = ReportModel['subject'];

export const reportsRoutes =
  (ctx: AppContext): FastifyPluginAsync =>
  async (fastify) => {
    const app = fastify.withTypeProvider<TypeBoxTypeProvider>();

    fastify.addHook('onReady', async () => {
      await ctx.fhirDelivery.resumePending();
    });

    // Specimens -----------------------------------------------------------------------------------
    app.post(
      '/api/v1/specimens',
      {
        config: { access: access('analyst', 'specimen.create') },
        schema: {
          summary: 'Create a specimen (fields are added with POST /api/v1/analyses and `specimen`)',
          tags: ['specimens'],
          body: SpecimenCreateSchema,
          response: { 201: SpecimenSchema, ...errors },
        },
      },
      async (request, reply) => {
        const specimen = await audited(ctx, request, { type: 'specimen', id: request.body.id }, () =>
          ctx.specimens.create(request.body, actorOf(request).id),
        );
        return reply.status(201).header('location', `/api/v1/specimens/${specimen.id}`).send(specimen);
      },
    );

    app.get(
      '/api/v1/specimens',
      {
        config: { access: access('viewer', 'specimen.list') },
        schema: {
          summary: 'Specimens, most recently changed first',
          tags: ['specimens'],
          querystring: Type.Object(
            { limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }) },
            { additionalProperties: false },
          ),
          response: { 200: Type.Object({ items: Type.Array(SpecimenSchema) }), ...errors },
        },
      },
      async (request) =>
        audited(ctx, request, { type: 'specimen', id: '*' }, async () => ({
          items: await ctx.specimens.list(request.query.limit),
        })),
    );

    app.get(
      '/api/v1/specimens/:id',
      {
        config: { access: access('viewer', 'specimen.view') },
        schema: {
          summary: 'A specimen with its fields and the pooled summary',
          tags: ['specimens'],
          params: SpecimenParams,
          response: { 200: SpecimenSummarySchema, ...errors },
        },
      },
      async (request) =>
        audited(ctx, request, { type: 'specimen', id: request.params.id }, () =>
          ctx.specimens.summary(request.params.id),
        ),
    );

    app.put(
      '/api/v1/specimens/:id/review',
      {
        config: { access: access('reviewer', 'review.sign-off', 'always') },
        schema: {
          summary: 'Sign a specimen off (reviewer, two factors): its report becomes final',
          description:
            'Send the specimen `version` you reviewed; if a field was added since, the sign-off is refused with 409. Every field becomes final and no more fields can join. When a FHIR endpoint is configured, the report is delivered.',
          tags: ['review'],
          params: SpecimenParams,
          body: SpecimenSignOffSchema,
          response: { 200: SpecimenSchema, ...errors },
        },
        validatorCompiler: strictBodyValidator,
      },
      async (request) =>
        audited(ctx, request, { type: 'specimen', id: request.params.id }, () =>
          ctx.reviews.signOffSpecimen(request.params.id, request.body, actorOf(request)),
        ),
    );

    // Field review --------------------------------------------------------------------------------
    app.get(
      '/api/v1/analyses/:id/review',
      {
        config: { access: access('viewer', 'review.view') },
        schema: {
          summary: "A field's review: the engine's output, the current corrections, history and sign-off",
          tags: ['review'],
          params: AnalysisParams,
          response: { 200: FieldReviewSchema, ...errors },
        },
      },
      async (request) =>
        audited(ctx, request, { type: 'analysis', id: request.params.id }, () =>
          ctx.reviews.getFieldReview(request.params.id),
        ),
    );

    app.put(
      '/api/v1/analyses/:id/review',
      {
        config: { access: access('reviewer', 'review.correct', 'sign-off') },
        schema: {
          summary: 'Correct boxes and labels of a field, and/or sign it off',
          description:
            'Send the full corrected list of detections (moved, relabelled, deleted by omission, added with `from: null`) and/or `signOff: true` (reviewer with two factors). Corrections are stored as a new revision beside the engine output, which is never overwritten. Answers the analysis result with its review state under `review`.',
          tags: ['review'],
          params: AnalysisParams,
          body: ReviewRequestSchema,
          response: { 200: AnalysisResultSchema, ...errors },
        },
        validatorCompiler: strictBodyValidator,
      },
      async (request) => {
        const { id } = request.params;
        const details = {
          signOff: request.body.signOff === true,
          detections: request.body.detections?.length ?? null,
        };
        await audited(
          ctx,
          request,
          { type: 'analysis', id },
          () => ctx.reviews.reviewField(id, request.body, actorOf(request)),
          details,
        );
        return ctx.reviews.resultWithReview(id);
      },
    );

    // Exports ---------------------------------------------------------------------------------------
    const exportsFor = (
      kind: 'specimen' | 'analysis',
      prefix: string,
      Params: typeof SpecimenParams | typeof AnalysisParams,
    ) => {
      const subject = (id: string): Subject => ({ type: kind, id });
      const target = (id: string) => ({ type: kind, id });

      app.get(
        `${prefix}/:id/report.pdf`,
        {
          config: { access: access('viewer', 'report.export') },
          schema: {
            summary: `PDF report of a ${kind} (preliminary watermark until signed off)`,
            tags: ['reports'],
            params: Params,
            produces: ['application/pdf'],
            response: { 200: binary('The PDF report', 'application/pdf'), ...errors },
          },
        },
        async (request, reply) => {
          const pdf = await audited(
            ctx,
            request,
            target(request.params.id),
            async () => ctx.reports.pdf(await ctx.reports.model(subject(request.params.id))),
            { format: 'pdf' },
          );
          return attachment(reply.type('application/pdf'), `gramscope-${request.params.id}.pdf`).send(pdf);
        },
      );

      app.get(
        `${prefix}/:id/report.fhir.json`,
        {
          config: { access: access('viewer', 'report.export') },
          schema: {
            summary: `FHIR R4 transaction Bundle of a ${kind} (DiagnosticReport, Observations, Specimen, Device, Media)`,
            tags: ['reports'],
            params: Params,
            querystring: FhirQuery,
            produces: ['application/fhir+json'],
            response: { 200: binary('A FHIR R4 Bundle', 'application/fhir+json'), ...errors },
          },
        },
        async (request, reply) => {
          const bundle = await audited(
            ctx,
            request,
            target(request.params.id),
            async () =>
              ctx.reports.fhir(await ctx.reports.model(subject(request.params.id)), request.query.profile),
            { format: 'fhir', profile: request.query.profile ?? ctx.config.fhir.profile },
          );
          return reply.type('application/fhir+json; charset=utf-8').send(JSON.stringify(bundle));
        },
      );

      app.get(
        `${prefix}/:id/report.csv`,
        {
          config: { access: access('viewer', 'report.export') },
          schema: {
            summary: `CSV of a ${kind}: one row per field, or per detection with ?kind=detections`,
            tags: ['reports'],
            params: Params,
            querystring: CsvQuery,
            produces: ['text/csv'],
            response: { 200: binary('CSV (UTF-8 with BOM, CRLF)', 'text/csv'), ...errors },
          },
        },
        async (request, reply) => {
          const kindOfCsv = request.query.kind ?? 'analyses';
          const csv = await audited(
            ctx,
            request,
            target(request.params.id),
            async () => ctx.reports.csv(await ctx.reports.model(subject(request.params.id)), kindOfCsv),
            { format: `csv-${kindOfCsv}` },
          );
          // The BOM makes spreadsheet programs read the Japanese finding as UTF-8.
          return attachment(
            reply.type('text/csv; charset=utf-8'),
            `gramscope-${request.params.id}-${kindOfCsv}.csv`,
          ).send(`\uFEFF${csv}`);
        },
      );

      app.get(
        `${prefix}/:id/report.json`,
        {
          config: { access: access('viewer', 'report.export') },
          schema: {
            summary: `The full result of a ${kind} as JSON: engine output, reviewed detections, pooled summary, sign-off`,
            tags: ['reports'],
            params: Params,
            response: { 200: Type.Unknown(), ...errors },
          },
        },
        async (request) =>
          audited(
            ctx,
            request,
            target(request.params.id),
            async () => ctx.reports.json(await ctx.reports.model(subject(request.params.id))),
            { format: 'json' },
          ),
      );
    };
    exportsFor('specimen', '/api/v1/specimens', SpecimenParams);
    exportsFor('analysis', '/api/v1/analyses', AnalysisParams);

    app.get(
      '/api/v1/analyses/:id/image.png',
      {
        config: { access: access('viewer', 'report.export') },
        schema: {
          summary: 'Annotated image of a field: reviewed boxes, labels, legend and scale bar',
          description:
            'Drawn on the retained image when GRAMSCOPE_RETAIN_IMAGES is on; otherwise on a blank canvas with a note saying the image was not retained (header X-Gramscope-Image-Retained: false).',
          tags: ['reports'],
          params: AnalysisParams,
          produces: ['image/png'],
          response: { 200: binary('PNG', 'image/png'), ...errors },
        },
      },
      async (request, reply) => {
        const image = await audited(
          ctx,
          request,
          { type: 'analysis', id: request.params.id },
          () => ctx.reports.fieldPng(request.params.id),
          { format: 'png' },
        );
        return reply
          .type('image/png')
          .header('x-gramscope-image-retained', String(image.retained))
          .send(image.png);
      },
    );

    // FHIR deliveries -------------------------------------------------------------------------------
    app.get(
      '/api/v1/specimens/:id/deliveries',
      {
        config: { access: access('viewer', 'fhir.delivery.view') },
        schema: {
          summary: 'FHIR deliveries of a specimen report and their attempts',
          tags: ['reports'],
          params: SpecimenParams,
          response: { 200: Type.Object({ items: Type.Array(DeliverySchema) }), ...errors },
        },
      },
      async (request) =>
        audited(ctx, request, { type: 'specimen', id: request.params.id }, async () => ({
          items: await ctx.deliveriesRepository.forSubject('specimen', request.params.id),
        })),
    );

    app.post(
      '/api/v1/deliveries/:id/retry',
      {
        config: { access: access('admin', 'fhir.delivery.retry', 'always') },
        schema: {
          summary: 'Retry a failed FHIR delivery (admin)',
          tags: ['reports'],
          params: Type.Object({ id: Type.String({ format: 'uuid' }) }),
          response: { 202: DeliverySchema, ...errors },
        },
      },
      async (request, reply) => {
        const delivery = await audited(ctx, request, { type: 'delivery', id: request.params.id }, () =>
          ctx.fhirDelivery.retry(request.params.id),
        );
        return reply.status(202).send(delivery);
      },
    );
  };
