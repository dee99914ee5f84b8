/**
 * Administration and model APIs. These routes arrive from other parts of the server over time; the
 * shapes below are the ones proposed in docs/web.md, read tolerantly (a bare array or `{ items }`).
 */
import type { ModelCard } from '../../../src/models/model-card.js';
import { request } from './client';

function asItems<T>(body: unknown): T[] {
  if (Array.isArray(body)) return body as T[];
  const b = body as { items?: T[] } | null;
  return b?.items ?? [];
}

/** One row of GET /models: a registered ONNX model and its card (src/models/model-card.ts). */
export interface ModelInfo {
  id: string;
  name: string;
  version: string;
  engine: string;
  sha256: string;
  /** TAXONOMY keys, or the model's own names for unmapped classes. */
  labels: string[];
  unmappedLabels: string[];
  active: boolean;
  createdAt: string;
  card: ModelCard;
}

export async function listModels(signal?: AbortSignal): Promise<ModelInfo[]> {
  return asItems<ModelInfo>(await request<unknown>('models', { signal }));
}

export function activateModel(id: string): Promise<unknown> {
  return request(`models/${encodeURIComponent(id)}/activate`, { method: 'POST', body: {} });
}

export interface UserInfo {
  id: string;
  name: string;
  email?: string;
  roles: string[];
  status?: string;
  secondFactor?: boolean;
  lastSignInAt?: string | null;
}

export async function listUsers(signal?: AbortSignal): Promise<UserInfo[]> {
  return asItems<UserInfo>(await request<unknown>('users', { signal }));
}

export interface AccessRequest {
  id: string;
  name: string;
  email?: string;
  reason?: string;
  requestedRoles?: string[];
  createdAt?: string;
  status?: string;
}

export async function listAccessRequests(signal?: AbortSignal): Promise<AccessRequest[]> {
  return asItems<AccessRequest>(await request<unknown>('access-requests', { signal }));
}

export function decideAccessRequest(id: string, approve: boolean): Promise<unknown> {
  return request(`access-requests/${encodeURIComponent(id)}/decision`, {
    method: 'POST',
    body: { approve },
  });
}

export interface AuditEntry {
  seq: number;
  at: string;
  actor: string | null;
  action: string;
  record?: string | null;
  from?: string | null;
}

export async function listAudit(
  query: { limit?: number; cursor?: string | null; q?: string },
  signal?: AbortSignal,
): Promise<{ items: AuditEntry[]; next: string | null }> {
  const body = await request<unknown>('audit', {
    signal,
    query: { limit: query.limit, cursor: query.cursor },
  });
  const b = body as { nextCursor?: string | null; next?: string | null } | null;
  return { items: asItems<AuditEntry>(body), next: b?.nextCursor ?? b?.next ?? null };
}

export function verifyAudit(): Promise<{ ok: boolean; count: number; firstBad?: number | string | null }> {
  return request('audit/verify');
}

export interface ProfileInfo {
  id: string;
  name: string;
  microscope: string;
  camera: string;
  objective: string;
  micronsPerPixel: number;
  notes: string;
}

export async function listProfiles(signal?: AbortSignal): Promise<ProfileInfo[]> {
  return asItems<ProfileInfo>(await request<unknown>('profiles', { signal }));
}

export type ProfileInput = Omit<ProfileInfo, 'id'>;

export function createProfile(body: ProfileInput): Promise<ProfileInfo> {
  return request<ProfileInfo>('profiles', { method: 'POST', body });
}

export function deleteProfile(id: string): Promise<void> {
  return request<void>(`profiles/${encodeURIComponent(id)}`, { method: 'DELETE' });
}

/** Days to keep each kind of record; null keeps it indefinitely. */
export interface Retention {
  analysesDays: number | null;
  imagesDays: number | null;
  auditDays: number | null;
}

export function getRetention(signal?: AbortSignal): Promise<Retention> {
  return request<Retention>('settings/retention', { signal });
}

export function putRetention(r: Retention): Promise<Retention> {
  return request<Retention>('settings/retention', { method: 'PUT', body: r });
}

/**
 * GET /about: facts of this deployment from its live configuration. The first block is what the
 * server reports today; the optional ones are proposed in docs/web.md and shown once present.
 */
export interface About {
  version: string;
  defaultEngine: string;
  engines: string[];
  storage: { database: string; blobs: string; retainImages: boolean; imagesEncrypted?: boolean };
  limits: { maxBytes: number; maxPixels: number };
  network?: { host: string; loopbackOnly: boolean };
  identity?: { kind: 'none' | 'oidc' | 'local'; issuer?: string | null };
  roles?: string[];
  retention?: Retention;
  audit?: { enabled: boolean };
  models?: { engine: string; name: string; version: string; sha256: string; active?: boolean }[];
}

export function getAbout(signal?: AbortSignal): Promise<About> {
  return request<About>('about', { signal });
}
