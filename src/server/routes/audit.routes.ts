/** The audit log for admins: browse, verify the chain, export as JSON Lines for a SIEM. */
import { Readable } from 'node:stream';
import type { FastifyPluginAsync } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { AppContext } from '../../app/context.js';
import { ErrorSchema } from '../schemas.js';
import { AuditEntrySchema, AuditVerifySchema } from './security.schemas.js';

export const auditRoutes =
  (ctx: AppContext): FastifyPluginAsync =>
  async (fastify) => {
    const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
    const { audit } = ctx.security;
    const tags = ['audit'];

    app.get(
      '/api/v1/audit',
      {
        config: { access: 'admin' },
        schema: {
          summary: 'Audit entries, newest first',
          tags,
          querystring: Type.Object(
            {
              limit: Type.Integer({ minimum: 1, maximum: 500, default: 100 }),
              before: Type.Optional(Type.Integer({ minimum: 1 })),
              action: Type.Optional(Type.String({ maxLength: 80 })),
              actor: Type.Optional(Type.String({ maxLength: 200 })),
              target: Type.Optional(Type.String({ maxLength: 200 })),
              from: Type.Optional(Type.String({ format: 'date-time' })),
              to: Type.Optional(Type.String({ format: 'date-time' })),
            },
            { additionalProperties: false },
          ),
          response: {
            200: Type.Object({
              items: Type.Array(AuditEntrySchema),
              nextBefore: Type.Union([Type.Integer(), Type.Null()]),
            }),
            '4xx': ErrorSchema,
          },
        },
      },
      async (request) => {
        const q = request.query;
        const page = await audit.list({
          limit: q.limit,
          before: q.before,
          action: q.action,
          actorId: q.actor,
          targetId: q.target,
          from: q.from,
          to: q.to,
        });
        await request.audit('audit.view', { details: { count: page.items.length } });
        return page;
      },
    );

    app.get(
      '/api/v1/audit/verify',
      {
        config: { access: 'admin' },
        schema: {
          summary: 'Verify the hash chain; names the first altered, removed or inserted entry',
          tags,
          response: { 200: AuditVerifySchema, '4xx': ErrorSchema },
        },
      },
      async (request) => {
        const report = await audit.verify();
        await request.audit('audit.verify', {
          outcome: report.ok ? 'success' : 'failure',
          details: { entries: report.entries, problem: report.problem?.kind ?? null },
        });
        return report;
      },
    );

    app.get(
      '/api/v1/audit/export',
      {
        config: { access: 'admin' },
        schema: {
          summary: 'Every entry as JSON Lines (application/x-ndjson), oldest first, for a SIEM',
          tags,
          produces: ['application/x-ndjson'],
          response: { 200: Type.String(), '4xx': ErrorSchema },
        },
      },
      async (request, reply) => {
        await request.audit('audit.export');
        // Streamed page by page: the log can be far larger than memory allows.
        const lines = Readable.from(
          (async function* () {
            for await (const entry of audit.entries()) yield `${JSON.stringify(entry)}\n`;
          })(),
        );
        return reply
          .type('application/x-ndjson; charset=utf-8')
          .header('content-disposition', 'attachment; filename="gramscope-audit.jsonl"')
          .send(lines as unknown as string);
      },
    );
  };
