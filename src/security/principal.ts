import type { Role, TokenScope } from './roles.js';

/** How the caller proved who they are. */
export type AuthMethod =
  /** No identity configured: the person at this machine, on loopback only. */
  | 'single-user'
  /** A server-side session from a local password sign-in. */
  | 'local'
  /** A server-side session from an OpenID Connect sign-in. */
  | 'oidc'
  /** A bearer JWT from the identity provider (machine clients, API gateways). */
  | 'jwt'
  /** A gramscope API token. */
  | 'token';

/** The authenticated caller of one request. */
export interface Principal {
  /** Stable id: the user id, `local` in single-user mode, `jwt:<iss>#<sub>` for unknown JWT subjects. */
  readonly id: string;
  /** For people: the user name shown in the audit log. */
  readonly name: string;
  readonly method: AuthMethod;
  readonly role: Role;
  /** True when the sign-in used two factors (TOTP, or an OIDC `amr` naming one). */
  readonly secondFactor: boolean;
  /** Authentication methods references (RFC 8176) of the sign-in. */
  readonly amr: readonly string[];
  /** For API tokens: what the token may do. Undefined for people. */
  readonly scopes?: readonly TokenScope[];
  /** Session id hash (sessions only), to end or rotate this session. */
  readonly sessionId?: string;
  /** API token id (tokens only). */
  readonly tokenId?: string;
}

/** The one principal of single-user mode. */
export const SINGLE_USER: Principal = Object.freeze({
  id: 'local',
  name: 'local user',
  method: 'single-user',
  role: 'admin',
  // The person at the keyboard of a loopback-only server is the only user; there is nobody to
  // distinguish them from, so the second-factor rule has nothing to add.
  secondFactor: true,
  amr: Object.freeze(['local']),
});
