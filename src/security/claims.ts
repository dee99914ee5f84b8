/** Mapping identity-provider claims onto gramscope roles and factors. */
import { maxRole, type GrantableRole, type Role } from './roles.js';

/** Reads a claim by name or dotted path (Keycloak: `realm_access.roles`). */
export function readClaim(claims: Record<string, unknown>, name: string): unknown {
  if (name in claims) return claims[name];
  let node: unknown = claims;
  for (const part of name.split('.')) {
    if (!node || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}

/** Parses `value=role` pairs from configuration. */
export function parseRoleMap(pairs: readonly string[]): Map<string, GrantableRole> {
  const map = new Map<string, GrantableRole>();
  for (const pair of pairs) {
    const at = pair.lastIndexOf('=');
    map.set(pair.slice(0, at).trim(), pair.slice(at + 1).trim() as GrantableRole);
  }
  return map;
}

/** The highest role any of the claim's values maps to; `none` when nothing maps. */
export function roleFromClaims(
  claims: Record<string, unknown>,
  claim: string,
  roleMap: ReadonlyMap<string, GrantableRole>,
): Role {
  const raw = readClaim(claims, claim);
  const values = Array.isArray(raw) ? raw : typeof raw === 'string' ? raw.split(/[\s,]+/) : [];
  let role: Role = 'none';
  for (const value of values) {
    if (typeof value !== 'string') continue;
    const mapped = roleMap.get(value);
    if (mapped) role = maxRole(role, mapped);
  }
  return role;
}

export function amrFromClaims(claims: Record<string, unknown>): string[] {
  const amr = claims.amr;
  return Array.isArray(amr) ? amr.filter((a): a is string => typeof a === 'string').slice(0, 20) : [];
}

/** True when the authentication methods include a second factor (RFC 8176 values). */
export function hasSecondFactor(amr: readonly string[], secondFactorAmr: readonly string[]): boolean {
  return amr.some((a) => secondFactorAmr.includes(a));
}
