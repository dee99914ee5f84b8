/**
 * What each route of the report area needs, declared in one place per route as `config.access`, and
 * the two helpers every such route uses: who is acting, and writing its audit entry.
 *
 * The identity, role policy and hash-chained audit log live in src/security/ (built in parallel).
 * Until that policy reads `config.access`, requests act as the single-user-mode local user: the
 * server then refuses to listen beyond loopback, so that user is whoever sits at the machine.
 */
import type { FastifyRequest } from 'fastify';
import type { AppContext } from '../app/context.js';
import type { ReviewerIdentity } from '../domain/specimen.js';
import { isAppError } from '../errors.js';
import type { AuditEntry } from '../reports/audit.js';

export type Role = 'viewer' | 'analyst' | 'reviewer' | 'admin';

export interface RouteAccess {
  /** The least role that may call the route. */
  role: Role;
  /**
   * Two factors required: 'always', or 'sign-off' when only a request that signs off needs them
   * (the handler checks, since it depends on the body).
   */
  secondFactor?: 'always' | 'sign-off';
  /** The audit action the handler records. */
  audit: string;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: RouteAccess;
  }
}

export const access = (
  role: Role,
  audit: string,
  secondFactor?: RouteAccess['secondFactor'],
): RouteAccess => ({
  role,
  audit,
  ...(secondFactor ? { secondFactor } : {}),
});

/** The single-user-mode identity (no identity provider configured; loopback only). */
export const SINGLE_USER: ReviewerIdentity = {
  id: 'local',
  name: 'Local user (single-user mode)',
  assurance: 'single-user',
};

interface AuthenticatedRequest {
  /** Set by the security layer once it is wired: the authenticated principal. */
  principal?: { id: string; name: string; assurance: string | null } | null;
}

/** Who is acting: the authenticated principal, else the single-user-mode local user. */
export function actorOf(request: FastifyRequest): ReviewerIdentity {
  const principal = (request as FastifyRequest & AuthenticatedRequest).principal;
  return principal ? { id: principal.id, name: principal.name, assurance: principal.assurance } : SINGLE_USER;
}

/**
 * Runs a handler and records its audit entry, success or failure (with the error code), so denied
 * and refused attempts are audited too.
 */
export async function audited<T>(
  ctx: AppContext,
  request: FastifyRequest,
  target: AuditEntry['target'],
  run: () => Promise<T>,
  details: AuditEntry['details'] = {},
): Promise<T> {
  const action = request.routeOptions.config.access?.audit ?? 'unknown';
  const actor = actorOf(request).id;
  try {
    const value = await run();
    await ctx.audit.record({ action, actor, target, outcome: 'success', details, from: request.ip });
    return value;
  } catch (err) {
    await ctx.audit.record({
      action,
      actor,
      target,
      outcome: 'failure',
      details: { ...details, code: isAppError(err) ? err.code : 'ERR_INTERNAL' },
      from: request.ip,
    });
    throw err;
  }
}
