/**
 * Administration and model APIs. These routes arrive from other parts of the server over time; the
 * shapes below are the ones proposed in docs/web.md, read tolerantly (a bare array or `{ items }`).
 */
import type { ModelCard } from '../../../src/models/model-card.js';
import type { PurgeReport, RetentionSettings } from '../../../src/store/image-retention.service.js';
import type { AccessRequest } from './auth';
import { request, uploadForm, type UploadProgress } from './client';

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

export function deactivateModel(id: string): Promise<unknown> {
  return request(`models/${encodeURIComponent(id)}/deactivate`, { method: 'POST', body: {} });
}

/** Returns the engine to the model active before its last change. */
export function rollbackModel(engine: string): Promise<unknown> {
  return request('models/rollback', { method: 'POST', body: { engine } });
}

export interface ModelUpload {
  file: File;
  engine: string;
  name: string;
  version: string;
  labels?: File | undefined;
  activate: boolean;
}

/** Hex sha256 of a file, computed here so the server refuses a file changed on the way. */
async function sha256Hex(file: Blob): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', await file.arrayBuffer());
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** POST /models (multipart): the .onnx file, its sha256, and the card fields given here. */
export async function uploadModel(
  upload: ModelUpload,
  onProgress: (p: UploadProgress) => void,
): Promise<ModelInfo> {
  const form = new FormData();
  // Text fields first: a streaming multipart parser sees them before the file.
  form.append('engine', upload.engine);
  if (upload.name) form.append('name', upload.name);
  if (upload.version) form.append('version', upload.version);
  form.append('activate', String(upload.activate));
  form.append('sha256', await sha256Hex(upload.file));
  form.append('model', upload.file, upload.file.name);
  if (upload.labels) form.append('labels', upload.labels, upload.labels.name);
  return uploadForm<ModelInfo>('models', form, onProgress);
}

/** A user as GET /users lists them (src/server/routes/security.schemas.ts UserSchema). */
export interface UserInfo {
  id: string;
  username: string;
  displayName: string;
  email: string | null;
  role: string;
  claimsRole: string;
  effectiveRole: string;
  source: string;
  disabled: boolean;
  totpEnabled: boolean;
  createdAt: string;
  updatedAt: string;
  lastLoginAt: string | null;
}

export async function listUsers(signal?: AbortSignal): Promise<UserInfo[]> {
  return (await request<{ items: UserInfo[] }>('users', { signal })).items;
}

export function createUser(body: {
  username: string;
  displayName?: string;
  email?: string;
  role: string;
  password: string;
}): Promise<UserInfo> {
  return request<UserInfo>('users', { method: 'POST', body });
}

export function updateUser(
  id: string,
  body: { role?: string; disabled?: boolean; displayName?: string; email?: string | null },
): Promise<UserInfo> {
  return request<UserInfo>(`users/${encodeURIComponent(id)}`, { method: 'PATCH', body });
}

export function endUserSessions(id: string): Promise<unknown> {
  return request(`users/${encodeURIComponent(id)}/sessions/end`, { method: 'POST', body: {} });
}

export function resetSecondFactor(id: string): Promise<unknown> {
  return request(`users/${encodeURIComponent(id)}/second-factor/reset`, { method: 'POST', body: {} });
}

export async function listAccessRequests(
  status: '' | 'pending' | 'approved' | 'rejected',
  signal?: AbortSignal,
): Promise<AccessRequest[]> {
  return (await request<{ items: AccessRequest[] }>('access-requests', { signal, query: { status } })).items;
}

export function approveAccessRequest(
  id: string,
  body: { role?: string; note?: string },
): Promise<AccessRequest> {
  return request<AccessRequest>(`access-requests/${encodeURIComponent(id)}/approve`, {
    method: 'POST',
    body,
  });
}

export function rejectAccessRequest(id: string, note?: string): Promise<AccessRequest> {
  return request<AccessRequest>(`access-requests/${encodeURIComponent(id)}/reject`, {
    method: 'POST',
    body: note ? { note } : {},
  });
}

/** One hash-chained audit entry (AuditEntrySchema). */
export interface AuditEntry {
  seq: number;
  id: string;
  at: string;
  actor: { id: string; name: string; method: string } | null;
  action: string;
  outcome: string;
  target: { type: string; id: string } | null;
  ip: string | null;
  requestId: string | null;
  details: Record<string, string | number | boolean | null>;
  hash: string;
}

export interface AuditQuery {
  before?: number | null;
  action?: string;
  actor?: string;
  target?: string;
  from?: string;
  to?: string;
}

export function listAudit(
  query: AuditQuery,
  signal?: AbortSignal,
): Promise<{ items: AuditEntry[]; nextBefore: number | null }> {
  return request('audit', { signal, query: { limit: 100, ...query } });
}

export interface AuditVerifyReport {
  ok: boolean;
  entries: number;
  head: { seq: number; hash: string } | null;
  problem: { kind: string; seq: number; id: string | null; message: string } | null;
}

export function verifyAudit(): Promise<AuditVerifyReport> {
  return request<AuditVerifyReport>('audit/verify');
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

/**
 * GET /settings/retention, typed by the server's own definitions. Only original images expire:
 * analyses, detections, reviews and the audit log are always kept (`keptIndefinitely`).
 * `imagesDays` 0 keeps images forever.
 */
export type { PurgeReport, RetentionSettings };

export function getRetention(signal?: AbortSignal): Promise<RetentionSettings> {
  return request<RetentionSettings>('settings/retention', { signal });
}

/** Sets the period in days (0 = forever), or null to return to the configured one. */
export function putRetention(imagesDays: number | null): Promise<RetentionSettings> {
  return request<RetentionSettings>('settings/retention', { method: 'PUT', body: { imagesDays } });
}

export function purgeExpiredImages(): Promise<PurgeReport> {
  return request<PurgeReport>('settings/retention/purge', { method: 'POST', body: {} });
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
  /** Only images expire; `keptIndefinitely` names what never does. */
  retention?: { imagesDays: number; source: string; keptIndefinitely: string[] };
  limits: { maxBytes: number; maxPixels: number };
  network?: { host: string; loopbackOnly: boolean };
  identity?: { kind: 'none' | 'oidc' | 'local'; issuer?: string | null };
  roles?: string[];
  audit?: { enabled: boolean };
  models?: { engine: string; name: string; version: string; sha256: string; active?: boolean }[];
}

export function getAbout(signal?: AbortSignal): Promise<About> {
  return request<About>('about', { signal });
}
