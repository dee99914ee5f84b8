/**
 * The one authorisation policy. Every route declares what it needs (`config: { access }`); this
 * function decides, and anything it does not positively allow is refused — a route that declares
 * nothing is refused for everyone.
 */
import { AppError } from '../errors.js';
import type { Principal } from './principal.js';
import { roleAtLeast, roleNeedsSecondFactor, type GrantableRole, type TokenScope } from './roles.js';

/**
 * What a route needs:
 * - `'public'` — no authentication (the allowlist: health probes, sign-in, static assets);
 * - `'signed-in'` — any person with a session, even one without a role yet (session info, sign-out,
 *   second-factor enrolment, applying for access); API tokens and bearer JWTs are refused;
 * - a role (`'viewer'`, `'analyst'`, `'reviewer'`, `'admin'`) — that role or a higher one;
 *   reviewer and admin also need a second factor;
 * - `{ role, scope }` — as a role, and names the API-token scope that may call it (by default
 *   `read` for viewer routes, `submit` for analyst routes, and no token for reviewer/admin routes).
 */
export type Access = 'public' | 'signed-in' | GrantableRole | AccessRule;

export interface AccessRule {
  readonly role: GrantableRole;
  /** The token scope allowed to call the route; `null` refuses every token. */
  readonly scope?: TokenScope | null;
  /**
   * When two factors are needed: by default for reviewer and admin routes; `'always'` for any
   * role; `'sign-off'` when only some requests need them and the handler checks (e.g. a review
   * that may or may not sign off) — the handler must then refuse with ERR_SECOND_FACTOR_REQUIRED.
   */
  readonly secondFactor?: 'always' | 'sign-off';
  /** The audit action the route records (informative; the route records it). */
  readonly audit?: string;
}

export type Decision = { readonly allow: true } | { readonly allow: false; readonly error: AppError };

const ALLOW: Decision = Object.freeze({ allow: true });
const deny = (error: AppError): Decision => ({ allow: false, error });

const DEFAULT_SCOPE: Readonly<Record<GrantableRole, TokenScope | null>> = {
  viewer: 'read',
  analyst: 'submit',
  reviewer: null,
  admin: null,
};

interface Rule {
  role: GrantableRole;
  scope: TokenScope | null;
  secondFactor: boolean;
}

function normalise(access: GrantableRole | AccessRule): Rule {
  if (typeof access === 'string')
    return { role: access, scope: DEFAULT_SCOPE[access], secondFactor: roleNeedsSecondFactor(access) };
  return {
    role: access.role,
    scope: access.scope === undefined ? DEFAULT_SCOPE[access.role] : access.scope,
    secondFactor:
      access.secondFactor === 'always' ||
      (access.secondFactor !== 'sign-off' && roleNeedsSecondFactor(access.role)),
  };
}

/** True when the value is a well-formed access declaration. */
export function isAccess(value: unknown): value is Access {
  if (value === 'public' || value === 'signed-in') return true;
  if (value === 'viewer' || value === 'analyst' || value === 'reviewer' || value === 'admin') return true;
  if (value && typeof value === 'object' && 'role' in value) {
    const rule = value as { role: unknown; scope?: unknown; secondFactor?: unknown; audit?: unknown };
    return (
      (rule.secondFactor === undefined ||
        rule.secondFactor === 'always' ||
        rule.secondFactor === 'sign-off') &&
      (rule.audit === undefined || typeof rule.audit === 'string') &&
      isAccess(rule.role) &&
      typeof rule.role === 'string' &&
      rule.role !== 'public' &&
      rule.role !== 'signed-in' &&
      (rule.scope === undefined ||
        rule.scope === null ||
        rule.scope === 'read' ||
        rule.scope === 'submit' ||
        rule.scope === 'metrics')
    );
  }
  return false;
}

/**
 * Decides whether `principal` (null: unauthenticated) may use a route declaring `access`.
 *
 * @example
 * const decision = authorize(request.principal, 'reviewer');
 * if (!decision.allow) throw decision.error; // 401, 403 or 403 second factor
 */
export function authorize(principal: Principal | null, access: unknown): Decision {
  if (access === 'public') return ALLOW;
  if (!principal) return deny(new AppError('ERR_AUTH_REQUIRED'));
  if (!isAccess(access)) {
    // Deny by default: a route without a (valid) declaration is a bug, never an open door.
    return deny(new AppError('ERR_FORBIDDEN', 'This route declares no access rule, so it is refused'));
  }
  const isMachine = principal.method === 'token' || principal.method === 'jwt';
  if (access === 'signed-in') {
    return principal.method === 'token'
      ? deny(new AppError('ERR_FORBIDDEN', 'This action needs a signed-in person, not an API token'))
      : ALLOW;
  }
  const rule = normalise(access as GrantableRole | AccessRule);
  if (!roleAtLeast(principal.role, rule.role)) {
    return deny(new AppError('ERR_FORBIDDEN', `This action needs the ${rule.role} role`));
  }
  if (principal.method === 'token') {
    if (rule.scope === null || !principal.scopes?.includes(rule.scope)) {
      return deny(
        new AppError(
          'ERR_FORBIDDEN',
          rule.scope === null
            ? 'API tokens cannot do this; sign in as a person'
            : `This API token lacks the "${rule.scope}" scope`,
        ),
      );
    }
    // A token with an explicitly named scope was minted by its owner for exactly this; the
    // second factor was checked when it was created.
    return ALLOW;
  }
  if (rule.secondFactor && !principal.secondFactor) {
    return deny(
      new AppError(
        'ERR_SECOND_FACTOR_REQUIRED',
        isMachine
          ? 'This action needs a sign-in with two factors; the token shows only one'
          : 'This action needs a sign-in with two factors; enrol an authenticator app and sign in again',
      ),
    );
  }
  return ALLOW;
}
