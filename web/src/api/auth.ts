/**
 * Sign-in, the session, second-factor enrolment, password, access requests and API tokens
 * (src/server/routes/auth.routes.ts, access-requests.routes.ts, tokens.routes.ts).
 */
import { ApiError, request, setCsrfToken } from './client';

export type Role = 'none' | 'viewer' | 'analyst' | 'reviewer' | 'admin';
export const ROLES: readonly Role[] = ['none', 'viewer', 'analyst', 'reviewer', 'admin'];
export const GRANTABLE_ROLES = ['viewer', 'analyst', 'reviewer', 'admin'] as const;

/** Roles are ordered; each includes the rights of those before it. */
export function roleAtLeast(role: string, required: Role): boolean {
  return ROLES.indexOf(role as Role) >= ROLES.indexOf(required);
}

export interface AuthConfig {
  mode: 'single-user' | 'multi-user';
  banner: string | null;
  methods: { oidc: boolean; local: boolean };
  accessRequests: { signedIn: boolean; anonymous: boolean };
  passwordMinLength: number;
}

export function getAuthConfig(signal?: AbortSignal): Promise<AuthConfig> {
  return request<AuthConfig>('auth/config', { signal });
}

export interface Session {
  mode: string;
  user: {
    id: string;
    username: string;
    role: string;
    method: string;
    secondFactor: boolean;
    amr: string[];
    totpEnabled: boolean;
  };
  csrfToken: string | null;
  expiresAt: string | null;
  idleExpiresAt: string | null;
}

/** The signed-in session, or null when nobody is signed in (401). Keeps the CSRF token. */
export async function getSession(signal?: AbortSignal): Promise<Session | null> {
  try {
    const session = await request<Session>('auth/session', { signal });
    setCsrfToken(session.csrfToken);
    return session;
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) {
      setCsrfToken(null);
      return null;
    }
    throw err;
  }
}

export async function login(body: { username: string; password: string; code?: string }): Promise<Session> {
  const session = await request<Session>('auth/login', { method: 'POST', body });
  setCsrfToken(session.csrfToken);
  return session;
}

export async function logout(): Promise<void> {
  await request<void>('auth/logout', { method: 'POST', body: {} });
  setCsrfToken(null);
}

/** Where OpenID Connect sign-in starts; the browser comes back to `returnTo` (a same-site path). */
export function oidcStartUrl(returnTo: string): string {
  return `/api/v1/auth/oidc/start?returnTo=${encodeURIComponent(returnTo)}`;
}

export function enrolTotp(): Promise<{ secret: string; uri: string }> {
  return request('auth/totp/enroll', { method: 'POST', body: {} });
}

export async function confirmTotp(code: string): Promise<{ recoveryCodes: string[]; session: Session }> {
  const answer = await request<{ recoveryCodes: string[]; session: Session }>('auth/totp/confirm', {
    method: 'POST',
    body: { code },
  });
  setCsrfToken(answer.session.csrfToken);
  return answer;
}

export async function changePassword(currentPassword: string, newPassword: string): Promise<Session> {
  const session = await request<Session>('auth/password', {
    method: 'POST',
    body: { currentPassword, newPassword },
  });
  setCsrfToken(session.csrfToken);
  return session;
}

export interface AccessRequest {
  id: string;
  createdAt: string;
  status: string;
  userId: string | null;
  username: string;
  displayName: string;
  email: string | null;
  reason: string;
  requestedRole: string;
  decidedBy: string | null;
  decidedAt: string | null;
  decisionNote: string | null;
}

export interface AccessApplication {
  reason: string;
  role: (typeof GRANTABLE_ROLES)[number];
  username?: string;
  displayName?: string;
  email?: string;
  password?: string;
}

export function applyForAccess(body: AccessApplication): Promise<AccessRequest> {
  return request<AccessRequest>('access-requests', { method: 'POST', body });
}

export async function myAccessRequests(signal?: AbortSignal): Promise<AccessRequest[]> {
  return (await request<{ items: AccessRequest[] }>('access-requests/mine', { signal })).items;
}

export interface ApiToken {
  id: string;
  userId: string;
  name: string;
  prefix: string;
  scopes: string[];
  createdAt: string;
  expiresAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

export async function listTokens(signal?: AbortSignal): Promise<ApiToken[]> {
  return (await request<{ items: ApiToken[] }>('tokens', { signal })).items;
}

export function createToken(body: {
  name: string;
  scopes: string[];
  expiresInDays: number;
}): Promise<{ token: string; record: ApiToken }> {
  return request('tokens', { method: 'POST', body });
}

export function revokeToken(id: string): Promise<void> {
  return request<void>(`tokens/${encodeURIComponent(id)}`, { method: 'DELETE' });
}
