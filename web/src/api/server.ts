/**
 * What the server offers: its OpenAPI document (which routes exist), its engines, and who the user
 * is. Features that other parts of the server add later are detected here, never assumed.
 */
import { getSession, ROLES, roleAtLeast, type Role, type Session } from './auth';
import { API_BASE, ApiError, request } from './client';

export type { Role };

export interface Capabilities {
  /** True when the server's OpenAPI document lists `method path` (path relative to /api/v1). */
  has(method: 'get' | 'post' | 'put' | 'patch' | 'delete', path: string): boolean;
  /** True when the document could be read; false means "assume nothing, probe each route". */
  known: boolean;
}

let capabilitiesPromise: Promise<Capabilities> | null = null;

/** Reads /api/v1/openapi.json once per page load. */
export function loadCapabilities(): Promise<Capabilities> {
  capabilitiesPromise ??= request<{ paths?: Record<string, Record<string, unknown>> }>(
    `${API_BASE}/openapi.json`,
  )
    .then((doc) => {
      const paths = doc.paths ?? {};
      const routes = new Set<string>();
      for (const [p, methods] of Object.entries(paths)) {
        // Fastify documents path params as {id}; normalise any name so callers can write {id}.
        const norm = p.replace(/^\/api\/v1/, '').replace(/\{[^}]+\}/g, '{}');
        for (const m of Object.keys(methods)) routes.add(`${m.toLowerCase()} ${norm}`);
      }
      return {
        known: true,
        has: (method, path) =>
          routes.has(`${method} ${('/' + path.replace(/^\//, '')).replace(/\{[^}]+\}/g, '{}')}`),
      } satisfies Capabilities;
    })
    .catch((): Capabilities => ({
      known: false,
      has: () => false,
    }));
  return capabilitiesPromise;
}

export interface EngineSummary {
  name: string;
  description?: string;
  needsModel?: boolean;
  priority?: number;
}

export interface EngineList {
  engines: EngineSummary[];
  defaultEngine: string | null;
}

/** GET /engines → `{ default, items }`. */
export async function getEngines(signal?: AbortSignal): Promise<EngineList> {
  const body = await request<{ default?: string; items?: EngineSummary[] }>('engines', { signal });
  return { engines: body.items ?? [], defaultEngine: body.default ?? null };
}

export interface Me {
  /** 'single-user' when no identity is configured (loopback only, everyone acts as admin). */
  mode: 'single-user' | 'multi-user';
  user: { id: string; name: string; method: string } | null;
  role: Role;
  /** The session was established with a second factor (needed for sign-off and administration). */
  secondFactor: boolean;
  totpEnabled: boolean;
}

/**
 * Who is using the app: the session (GET /auth/session), or null when nobody is signed in. A server
 * without the auth routes is the single-user loopback build, where the one user may do everything.
 */
export async function getMe(signal?: AbortSignal): Promise<Me | null> {
  let session: Session | null;
  try {
    session = await getSession(signal);
  } catch (err) {
    if (err instanceof ApiError && err.unavailable)
      return { mode: 'single-user', user: null, role: 'admin', secondFactor: true, totpEnabled: false };
    throw err;
  }
  if (!session) return null;
  return {
    mode: session.mode === 'multi-user' ? 'multi-user' : 'single-user',
    user: { id: session.user.id, name: session.user.username, method: session.user.method },
    role: ROLES.includes(session.user.role as Role) ? (session.user.role as Role) : 'none',
    secondFactor: session.user.secondFactor,
    totpEnabled: session.user.totpEnabled,
  };
}

/** True when the user's role includes `role` (roles are ordered: viewer < analyst < reviewer < admin). */
export function hasRole(me: Me | null, role: Role): boolean {
  return !!me && roleAtLeast(me.role, role);
}
