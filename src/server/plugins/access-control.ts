/**
 * Zero trust at the door of every route. For each request, in order:
 *
 * 1. identify the caller — single-user mode: the person at this machine, on loopback only;
 *    otherwise a session cookie, an API token or a bearer JWT;
 * 2. apply the route's declared access through the one policy function (`authorize`); a route
 *    that declares nothing is refused for everyone, so a new route is closed until its author
 *    says who may use it;
 * 3. check the origin of state-changing and WebSocket requests, and the CSRF token of
 *    cookie-authenticated writes;
 * 4. rate-limit per user (or per address before sign-in).
 *
 * Routes declare access with `config: { access: 'viewer' }` (see docs/security.md).
 */
import { timingSafeEqual } from 'node:crypto';
import fastifyCookie from '@fastify/cookie';
import fastifyCors from '@fastify/cors';
import fastifyRateLimit from '@fastify/rate-limit';
import type { Redis } from 'ioredis';
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import type { Config } from '../../config/config.schema.js';
import { AppError } from '../../errors.js';
import type { AuditDetailValue } from '../../security/audit.service.js';
import { authorize, isAccess, type Access } from '../../security/policy.js';
import type { Principal } from '../../security/principal.js';
import { actorOf, type SecurityService } from '../../security/security.service.js';
import { csrfTokenFor, SESSION_COOKIE } from '../../security/sessions.service.js';
import { isLoopbackHost } from '../network.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Who may call this route (deny by default). */
    access?: Access;
  }
  interface FastifyRequest {
    /** The authenticated caller; null on public routes called anonymously. */
    principal: Principal | null;
    /** The session cookie value when the caller authenticated with one. */
    sessionToken: string | null;
    /**
     * Appends an audit entry for this request (actor, address and request id filled in).
     *
     * @example
     * await request.audit('analysis.view', { target: { type: 'analysis', id } });
     */
    audit(
      action: string,
      entry?: {
        target?: { type: string; id: string } | null;
        outcome?: 'success' | 'failure' | 'denied';
        details?: Record<string, AuditDetailValue>;
      },
    ): Promise<void>;
  }
  interface FastifyInstance {
    /** Every registered route and the access it declared, in registration order. */
    routeAccess: RouteAccessEntry[];
  }
}

export interface RouteAccessEntry {
  readonly method: string;
  readonly url: string;
  readonly access: Access | undefined;
  readonly websocket: boolean;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

function sameBytes(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Origins a browser request may come from: our own, the public URL and the CORS allowlist. */
export function allowedOrigins(config: Readonly<Config>, request: FastifyRequest): Set<string> {
  const origins = new Set<string>(config.server.corsOrigins.map((o) => o.replace(/\/$/, '')));
  if (config.server.publicUrl) origins.add(new URL(config.server.publicUrl).origin);
  try {
    origins.add(new URL(`${request.protocol}://${request.host}`).origin);
  } catch {
    // An unparsable Host header matches nothing.
  }
  return origins;
}

/**
 * The check a WebSocket route must pass before upgrading: a browser's Origin must be ours or on the
 * allowlist (browsers do not apply same-origin rules to WebSockets), and the caller must be
 * authenticated. The access-control hook already runs this for every upgrade request; the live
 * socket may call it again per message batch if it keeps long-lived connections.
 */
export function checkWebSocketRequest(config: Readonly<Config>, request: FastifyRequest): void {
  const origin = request.headers.origin;
  // Browsers always send Origin on an upgrade; a client without one is not a browser, so it cannot
  // be a victim of cross-site WebSocket hijacking, and it still has to authenticate.
  if (origin !== undefined && !allowedOrigins(config, request).has(origin))
    throw new AppError('ERR_ORIGIN_REFUSED', 'This WebSocket origin is not allowed');
  if (!request.principal) throw new AppError('ERR_AUTH_REQUIRED');
}

export function setSessionCookie(reply: FastifyReply, token: string): void {
  // __Host- requires Secure, Path=/ and no Domain: the cookie cannot be set or shadowed by a
  // sibling subdomain. No Max-Age: the browser forgets it when closed; the server enforces the
  // idle and absolute timeouts regardless.
  void reply.setCookie(SESSION_COOKIE, token, {
    path: '/',
    secure: true,
    httpOnly: true,
    sameSite: 'strict',
  });
}

export function clearSessionCookie(reply: FastifyReply): void {
  void reply.clearCookie(SESSION_COOKIE, { path: '/', secure: true, httpOnly: true, sameSite: 'strict' });
}

function isUpgrade(request: FastifyRequest): boolean {
  return request.headers.upgrade?.toLowerCase() === 'websocket';
}

export async function registerAccessControl(
  app: FastifyInstance,
  config: Readonly<Config>,
  security: SecurityService,
): Promise<void> {
  const routes: RouteAccessEntry[] = [];
  app.decorate('routeAccess', routes);
  app.decorateRequest('principal', null);
  app.decorateRequest('sessionToken', null);
  app.decorateRequest('audit', async function (this: FastifyRequest, action, entry = {}) {
    await security.audit.record({
      action,
      outcome: entry.outcome ?? 'success',
      actor: actorOf(this.principal),
      target: entry.target ?? null,
      ip: this.ip,
      requestId: this.id,
      ...(entry.details ? { details: entry.details } : {}),
    });
  });

  app.addHook('onRoute', (route: RouteOptions & { websocket?: boolean }) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    // CORS preflights carry no credentials by design; the CORS plugin answers them.
    if (route.url === '*' && methods.length === 1 && methods[0] === 'OPTIONS')
      route.config = { ...route.config, access: 'public' };
    const config: { access?: unknown } = (route.config ??= {});
    for (const method of methods) {
      // Read when asked, so later onRoute hooks (the static web app's) are taken into account.
      routes.push({
        method: String(method),
        url: route.url,
        get access() {
          return config.access as Access | undefined;
        },
        websocket: route.websocket === true,
      });
    }
  });
  app.addHook('onReady', async () => {
    const invalid = routes.filter((r) => r.access !== undefined && !isAccess(r.access));
    if (invalid.length)
      throw new Error(
        `Routes with an invalid access rule: ${invalid.map((r) => `${r.method} ${r.url}`).join(', ')}`,
      );
    const undeclared = routes.filter((r) => r.access === undefined && r.method !== 'HEAD');
    if (undeclared.length)
      app.log.warn(
        { event: 'access.undeclared', routes: undeclared.map((r) => `${r.method} ${r.url}`) },
        'routes without an access rule are refused for everyone',
      );
  });

  await app.register(fastifyCookie);
  await app.register(fastifyCors, {
    origin: config.server.corsOrigins.length ? config.server.corsOrigins : false,
    credentials: true,
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
    allowedHeaders: ['authorization', 'content-type', 'x-csrf-token'],
    maxAge: 600,
  });

  // 1. Identify.
  app.addHook('onRequest', async (request, reply) => {
    if (security.mode === 'single-user') {
      // Loopback only, by socket address and by Host name (a DNS-rebinding page cannot pose as
      // localhost), and never relayed by a proxy.
      const remote = request.socket.remoteAddress ?? '';
      const host = (request.headers.host ?? '').replace(/:\d+$/, '');
      const relayed =
        request.headers['x-forwarded-for'] !== undefined || request.headers.forwarded !== undefined;
      if (!isLoopbackHost(remote.replace(/^::ffff:/, '')) || !isLoopbackHost(host) || relayed) {
        throw new AppError(
          'ERR_FORBIDDEN',
          'gramscope is in single-user mode and answers only on loopback; configure an identity provider to serve others',
        );
      }
      request.principal = security.singleUser();
      return;
    }
    const authorization = request.headers.authorization;
    const cookie = request.cookies[SESSION_COOKIE];
    try {
      const result = await security.authenticate({
        authorization,
        sessionToken: authorization === undefined ? cookie : undefined,
      });
      if (result) {
        request.principal = result.principal;
        if (result.session && cookie) request.sessionToken = cookie;
      }
    } catch (err) {
      if (cookie && authorization === undefined) clearSessionCookie(reply);
      const access = request.routeOptions.config.access;
      // A stale cookie must not lock anyone out of the sign-in page.
      if (access === 'public' && authorization === undefined) return;
      logDenial(request, err instanceof AppError ? err.code : 'ERR_AUTH_INVALID');
      throw err;
    }
  });

  // 2. Authorise, 3. check origin and CSRF.
  app.addHook('onRequest', async (request) => {
    let access: unknown = request.routeOptions.config.access;
    if (request.is404) {
      // Unknown API paths answer 401 to strangers, so the API cannot be mapped without signing in.
      access = request.url.startsWith('/api/') ? 'signed-in' : 'public';
      if (request.principal?.method === 'token' && access === 'signed-in') access = 'public';
    }
    const decision = authorize(request.principal, access);
    if (!decision.allow) {
      logDenial(request, decision.error.code);
      if (request.principal) {
        await request.audit('access.denied', {
          outcome: 'denied',
          details: {
            route: `${request.method} ${request.routeOptions.url ?? ''}`,
            code: decision.error.code,
          },
        });
      }
      throw decision.error;
    }
    if (isUpgrade(request) && access !== 'public') {
      checkWebSocketRequest(config, request);
      return;
    }
    if (SAFE_METHODS.has(request.method)) return;
    const origin = request.headers.origin;
    if (origin !== undefined && !allowedOrigins(config, request).has(origin)) {
      logDenial(request, 'ERR_ORIGIN_REFUSED');
      throw new AppError('ERR_ORIGIN_REFUSED');
    }
    const site = request.headers['sec-fetch-site'];
    if (origin === undefined && (site === 'cross-site' || site === 'same-site')) {
      logDenial(request, 'ERR_ORIGIN_REFUSED');
      throw new AppError('ERR_ORIGIN_REFUSED');
    }
    if (request.sessionToken) {
      const presented = request.headers['x-csrf-token'];
      if (typeof presented !== 'string' || !sameBytes(presented, csrfTokenFor(request.sessionToken))) {
        logDenial(request, 'ERR_CSRF');
        throw new AppError('ERR_CSRF', 'Send the x-csrf-token header from GET /api/v1/auth/session');
      }
    }
  });

  // A refused upgrade request never reaches the WebSocket plugin's own hooks, which would close
  // the raw socket after the answer; close it here so it does not linger.
  app.addHook('onResponse', async (request, reply) => {
    if (isUpgrade(request) && reply.statusCode >= 400) request.raw.socket?.destroy();
  });

  // 4. Rate limits, keyed by the caller once known. Single-user mode has one caller on loopback.
  if (security.mode === 'multi-user') {
    const redis = config.rateLimit.redisUrl
      ? await connectRateLimitRedis(app, config.rateLimit.redisUrl)
      : null;
    await app.register(fastifyRateLimit, {
      // Shared by every replica when configured; the sign-in throttle is shared through the
      // database either way.
      ...(redis ? { redis, nameSpace: 'gramscope-rl:', skipOnError: true } : {}),
      global: true,
      hook: 'onRequest',
      timeWindow: 60_000,
      max: (request) =>
        request.principal ? config.rateLimit.perUserPerMinute : config.rateLimit.perAddressPerMinute,
      keyGenerator: (request) => (request.principal ? `user:${request.principal.id}` : `ip:${request.ip}`),
      errorResponseBuilder: (_request, context) =>
        new AppError('ERR_RATE_LIMITED', undefined, {
          headers: { 'retry-after': String(Math.max(1, Math.ceil(context.ttl / 1000))) },
        }),
    });
  }
}

/**
 * The Redis connection for shared rate limits: short timeouts and one retry, so a Redis outage
 * costs a request milliseconds (and skips the limit) instead of hanging it.
 */
async function connectRateLimitRedis(app: FastifyInstance, url: string): Promise<Redis> {
  // Loaded only when configured: most installations never need the client (cold start).
  const { Redis } = await import('ioredis');
  const redis = new Redis(url, { connectTimeout: 500, maxRetriesPerRequest: 1, enableOfflineQueue: true });
  let warned = false;
  redis.on('error', (err: Error) => {
    if (warned) return;
    warned = true;
    // The URL may carry a password: name the problem, not the address.
    app.log.warn(
      { event: 'ratelimit.redis', err: err.message },
      'rate-limit Redis unavailable; limits skipped',
    );
  });
  redis.on('ready', () => (warned = false));
  app.addHook('onClose', async () => {
    redis.disconnect();
  });
  return redis;
}

/** A structured security event: no credentials, no query strings, control characters removed. */
function logDenial(request: FastifyRequest, code: string): void {
  request.log.warn(
    {
      event: 'access.denied',
      code,
      method: request.method,
      route: request.routeOptions.url ?? 'unmatched',
      principal: request.principal?.id ?? null,
      ip: request.ip,
    },
    'request refused',
  );
}

/** The route access entries, for tests and the docs. */
export function listRouteAccess(app: FastifyInstance): readonly RouteAccessEntry[] {
  return app.routeAccess;
}
