/**
 * The one place the web app talks HTTP. Every server error is `{ code, message }` (SPEC §1.3); it
 * becomes an ApiError the screens switch on. A route the server does not have yet answers
 * ERR_ROUTE_NOT_FOUND, which screens show as "not available on this server yet".
 */

export const API_BASE = '/api/v1';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** The server has no such route (or feature): show "not available", never placeholder data. */
  get unavailable(): boolean {
    return this.code === 'ERR_ROUTE_NOT_FOUND' || this.status === 501;
  }
}

/** Network failure, distinct from a server answer. */
export const NETWORK_ERROR = 'ERR_NETWORK';

/**
 * The session's CSRF token (from GET /auth/session), sent as x-csrf-token on every write made with
 * the session cookie. Null in single-user mode and before sign-in.
 */
let csrfToken: string | null = null;

export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

/** Fired when the server answers 401: the session ended or never began. The shell shows sign-in. */
export const AUTH_REQUIRED_EVENT = 'gramscope:auth-required';

function noteAuthFailure(error: ApiError): void {
  if (error.status === 401 && error.code === 'ERR_AUTH_REQUIRED') {
    window.dispatchEvent(new CustomEvent(AUTH_REQUIRED_EVENT));
  }
}

async function toApiError(res: Response): Promise<ApiError> {
  let code = `HTTP_${res.status}`;
  let message = res.statusText || `HTTP ${res.status}`;
  try {
    const body = (await res.json()) as { code?: unknown; message?: unknown };
    if (typeof body.code === 'string') code = body.code;
    if (typeof body.message === 'string') message = body.message;
  } catch {
    // Not JSON (e.g. a proxy's HTML error page): keep the status text.
  }
  // A bare 404 without our error shape means nothing answers on that path.
  if (res.status === 404 && code === 'HTTP_404') code = 'ERR_ROUTE_NOT_FOUND';
  return new ApiError(res.status, code, message);
}

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  body?: unknown;
  signal?: AbortSignal;
  query?: Record<string, string | number | boolean | undefined | null>;
}

export function apiUrl(path: string, query?: RequestOptions['query']): string {
  const url = path.startsWith('/') ? path : `${API_BASE}/${path}`;
  if (!query) return url;
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v !== undefined && v !== null && v !== '') params.set(k, String(v));
  }
  const qs = params.toString();
  return qs ? `${url}?${qs}` : url;
}

/** JSON request against the API; throws ApiError for any non-2xx answer or network failure. */
export async function request<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const init: RequestInit = {
    method: options.method ?? 'GET',
    credentials: 'same-origin',
    headers: { accept: 'application/json' },
    signal: options.signal ?? null,
  };
  if (options.body !== undefined) {
    init.headers = { ...init.headers, 'content-type': 'application/json' };
    init.body = JSON.stringify(options.body);
  }
  if (init.method !== 'GET' && csrfToken) init.headers = { ...init.headers, 'x-csrf-token': csrfToken };
  let res: Response;
  try {
    res = await fetch(apiUrl(path, options.query), init);
  } catch (err) {
    if (err instanceof DOMException && err.name === 'AbortError') throw err;
    throw new ApiError(0, NETWORK_ERROR, err instanceof Error ? err.message : String(err));
  }
  if (!res.ok) {
    const error = await toApiError(res);
    noteAuthFailure(error);
    throw error;
  }
  if (res.status === 204) return undefined as T;
  return (await res.json()) as T;
}

export interface UploadProgress {
  /** 0..1 of the request body sent. */
  sent: number;
  /** True once the body is sent and the server is working. */
  uploaded: boolean;
}

/**
 * Multipart POST with upload progress (fetch cannot report it). Resolves with the parsed JSON body
 * of a 2xx answer; rejects with ApiError otherwise.
 */
export function uploadForm<T>(
  path: string,
  form: FormData,
  onProgress: (p: UploadProgress) => void,
  signal?: AbortSignal,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', apiUrl(path));
    xhr.setRequestHeader('accept', 'application/json');
    if (csrfToken) xhr.setRequestHeader('x-csrf-token', csrfToken);
    xhr.withCredentials = true;
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) onProgress({ sent: e.loaded / e.total, uploaded: false });
    };
    xhr.upload.onload = () => onProgress({ sent: 1, uploaded: true });
    xhr.onerror = () => reject(new ApiError(0, NETWORK_ERROR, 'Network error'));
    xhr.onabort = () => reject(new DOMException('Aborted', 'AbortError'));
    xhr.onload = () => {
      let body: unknown;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        body = null;
      }
      if (xhr.status >= 200 && xhr.status < 300) {
        resolve(body as T);
        return;
      }
      const b = (body ?? {}) as { code?: unknown; message?: unknown };
      let code = typeof b.code === 'string' ? b.code : `HTTP_${xhr.status}`;
      if (xhr.status === 404 && code === 'HTTP_404') code = 'ERR_ROUTE_NOT_FOUND';
      const error = new ApiError(
        xhr.status,
        code,
        typeof b.message === 'string' ? b.message : xhr.statusText,
      );
      noteAuthFailure(error);
      reject(error);
    };
    signal?.addEventListener('abort', () => xhr.abort(), { once: true });
    xhr.send(form);
  });
}
