/**
 * What the server offers: its OpenAPI document (which routes exist), its engines, and who the user
 * is. Features that other parts of the server add later are detected here, never assumed.
 */
import { API_BASE, ApiError, request } from './client';

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

export type Role = 'viewer' | 'analyst' | 'reviewer' | 'admin';

export interface Me {
  /** 'single-user' when no identity is configured (loopback only), else 'multi-user'. */
  mode: 'single-user' | 'multi-user' | 'unknown';
  user: { id: string; name: string } | null;
  roles: Role[];
  /** The session was established with a second factor (needed for sign-off and admin). */
  secondFactor: boolean;
}

/**
 * GET /me (proposal in docs/web.md). Before identity lands the route is absent; the server is then
 * the single-user loopback build, whose one user may do everything, and the server still enforces.
 */
export async function getMe(signal?: AbortSignal): Promise<Me> {
  try {
    const me = await request<Partial<Me>>('me', { signal });
    return {
      mode: me.mode ?? 'multi-user',
      user: me.user ?? null,
      roles: me.roles ?? [],
      secondFactor: me.secondFactor ?? false,
    };
  } catch (err) {
    if (err instanceof ApiError && err.unavailable) {
      return {
        mode: 'unknown',
        user: null,
        roles: ['viewer', 'analyst', 'reviewer', 'admin'],
        secondFactor: true,
      };
    }
    throw err;
  }
}

export function hasRole(me: Me | null, role: Role): boolean {
  return !!me && me.roles.includes(role);
}
