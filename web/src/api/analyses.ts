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

/** One row of GET /analyses (the full result is fetched on opening). */
export interface AnalysisListItem {
  id: string;
  createdAt: string;
  specimen: string | null;
  engine: string;
  /** The finding in English. */
  finding: string;
  gram: { positive: number; negative: number };
  detectionCount: number;
  /** 'preliminary' until signed off, then 'final'. */
  status: string;
  image: { width: number; height: number; sha256: string };
}

export interface AnalysisPage {
  items: AnalysisListItem[];
  /** Opaque cursor for the next page, or null at the end. */
  next: string | null;
}

export interface ListQuery {
  limit?: number;
  cursor?: string | null;
  specimen?: string;
  status?: 'preliminary' | 'final';
  engine?: string;
  /** Substring of the English finding. */
  q?: string;
  from?: string;
  to?: string;
}

/** GET /analyses → `{ items, nextCursor }`, newest first, filtered on the server. */
export async function listAnalyses(query: ListQuery, signal?: AbortSignal): Promise<AnalysisPage> {
  const body = await request<{ items: AnalysisListItem[]; nextCursor: string | null }>('analyses', {
    signal,
    query: { ...query },
  });
  return { items: body.items, next: body.nextCursor };
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
  const status =
    r.status === 'signed-off' || (r.status as string) === 'final'
      ? 'signed-off'
      : r.status === 'corrected'
        ? 'corrected'
        : 'preliminary';
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
