/**
 * What each route of the report area needs, declared in one place per route as `config.access`, and
 * the two helpers every such route uses: who is acting, and writing its audit entry.
 *
 * The identity, role policy and hash-chained audit log live in src/security/: the access-control
 * plugin enforces `config.access` on every request before the handler runs.
 */
import type { FastifyRequest } from 'fastify';
import type { AppContext } from '../app/context.js';
import type { ReviewerIdentity } from '../domain/specimen.js';
import { isAppError } from '../errors.js';
import type { AuditEntry } from '../reports/audit.js';
import type { AccessRule } from '../security/policy.js';
import type { GrantableRole } from '../security/roles.js';

export type Role = GrantableRole;

/** The security policy's access rule (src/security/policy.ts), with the audit action named. */
export type RouteAccess = AccessRule & { audit: string };

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

/**
 * Who is acting, from the principal the security layer authenticated; `assurance` names the second
 * factor ('totp', 'recovery-code', 'oidc-amr:…') or is null when the sign-in had only one.
 */
export function actorOf(request: FastifyRequest): ReviewerIdentity {
  const principal = request.principal;
  if (!principal || principal.method === 'single-user') return SINGLE_USER;
  let assurance: string | null = null;
  if (principal.secondFactor) {
    if (principal.method === 'local') assurance = principal.amr.includes('otp') ? 'totp' : 'recovery-code';
    else assurance = `${principal.method}-amr:${principal.amr.join('+')}`.slice(0, 100);
  }
  return { id: principal.id, name: principal.name, assurance };
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
  const declared = request.routeOptions.config.access;
  const action = typeof declared === 'object' && declared.audit ? declared.audit : 'unknown';
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
