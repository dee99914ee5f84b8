/**
 * Roles, ordered: each includes the rights of those before it. `none` is a signed-in person whose
 * access has not been granted yet (they may apply for it).
 */
export const ROLES = ['none', 'viewer', 'analyst', 'reviewer', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** Roles that can be granted to a person (everything but `none`). */
export const GRANTABLE_ROLES = ['viewer', 'analyst', 'reviewer', 'admin'] as const satisfies readonly Role[];
export type GrantableRole = (typeof GRANTABLE_ROLES)[number];

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

export function roleRank(role: Role): number {
  return ROLES.indexOf(role);
}

/** True when `role` includes the rights of `required`. */
export function roleAtLeast(role: Role, required: Role): boolean {
  return roleRank(role) >= roleRank(required);
}

/** The higher of two roles. */
export function maxRole(a: Role, b: Role): Role {
  return roleRank(a) >= roleRank(b) ? a : b;
}

/**
 * Roles whose actions need a second authentication factor (MHLW guideline 6.0 §14): signing off
 * results and administering. Reading never does.
 */
export function roleNeedsSecondFactor(required: Role): boolean {
  return roleAtLeast(required, 'reviewer');
}

/** What an API token may be allowed to do. Tokens never sign off or administer: people do. */
export const TOKEN_SCOPES = ['read', 'submit', 'metrics'] as const;
export type TokenScope = (typeof TOKEN_SCOPES)[number];

export function isTokenScope(value: unknown): value is TokenScope {
  return typeof value === 'string' && (TOKEN_SCOPES as readonly string[]).includes(value);
}

/** The role a token scope stands for, and the role its owner must hold to grant it. */
export const SCOPE_ROLE: Readonly<Record<TokenScope, Role>> = {
  read: 'viewer',
  submit: 'analyst',
  metrics: 'admin',
};
