/**
 * Access requests: anyone may apply with a reason; admins approve or reject. Where local accounts
 * are enabled, people without an account apply anonymously and choose their password now.
 */
import type { FastifyPluginAsync } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { AppContext } from '../../app/context.js';
import type { GrantableRole } from '../../security/roles.js';
import { ErrorSchema } from '../schemas.js';
import {
  AccessRequestSchema,
  GrantableRoleSchema,
  LineText,
  ParagraphText,
  UsernameSchema,
} from './security.schemas.js';

const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });

export const accessRequestsRoutes =
  (ctx: AppContext): FastifyPluginAsync =>
  async (fastify) => {
    const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
    const { security } = ctx;
    const tags = ['access requests'];
    const origin = (request: { ip: string; id: string }) => ({ ip: request.ip, requestId: request.id });

    app.post(
      '/api/v1/access-requests',
      {
        config: {
          access: 'public',
          // Anonymous applications write to the database: keep them rare per address.
          rateLimit: { max: 5, timeWindow: 3_600_000 },
        },
        schema: {
          summary: 'Apply for access, with a reason',
          description:
            'Signed in (e.g. through the identity provider, without a role yet): send reason and role. Without an account, where local accounts are enabled: also username, displayName and the password you will sign in with.',
          tags,
          body: Type.Object(
            {
              reason: ParagraphText(2000),
              role: GrantableRoleSchema,
              username: Type.Optional(UsernameSchema),
              displayName: Type.Optional(LineText(200)),
              email: Type.Optional(Type.String({ maxLength: 200, format: 'email' })),
              password: Type.Optional(Type.String({ minLength: 1, maxLength: 1024 })),
            },
            { additionalProperties: false },
          ),
          response: { 201: AccessRequestSchema, '4xx': ErrorSchema },
        },
      },
      async (request, reply) => {
        const body = request.body;
        const created = await security.accessRequests.apply(
          request.principal,
          { ...body, role: body.role as GrantableRole },
          origin(request),
        );
        return reply.status(201).send(created);
      },
    );

    app.get(
      '/api/v1/access-requests/mine',
      {
        config: { access: 'signed-in' },
        schema: {
          summary: 'Your own applications and their decisions',
          tags,
          response: { 200: Type.Object({ items: Type.Array(AccessRequestSchema) }), '4xx': ErrorSchema },
        },
      },
      async (request) => ({ items: await security.accessRequests.listForUser(request.principal!.id) }),
    );

    app.get(
      '/api/v1/access-requests',
      {
        config: { access: 'admin' },
        schema: {
          summary: 'Applications, newest first',
          tags,
          querystring: Type.Object({
            status: Type.Optional(
              Type.Union([Type.Literal('pending'), Type.Literal('approved'), Type.Literal('rejected')]),
            ),
          }),
          response: { 200: Type.Object({ items: Type.Array(AccessRequestSchema) }), '4xx': ErrorSchema },
        },
      },
      async (request) => ({ items: await security.accessRequests.list(request.query.status) }),
    );

    app.post(
      '/api/v1/access-requests/:id/approve',
      {
        config: { access: 'admin' },
        schema: {
          summary: 'Approve: grant the role (optionally a different one), creating the account if needed',
          tags,
          params: IdParams,
          body: Type.Object(
            { role: Type.Optional(GrantableRoleSchema), note: Type.Optional(ParagraphText(2000)) },
            { additionalProperties: false },
          ),
          response: { 200: AccessRequestSchema, '4xx': ErrorSchema },
        },
      },
      async (request) =>
        security.accessRequests.approve(
          request.params.id,
          request.principal!,
          { role: request.body.role as GrantableRole | undefined, note: request.body.note },
          origin(request),
        ),
    );

    app.post(
      '/api/v1/access-requests/:id/reject',
      {
        config: { access: 'admin' },
        schema: {
          summary: 'Reject, with an optional note to the applicant',
          tags,
          params: IdParams,
          body: Type.Object({ note: Type.Optional(ParagraphText(2000)) }, { additionalProperties: false }),
          response: { 200: AccessRequestSchema, '4xx': ErrorSchema },
        },
      },
      async (request) =>
        security.accessRequests.reject(
          request.params.id,
          request.principal!,
          request.body.note,
          origin(request),
        ),
    );
  };
