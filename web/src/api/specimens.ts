/** Specimens: the pooled summary over their fields, and sign-off of the whole specimen. */
import type { Specimen, SpecimenSummary } from '../../../src/domain/specimen.js';
import { request } from './client';

export type { Specimen, SpecimenSummary };

export function getSpecimen(id: string, signal?: AbortSignal): Promise<SpecimenSummary> {
  return request<SpecimenSummary>(`specimens/${encodeURIComponent(id)}`, { signal });
}

/** Signs the specimen off; `version` is the one the reviewer saw (a field added since → 409). */
export function signOffSpecimen(id: string, version: number, comment?: string): Promise<Specimen> {
  return request<Specimen>(`specimens/${encodeURIComponent(id)}/review`, {
    method: 'PUT',
    body: { version, ...(comment ? { comment } : {}) },
  });
}
