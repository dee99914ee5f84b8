/**
 * API tokens for machine clients. A person creates them for themselves; the token value is shown
 * once in the creation response and never again. Tokens act with at most their owner's role.
 */
import type { FastifyPluginAsync } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { AppContext } from '../../app/context.js';
import { AppError } from '../../errors.js';
import { roleAtLeast, roleNeedsSecondFactor, SCOPE_ROLE, type TokenScope } from '../../security/roles.js';
import { ErrorSchema } from '../schemas.js';
import { ApiTokenSchema, LineText, TokenScopeSchema } from './security.schemas.js';

export const tokensRoutes =
  (ctx: AppContext): FastifyPluginAsync =>
  async (fastify) => {
    const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
    const { security } = ctx;
    const tags = ['tokens'];
    // People only: a token cannot mint or list tokens.
    const access = { role: 'viewer', scope: null } as const;

    app.get(
      '/api/v1/tokens',
      {
        config: { access },
        schema: {
          summary: 'Your API tokens (admins: ?all=true for everyone’s)',
          tags,
          querystring: Type.Object({ all: Type.Optional(Type.Boolean()) }),
          response: { 200: Type.Object({ items: Type.Array(ApiTokenSchema) }), '4xx': ErrorSchema },
        },
      },
      async (request) => {
        const principal = request.principal!;
        if (request.query.all) {
          if (!roleAtLeast(principal.role, 'admin') || !principal.secondFactor)
            throw new AppError(
              'ERR_FORBIDDEN',
              'Listing every token needs an admin signed in with two factors',
            );
          return { items: await security.tokens.listAll() };
        }
        return { items: await security.tokens.listForUser(principal.id) };
      },
    );

    app.post(
      '/api/v1/tokens',
      {
        config: { access },
        schema: {
          summary: 'Create an API token (the value is shown once)',
          tags,
          body: Type.Object(
            {
              name: LineText(100),
              scopes: Type.Array(TokenScopeSchema, { minItems: 1, maxItems: 3, uniqueItems: true }),
              expiresInDays: Type.Integer({ minimum: 1, maximum: 3650 }),
            },
            { additionalProperties: false },
          ),
          response: {
            201: Type.Object({
              token: Type.String({ description: 'Send as "Authorization: Bearer <token>". Shown only now.' }),
              record: ApiTokenSchema,
            }),
            '4xx': ErrorSchema,
          },
        },
      },
      async (request, reply) => {
        const principal = request.principal!;
        if (principal.method === 'single-user')
          throw new AppError(
            'ERR_CONFLICT',
            'Single-user mode has no API tokens; it answers only this computer',
          );
        if (principal.id.startsWith('jwt:'))
          throw new AppError('ERR_FORBIDDEN', 'Only known users can create tokens');
        const scopes = request.body.scopes as TokenScope[];
        for (const scope of scopes) {
          const needed = SCOPE_ROLE[scope];
          if (!roleAtLeast(principal.role, needed))
            throw new AppError('ERR_FORBIDDEN', `The "${scope}" scope needs the ${needed} role`);
          if (roleNeedsSecondFactor(needed) && !principal.secondFactor)
            throw new AppError(
              'ERR_SECOND_FACTOR_REQUIRED',
              `The "${scope}" scope needs a sign-in with two factors`,
            );
        }
        const created = await security.tokens.create({
          userId: principal.id,
          name: request.body.name,
          scopes,
          expiresInDays: request.body.expiresInDays,
        });
        await request.audit('token.create', {
          target: { type: 'token', id: created.record.id },
          details: { scopes: scopes.join(' '), expiresAt: created.record.expiresAt },
        });
        return reply.status(201).send(created);
      },
    );

    app.delete(
      '/api/v1/tokens/:id',
      {
        config: { access },
        schema: {
          summary: 'Revoke a token (yours; admins: anyone’s)',
          tags,
          params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) }),
          response: { 204: Type.Null(), '4xx': ErrorSchema },
        },
      },
      async (request, reply) => {
        const principal = request.principal!;
        const token = await security.tokens.get(request.params.id);
        const isAdmin = roleAtLeast(principal.role, 'admin') && principal.secondFactor;
        if (!token || (token.userId !== principal.id && !isAdmin))
          throw new AppError('ERR_NOT_FOUND', 'No such token');
        if (!(await security.tokens.revoke(token.id)))
          throw new AppError('ERR_CONFLICT', 'The token is already revoked');
        await request.audit('token.revoke', { target: { type: 'token', id: token.id } });
        return reply.status(204).send(null);
      },
    );
  };
