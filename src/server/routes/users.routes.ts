/** User administration (admin with two factors). Disabling a user ends all their sessions at once. */
import type { FastifyPluginAsync } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { AppContext } from '../../app/context.js';
import { AppError } from '../../errors.js';
import { isoUtc } from '../../security/clock.js';
import { assertPasswordRule, hashPassword } from '../../security/passwords.js';
import { publicUser } from '../../security/users.repository.js';
import { ErrorSchema } from '../schemas.js';
import { closeLiveSockets } from './auth.routes.js';
import { GrantableRoleSchema, LineText, RoleSchema, UserSchema, UsernameSchema } from './security.schemas.js';

const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });

export const usersRoutes =
  (ctx: AppContext): FastifyPluginAsync =>
  async (fastify) => {
    const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
    const { security } = ctx;
    const tags = ['users'];
    const now = () => isoUtc(security.clock.now());

    app.get(
      '/api/v1/users',
      {
        config: { access: 'admin' },
        schema: {
          summary: 'All users',
          tags,
          response: { 200: Type.Object({ items: Type.Array(UserSchema) }), '4xx': ErrorSchema },
        },
      },
      async () => ({ items: await security.users.list() }),
    );

    app.post(
      '/api/v1/users',
      {
        config: { access: 'admin' },
        schema: {
          summary: 'Create a local account',
          description: 'The user signs in with this password and then enrols an authenticator app.',
          tags,
          body: Type.Object(
            {
              username: UsernameSchema,
              displayName: Type.Optional(LineText(200)),
              email: Type.Optional(Type.String({ maxLength: 200, format: 'email' })),
              role: GrantableRoleSchema,
              password: Type.String({ minLength: 1, maxLength: 1024 }),
            },
            { additionalProperties: false },
          ),
          response: { 201: UserSchema, '4xx': ErrorSchema },
        },
      },
      async (request, reply) => {
        if (!security.localAccounts) throw new AppError('ERR_CONFLICT', 'Local accounts are not enabled');
        const body = request.body;
        assertPasswordRule(body.password, body.username);
        const user = await security.users.create(
          {
            username: body.username,
            displayName: body.displayName ?? body.username,
            email: body.email ?? null,
            role: body.role as 'viewer',
            source: 'local',
            passwordHash: await hashPassword(body.password),
          },
          now(),
        );
        await request.audit('user.create', {
          target: { type: 'user', id: user.id },
          details: { role: user.role },
        });
        return reply.status(201).send(publicUser(user));
      },
    );

    app.get(
      '/api/v1/users/:id',
      {
        config: { access: 'admin' },
        schema: {
          summary: 'One user, with the number of live sessions',
          tags,
          params: IdParams,
          response: {
            200: Type.Object({ user: UserSchema, sessions: Type.Integer() }),
            '4xx': ErrorSchema,
          },
        },
      },
      async (request) => {
        const user = await security.users.require(request.params.id);
        return { user: publicUser(user), sessions: await security.sessions.countForUser(user.id) };
      },
    );

    app.patch(
      '/api/v1/users/:id',
      {
        config: { access: 'admin' },
        schema: {
          summary: 'Change role, name or e-mail; disable or enable',
          description: 'Disabling ends every session of the user at once and stops their API tokens.',
          tags,
          params: IdParams,
          body: Type.Object(
            {
              role: Type.Optional(RoleSchema),
              disabled: Type.Optional(Type.Boolean()),
              displayName: Type.Optional(LineText(200)),
              email: Type.Optional(
                Type.Union([Type.String({ maxLength: 200, format: 'email' }), Type.Null()]),
              ),
            },
            { additionalProperties: false },
          ),
          response: { 200: UserSchema, '4xx': ErrorSchema },
        },
      },
      async (request) => {
        const user = await security.users.require(request.params.id);
        const body = request.body;
        const self = request.principal!.id === user.id;
        if (self && (body.disabled === true || (body.role !== undefined && body.role !== 'admin')))
          throw new AppError('ERR_CONFLICT', 'Admins cannot disable or demote themselves; ask another admin');
        await security.users.update(
          user.id,
          {
            ...(body.role !== undefined ? { role: body.role as 'viewer' } : {}),
            ...(body.disabled !== undefined ? { disabled: body.disabled } : {}),
            ...(body.displayName !== undefined ? { displayName: body.displayName } : {}),
            ...(body.email !== undefined ? { email: body.email } : {}),
          },
          now(),
        );
        let sessionsEnded = 0;
        if (body.disabled === true) {
          sessionsEnded = await security.sessions.endAllForUser(user.id);
          closeLiveSockets(fastify, user.id);
        }
        await request.audit(body.disabled === true ? 'user.disable' : 'user.update', {
          target: { type: 'user', id: user.id },
          details: {
            ...(body.role !== undefined ? { role: body.role } : {}),
            ...(body.disabled !== undefined ? { disabled: body.disabled } : {}),
            sessionsEnded,
          },
        });
        return publicUser(await security.users.require(user.id));
      },
    );

    app.post(
      '/api/v1/users/:id/sessions/end',
      {
        config: { access: 'admin' },
        schema: {
          summary: 'End every session of a user now',
          tags,
          params: IdParams,
          response: { 200: Type.Object({ ended: Type.Integer() }), '4xx': ErrorSchema },
        },
      },
      async (request) => {
        const user = await security.users.require(request.params.id);
        const ended = await security.sessions.endAllForUser(user.id);
        closeLiveSockets(fastify, user.id);
        await request.audit('user.sessions.end', {
          target: { type: 'user', id: user.id },
          details: { ended },
        });
        return { ended };
      },
    );

    app.post(
      '/api/v1/users/:id/second-factor/reset',
      {
        config: { access: 'admin' },
        schema: {
          summary: 'Remove a lost authenticator (the user enrols again at next sign-in)',
          tags,
          params: IdParams,
          response: { 200: UserSchema, '4xx': ErrorSchema },
        },
      },
      async (request) => {
        const user = await security.users.require(request.params.id);
        await security.users.update(
          user.id,
          { totpSecret: null, totpPendingSecret: null, totpEnabled: false, recoveryCodes: null },
          now(),
        );
        await security.sessions.endAllForUser(user.id);
        await request.audit('user.second-factor.reset', { target: { type: 'user', id: user.id } });
        return publicUser(await security.users.require(user.id));
      },
    );
  };
