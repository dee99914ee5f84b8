/** Analyses: submit a field, read one, list them, review and sign off. */
import type { AnalysisResult, Detection } from '../../../src/domain/analysis-result.js';
import { request, uploadForm, type UploadProgress } from './client';

export type { AnalysisResult, Detection };

export interface SubmitOptions {
  engine?: string | undefined;
  model?: string | undefined;
  profile?: string | undefined;
  specimen?: string | undefined;
}

/** POST /analyses with the field as multipart `image`; options travel as form fields. */
export function submitAnalysis(
  image: Blob,
  fileName: string,
  options: SubmitOptions,
  onProgress: (p: UploadProgress) => void,
  signal?: AbortSignal,
): Promise<AnalysisResult> {
  const form = new FormData();
  // Text fields first: a streaming multipart parser sees them before the file.
  for (const key of ['engine', 'model', 'profile', 'specimen'] as const) {
    const value = options[key];
    if (value) form.append(key, value);
  }
  form.append('image', image, fileName);
  return uploadForm<AnalysisResult>('analyses', form, onProgress, signal);
}

export function getAnalysis(id: string, signal?: AbortSignal): Promise<AnalysisResult> {
  return request<AnalysisResult>(`analyses/${encodeURIComponent(id)}`, { signal });
}

export interface AnalysisPage {
  items: AnalysisResult[];
  /** Opaque cursor for the next page, or null at the end. */
  next: string | null;
  total: number | null;
}

export interface ListQuery {
  limit?: number;
  cursor?: string | null;
  specimen?: string;
  q?: string;
}

/**
 * GET /analyses. Accepts the server's paginated shape `{ items, nextCursor?, total? }` (or a bare
 * array) and normalises it, so the screens do not care which.
 */
export async function listAnalyses(query: ListQuery, signal?: AbortSignal): Promise<AnalysisPage> {
  const body = await request<unknown>('analyses', {
    signal,
    query: { limit: query.limit, cursor: query.cursor, specimen: query.specimen, q: query.q },
  });
  if (Array.isArray(body)) return { items: body as AnalysisResult[], next: null, total: body.length };
  const b = body as {
    items?: AnalysisResult[];
    nextCursor?: string | null;
    next?: string | null;
    total?: number;
  };
  return { items: b.items ?? [], next: b.nextCursor ?? b.next ?? null, total: b.total ?? null };
}

/** The review state of a result as the server reports it (proposal in docs/web.md). */
export interface ReviewState {
  status: 'preliminary' | 'corrected' | 'signed-off';
  reviewer?: string | null;
  signedOffAt?: string | null;
  updatedAt?: string | null;
  comment?: string | null;
}

export function reviewOf(result: AnalysisResult): ReviewState {
  const r = result.review as Partial<ReviewState> | undefined | null;
  if (!r || typeof r !== 'object') return { status: 'preliminary' };
  const status = r.status === 'signed-off' || r.status === 'corrected' ? r.status : 'preliminary';
  return { ...r, status };
}

export interface ReviewBody {
  detections: Detection[];
  comment?: string;
  signOff: boolean;
}

/** PUT /analyses/{id}/review: corrections, optionally signing off. Answers the updated result. */
export function putReview(id: string, body: ReviewBody): Promise<AnalysisResult> {
  return request<AnalysisResult>(`analyses/${encodeURIComponent(id)}/review`, { method: 'PUT', body });
}
