/** Analyses: submit a field, read one, list them, review and sign off. */
import type { AnalysisResult, Detection } from '../../../src/domain/analysis-result.js';
import type { ReviewSummary } from '../../../src/domain/specimen.js';
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
  /** The finding in Japanese (absent from servers before it was added to the list). */
  findingJa?: string;
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
  /** Substring of the English or Japanese finding. */
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

/**
 * The review state the server embeds as `review` (src/domain/specimen.ts ReviewSummarySchema): the
 * engine's detections stay in `detections`; the reviewed ones are in `review.current`.
 */
export type { ReviewSummary };
export type ReviewedDetection = Detection & { from: number | null };

export interface ReviewState {
  status: 'preliminary' | 'corrected' | 'signed-off';
  revision: number;
  reviewer: string | null;
  signedOffAt: string | null;
  comment: string | null;
  changes: ReviewSummary['changes'] | null;
}

function reviewSummaryOf(result: AnalysisResult): ReviewSummary | null {
  const r = result.review as ReviewSummary | undefined | null;
  return r && typeof r === 'object' && 'current' in r ? r : null;
}

export function reviewOf(result: AnalysisResult): ReviewState {
  const r = reviewSummaryOf(result);
  if (!r)
    return {
      status: 'preliminary',
      revision: 0,
      reviewer: null,
      signedOffAt: null,
      comment: null,
      changes: null,
    };
  return {
    status: r.status === 'final' ? 'signed-off' : r.status,
    revision: r.revision,
    reviewer: r.reviewer,
    signedOffAt: r.signedOffAt,
    comment: r.comment,
    changes: r.changes,
  };
}

/** The detections as they stand: the reviewer's latest revision if any, else the engine's own. */
export function currentDetections(result: AnalysisResult): ReviewedDetection[] {
  const r = reviewSummaryOf(result);
  return r ? r.current.detections : result.detections.map((d, i) => ({ ...d, from: i }));
}

/** The summary as it stands (recomputed by the server after corrections). */
export function currentSummary(result: AnalysisResult): AnalysisResult['summary'] {
  return reviewSummaryOf(result)?.current.summary ?? result.summary;
}

export interface ReviewBody {
  /** The revision that was edited; the server refuses a stale one with 409. */
  baseRevision: number;
  detections?: {
    box: Detection['box'];
    label: string;
    morphotype: Detection['morphotype'];
    from: number | null;
  }[];
  signOff?: boolean;
  comment?: string;
}

/** PUT /analyses/{id}/review: corrections and/or sign-off. Answers the result with its review. */
export function putReview(id: string, body: ReviewBody): Promise<AnalysisResult> {
  return request<AnalysisResult>(`analyses/${encodeURIComponent(id)}/review`, { method: 'PUT', body });
}
