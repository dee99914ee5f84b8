import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Detection, Summary } from '../domain/analysis-result.js';
import type { ReviewChanges } from '../domain/specimen.js';
import { AppError } from '../errors.js';
import type { Database, ReviewsTable } from './schema.js';

export interface ReviewRevision {
  id: string;
  analysisId: string | null;
  specimenId: string | null;
  revision: number;
  action: 'correction' | 'sign-off';
  reviewer: { id: string; name: string };
  secondFactor: string | null;
  at: string;
  detections: Detection[] | null;
  summary: Summary | null;
  changes: ReviewChanges | null;
  comment: string | null;
}

export type NewReviewRevision = Omit<ReviewRevision, 'id'>;

const parse = <T>(json: string | null): T | null => (json === null ? null : (JSON.parse(json) as T));

const toRevision = (r: ReviewsTable): ReviewRevision => ({
  id: r.id,
  analysisId: r.analysis_id,
  specimenId: r.specimen_id,
  revision: Number(r.revision),
  action: r.action === 'sign-off' ? 'sign-off' : 'correction',
  reviewer: { id: r.reviewer_id, name: r.reviewer_name },
  secondFactor: r.second_factor,
  at: r.created_at,
  detections: parse<Detection[]>(r.detections_json),
  summary: parse<Summary>(r.summary_json),
  changes: parse<ReviewChanges>(r.changes_json),
  comment: r.comment,
});

/**
 * Review revisions, append-only: each correction or sign-off is a new row; the engine's output in
 * `analyses` is never touched. A unique (analysis, revision) index turns two reviewers saving the
 * same revision at once into one success and one 409.
 */
export class ReviewsRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async append(revision: NewReviewRevision): Promise<ReviewRevision> {
    const row: ReviewsTable = {
      id: randomUUID(),
      analysis_id: revision.analysisId,
      specimen_id: revision.specimenId,
      revision: revision.revision,
      action: revision.action,
      reviewer_id: revision.reviewer.id,
      reviewer_name: revision.reviewer.name,
      second_factor: revision.secondFactor,
      created_at: revision.at,
      detections_json: revision.detections ? JSON.stringify(revision.detections) : null,
      summary_json: revision.summary ? JSON.stringify(revision.summary) : null,
      changes_json: revision.changes ? JSON.stringify(revision.changes) : null,
      comment: revision.comment,
    };
    try {
      await this.db.insertInto('reviews').values(row).execute();
    } catch (err) {
      if (revision.analysisId && (await this.latestRevision(revision.analysisId)) >= revision.revision) {
        throw new AppError('ERR_CONFLICT', 'Another review was saved first; reload and review again', {
          cause: err,
        });
      }
      throw err;
    }
    return toRevision(row);
  }

  async latestRevision(analysisId: string): Promise<number> {
    const row = await this.db
      .selectFrom('reviews')
      .select((eb) => eb.fn.max<number | string | null>('revision').as('r'))
      .where('analysis_id', '=', analysisId)
      .executeTakeFirst();
    return row?.r === null || row?.r === undefined ? 0 : Number(row.r);
  }

  /** Every revision of one field, oldest first. */
  async forAnalysis(analysisId: string): Promise<ReviewRevision[]> {
    const rows = await this.db
      .selectFrom('reviews')
      .selectAll()
      .where('analysis_id', '=', analysisId)
      .orderBy('revision')
      .execute();
    return rows.map(toRevision);
  }

  /** Every revision of the fields in a list, grouped by analysis id, oldest first. */
  async forAnalyses(analysisIds: readonly string[]): Promise<Map<string, ReviewRevision[]>> {
    const byAnalysis = new Map<string, ReviewRevision[]>();
    if (analysisIds.length === 0) return byAnalysis;
    for (let i = 0; i < analysisIds.length; i += 500) {
      const rows = await this.db
        .selectFrom('reviews')
        .selectAll()
        .where('analysis_id', 'in', analysisIds.slice(i, i + 500))
        .orderBy('revision')
        .execute();
      for (const row of rows) {
        const list = byAnalysis.get(row.analysis_id!) ?? [];
        list.push(toRevision(row));
        byAnalysis.set(row.analysis_id!, list);
      }
    }
    return byAnalysis;
  }
}
