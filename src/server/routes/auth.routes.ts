/**
 * Sign-in, sign-out, session information and second-factor enrolment. The web app's sign-in page
 * reads GET /api/v1/auth/config first: it says whether the server is in single-user mode (show the
 * banner) and which sign-in methods exist.
 */
import type { FastifyInstance, FastifyPluginAsync, FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { AppContext } from '../../app/context.js';
import { AppError } from '../../errors.js';
import type { Principal } from '../../security/principal.js';
import { isoUtc } from '../../security/clock.js';
import { assertPasswordRule, hashPassword, verifyPassword } from '../../security/passwords.js';
import { csrfTokenFor } from '../../security/sessions.service.js';
import { OIDC_FLOW_COOKIE } from '../../security/oidc.service.js';
import { createRecoveryCodes, createTotpSecret, totpUri, verifyTotp } from '../../security/totp.js';
import { clearSessionCookie, setSessionCookie } from '../plugins/access-control.js';
import { ErrorSchema } from '../schemas.js';
import { SessionInfoSchema } from './security.schemas.js';

export const SINGLE_USER_BANNER =
  'Single-user mode: no identity provider is configured, so gramscope accepts only this computer (loopback) and everyone using it acts as administrator. Configure OpenID Connect or local accounts before sharing it.';

/** Ends the user's live WebSockets too: a session that ended must not keep streaming. */
export function closeLiveSockets(app: FastifyInstance, userId: string): void {
  (app as FastifyInstance & { live?: { closeForActor(actor: string): number } }).live?.closeForActor(userId);
}

/** A same-site path to return to after sign-in; anything else becomes "/". */
function safeReturnTo(value: unknown): string {
  return typeof value === 'string' && /^\/(?![/\\])[^\s]{0,500}$/.test(value) ? value : '/';
}

export const authRoutes =
  (ctx: AppContext): FastifyPluginAsync =>
  async (fastify) => {
    const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
    const { security } = ctx;
    const tags = ['auth'];
    const origin = (request: FastifyRequest) => ({
      ip: request.ip,
      requestId: request.id,
      userAgent: request.headers['user-agent'] ?? '',
    });

    async function sessionInfo(principal: Principal, sessionToken: string | null) {
      const user =
        principal.method === 'local' || principal.method === 'oidc'
          ? await security.users.get(principal.id)
          : null;
      const session =
        sessionToken && principal.sessionId ? await security.sessions.resolve(sessionToken) : null;
      return {
        mode: security.mode,
        user: {
          id: principal.id,
          username: principal.name,
          role: principal.role,
          method: principal.method,
          secondFactor: principal.secondFactor,
          amr: [...principal.amr],
          totpEnabled: user?.totpEnabled ?? false,
        },
        csrfToken: sessionToken ? csrfTokenFor(sessionToken) : null,
        expiresAt: session?.expiresAt ?? null,
        idleExpiresAt: session ? security.sessions.idleDeadline(session) : null,
      };
    }

    app.get(
      '/api/v1/auth/config',
      {
        config: { access: 'public' },
        schema: {
          summary: 'How to sign in here (read by the sign-in page, before signing in)',
          tags,
          response: {
            200: Type.Object({
              mode: Type.Union([Type.Literal('single-user'), Type.Literal('multi-user')]),
              banner: Type.Union([Type.String(), Type.Null()]),
              methods: Type.Object({ oidc: Type.Boolean(), local: Type.Boolean() }),
              accessRequests: Type.Object({
                signedIn: Type.Boolean(),
                anonymous: Type.Boolean({ description: 'Applicants without an account may apply' }),
              }),
              passwordMinLength: Type.Integer(),
            }),
          },
        },
      },
      async () => ({
        mode: security.mode,
        banner: security.mode === 'single-user' ? SINGLE_USER_BANNER : null,
        methods: { oidc: security.oidc !== null, local: security.localAccounts },
        accessRequests: { signedIn: security.mode === 'multi-user', anonymous: security.localAccounts },
        passwordMinLength: 12,
      }),
    );

    app.get(
      '/api/v1/auth/session',
      {
        config: { access: 'signed-in' },
        schema: {
          summary: 'Who is signed in, with the CSRF token to send on writes',
          tags,
          response: { 200: SessionInfoSchema, '4xx': ErrorSchema },
        },
      },
      async (request) => sessionInfo(request.principal!, request.sessionToken),
    );

    app.post(
      '/api/v1/auth/login',
      {
        config: { access: 'public' },
        schema: {
          summary: 'Sign in with a local account (password, then the authenticator code when enrolled)',
          description:
            'Answers 401 ERR_AUTH_CODE_REQUIRED when the password is right and a TOTP or recovery code is needed; send the same request again with `code`. The sixth failed attempt in a minute for a user name or an address answers 429.',
          tags,
          body: Type.Object(
            {
              username: Type.String({ minLength: 1, maxLength: 200 }),
              password: Type.String({ minLength: 1, maxLength: 1024 }),
              code: Type.Optional(Type.String({ maxLength: 32 })),
            },
            { additionalProperties: false },
          ),
          response: { 200: SessionInfoSchema, '4xx': ErrorSchema },
        },
      },
      async (request, reply) => {
        if (security.mode === 'single-user')
          throw new AppError('ERR_CONFLICT', 'Single-user mode has no sign-in');
        let signedIn: Awaited<ReturnType<typeof security.loginLocal>>;
        try {
          signedIn = await security.loginLocal(request.body, origin(request));
        } catch (err) {
          // A structured event for the SIEM (brute force shows as a run of these); never the
          // attempted name or password, which the audit chain handles with care.
          const code = (err as AppError).code;
          if (code !== 'ERR_AUTH_CODE_REQUIRED')
            request.log.warn({ event: 'auth.login', outcome: 'failure', method: 'local', code });
          throw err;
        }
        const { token, principal } = signedIn;
        setSessionCookie(reply, token);
        request.log.info({
          event: 'auth.login',
          outcome: 'success',
          principal: principal.id,
          method: 'local',
        });
        return sessionInfo(principal, token);
      },
    );

    app.post(
      '/api/v1/auth/logout',
      {
        config: { access: 'signed-in' },
        schema: {
          summary: 'Sign out: ends every session of this user, on every device',
          tags,
          response: { 204: Type.Null(), '4xx': ErrorSchema },
        },
      },
      async (request, reply) => {
        const principal = request.principal!;
        if (principal.method === 'single-user')
          throw new AppError('ERR_CONFLICT', 'Single-user mode has no sign-out');
        await security.logout(principal, origin(request));
        closeLiveSockets(fastify, principal.id);
        clearSessionCookie(reply);
        request.log.info({ event: 'auth.logout', principal: principal.id });
        return reply.status(204).send(null);
      },
    );

    app.get(
      '/api/v1/auth/oidc/start',
      {
        config: { access: 'public' },
        schema: {
          summary: 'Begin OpenID Connect sign-in (redirects to the identity provider)',
          tags,
          querystring: Type.Object({ returnTo: Type.Optional(Type.String({ maxLength: 500 })) }),
          response: { 302: Type.Null(), '4xx': ErrorSchema, '5xx': ErrorSchema },
        },
      },
      async (request, reply) => {
        if (!security.oidc) throw new AppError('ERR_NOT_FOUND', 'OpenID Connect sign-in is not configured');
        const { url, flowToken } = await security.oidc.start(safeReturnTo(request.query.returnTo));
        // Lax, not Strict: the provider sends the browser back with a cross-site top-level GET.
        void reply.setCookie(OIDC_FLOW_COOKIE, flowToken, {
          path: '/',
          secure: true,
          httpOnly: true,
          sameSite: 'lax',
          maxAge: 600,
        });
        return reply.redirect(url, 302);
      },
    );

    app.get(
      '/api/v1/auth/oidc/callback',
      {
        config: { access: 'public' },
        schema: {
          summary: 'Where the identity provider returns the browser',
          tags,
          querystring: Type.Object({}, { additionalProperties: Type.String({ maxLength: 4096 }) }),
          response: { 302: Type.Null(), '4xx': ErrorSchema, '5xx': ErrorSchema },
        },
      },
      async (request, reply) => {
        if (!security.oidc) throw new AppError('ERR_NOT_FOUND', 'OpenID Connect sign-in is not configured');
        const flowToken = request.cookies[OIDC_FLOW_COOKIE];
        void reply.clearCookie(OIDC_FLOW_COOKIE, {
          path: '/',
          secure: true,
          httpOnly: true,
          sameSite: 'lax',
        });
        const url = new URL(request.url, 'http://callback.invalid');
        try {
          const { token, principal, returnTo } = await security.loginOidc(flowToken, url, origin(request));
          setSessionCookie(reply, token);
          request.log.info({
            event: 'auth.login',
            outcome: 'success',
            principal: principal.id,
            method: 'oidc',
          });
          return reply.redirect(returnTo, 302);
        } catch (err) {
          request.log.warn({
            event: 'auth.login',
            outcome: 'failure',
            method: 'oidc',
            code: (err as AppError).code,
          });
          if (request.headers.accept?.includes('text/html') && err instanceof AppError)
            return reply.redirect(`/sign-in?error=${err.code}`, 302);
          throw err;
        }
      },
    );

    const localUser = async (request: FastifyRequest) => {
      const principal = request.principal!;
      if (principal.method !== 'local')
        throw new AppError(
          'ERR_CONFLICT',
          'Second factors and passwords of provider accounts are managed by the provider',
        );
      return { principal, user: await security.users.require(principal.id) };
    };

    app.post(
      '/api/v1/auth/totp/enroll',
      {
        config: { access: 'signed-in' },
        schema: {
          summary: 'Start authenticator-app (TOTP) enrolment: returns the secret once',
          description:
            'Show `uri` as a QR code. Replacing an enrolled authenticator needs a session signed in with it.',
          tags,
          response: {
            200: Type.Object({ secret: Type.String(), uri: Type.String() }),
            '4xx': ErrorSchema,
          },
        },
      },
      async (request) => {
        const { principal, user } = await localUser(request);
        if (user.totpEnabled && !principal.secondFactor)
          throw new AppError(
            'ERR_SECOND_FACTOR_REQUIRED',
            'Sign in with your current authenticator to replace it',
          );
        const secret = createTotpSecret();
        // Kept aside until confirmed: enrolment only takes effect once a code proves the app has it.
        await security.users.update(user.id, { totpPendingSecret: secret }, isoUtc(security.clock.now()));
        await request.audit('auth.totp.enrol-start', { target: { type: 'user', id: user.id } });
        return { secret, uri: totpUri(secret, user.username) };
      },
    );

    app.post(
      '/api/v1/auth/totp/confirm',
      {
        config: { access: 'signed-in' },
        schema: {
          summary: 'Finish TOTP enrolment with a current code; returns recovery codes once',
          tags,
          body: Type.Object({ code: Type.String({ pattern: '^\\d{6}$' }) }, { additionalProperties: false }),
          response: {
            200: Type.Object({ recoveryCodes: Type.Array(Type.String()), session: SessionInfoSchema }),
            '4xx': ErrorSchema,
          },
        },
      },
      async (request, reply) => {
        const { principal, user } = await localUser(request);
        if (user.totpEnabled && !principal.secondFactor)
          throw new AppError(
            'ERR_SECOND_FACTOR_REQUIRED',
            'Sign in with your current authenticator to replace it',
          );
        const secret = user.totpPendingSecret;
        if (!secret) throw new AppError('ERR_CONFLICT', 'Start enrolment first');
        const step = verifyTotp(secret, request.body.code, security.clock.now(), null);
        if (step === null)
          throw new AppError('ERR_AUTH_INVALID', 'The code does not match; check the clock of the device');
        const { codes, hashes } = createRecoveryCodes();
        await security.users.update(
          user.id,
          {
            totpSecret: secret,
            totpPendingSecret: null,
            totpEnabled: true,
            totpLastStep: step,
            recoveryCodes: hashes,
          },
          isoUtc(security.clock.now()),
        );
        await request.audit('auth.totp.enrol', { target: { type: 'user', id: user.id } });
        // Privilege changed: every session signed in without this factor ends (one stolen before
        // enrolment must not live on), and this device gets a new id, now with the second factor.
        await security.sessions.endAllForUser(user.id);
        closeLiveSockets(fastify, user.id);
        const elevated = await security.elevateSession(principal, ['pwd', 'otp'], origin(request));
        setSessionCookie(reply, elevated.token);
        return { recoveryCodes: codes, session: await sessionInfo(elevated.principal, elevated.token) };
      },
    );

    app.post(
      '/api/v1/auth/password',
      {
        config: { access: 'signed-in' },
        schema: {
          summary: 'Change your password (ends your other sessions)',
          tags,
          body: Type.Object(
            {
              currentPassword: Type.String({ minLength: 1, maxLength: 1024 }),
              newPassword: Type.String({ minLength: 1, maxLength: 1024 }),
            },
            { additionalProperties: false },
          ),
          response: { 200: SessionInfoSchema, '4xx': ErrorSchema },
        },
      },
      async (request, reply) => {
        const { principal, user } = await localUser(request);
        if (!user.passwordHash || !(await verifyPassword(user.passwordHash, request.body.currentPassword)))
          throw new AppError('ERR_AUTH_INVALID', 'The current password is wrong');
        assertPasswordRule(request.body.newPassword, user.username);
        await security.users.update(
          user.id,
          { passwordHash: await hashPassword(request.body.newPassword) },
          isoUtc(security.clock.now()),
        );
        await security.sessions.endAllForUser(user.id);
        await request.audit('auth.password.change', { target: { type: 'user', id: user.id } });
        const renewed = await security.elevateSession(principal, principal.amr, origin(request));
        setSessionCookie(reply, renewed.token);
        return sessionInfo(renewed.principal, renewed.token);
      },
    );
  };
