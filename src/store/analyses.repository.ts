import type { Kysely } from 'kysely';
import type { AnalysisResult, StoredImage } from '../domain/analysis-result.js';
import { AppError } from '../errors.js';
import type { Database } from './schema.js';

export interface AnalysisListItem {
  id: string;
  createdAt: string;
  specimen: string | null;
  engine: string;
  /** The English finding. */
  finding: string;
  /** The Japanese finding (TAXONOMY.md names). */
  findingJa: string;
  gram: { positive: number; negative: number };
  detectionCount: number;
  status: string;
  image: { width: number; height: number; sha256: string };
}

export interface AnalysisListQuery {
  limit: number;
  /** Opaque cursor from a previous page. */
  cursor?: string | undefined;
  specimen?: string | undefined;
  status?: string | undefined;
  engine?: string | undefined;
  /** Case-insensitive substring of the English or Japanese finding. */
  q?: string | undefined;
  /** ISO timestamps bounding created_at. */
  from?: string | undefined;
  to?: string | undefined;
}

/** A stored analysis with what the result itself does not carry: review status and image key. */
export interface StoredAnalysis {
  result: AnalysisResult;
  status: 'preliminary' | 'final';
  imageKey: string | null;
  /** When the retention run deleted the image; null when it is kept or was never retained. */
  imagePurgedAt: string | null;
}

/** A retained image whose analysis is older than the retention period. */
export interface ExpiredImage {
  id: string;
  createdAt: string;
  imageKey: string;
}

export interface StoredAnalysisMeta {
  createdBy?: string | null;
  imageKey?: string | null;
  modelId?: string | null;
}

/** What a response says about the original image of a stored analysis. */
export function storedImageOf(stored: Pick<StoredAnalysis, 'imageKey' | 'imagePurgedAt'>): StoredImage {
  if (stored.imageKey) return { status: 'retained', purgedAt: null };
  if (stored.imagePurgedAt) return { status: 'purged', purgedAt: stored.imagePurgedAt };
  return { status: 'not-retained', purgedAt: null };
}

const encodeCursor = (createdAt: string, id: string): string =>
  Buffer.from(`${createdAt}|${id}`).toString('base64url');

function decodeCursor(cursor: string): { createdAt: string; id: string } {
  const [createdAt, id, extra] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  if (!createdAt || !id || extra !== undefined || Number.isNaN(Date.parse(createdAt))) {
    throw new AppError('ERR_VALIDATION', 'The cursor is invalid');
  }
  return { createdAt, id };
}

/** Analyses as stored: the full result as JSON plus indexed columns for listing and search. */
export class AnalysesRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(result: AnalysisResult, meta: StoredAnalysisMeta = {}): Promise<void> {
    await this.db
      .insertInto('analyses')
      .values({
        id: result.id,
        created_at: result.createdAt,
        specimen_id: result.specimen,
        profile_id: result.profile,
        engine_name: result.engine.name,
        engine_version: result.engine.version,
        model_id: meta.modelId ?? result.engine.model?.id ?? null,
        image_sha256: result.image.sha256,
        image_width: result.image.width,
        image_height: result.image.height,
        image_key: meta.imageKey ?? null,
        finding_en: result.summary.finding.en,
        finding_ja: result.summary.finding.ja,
        gram_positive: result.summary.gram.positive,
        gram_negative: result.summary.gram.negative,
        detection_count: result.detections.length,
        status: 'preliminary',
        created_by: meta.createdBy ?? null,
        result_json: JSON.stringify(result),
      })
      .execute();
  }

  async get(id: string): Promise<AnalysisResult | null> {
    const row = await this.db
      .selectFrom('analyses')
      .select(['result_json'])
      .where('id', '=', id)
      .executeTakeFirst();
    return row ? (JSON.parse(row.result_json) as AnalysisResult) : null;
  }

  async require(id: string): Promise<AnalysisResult> {
    const result = await this.get(id);
    if (!result) throw new AppError('ERR_NOT_FOUND', `No analysis with id ${id}`);
    return result;
  }

  async getStored(id: string): Promise<StoredAnalysis | null> {
    const row = await this.db
      .selectFrom('analyses')
      .select(['result_json', 'status', 'image_key', 'image_purged_at'])
      .where('id', '=', id)
      .executeTakeFirst();
    return row
      ? {
          result: JSON.parse(row.result_json) as AnalysisResult,
          status: row.status === 'final' ? 'final' : 'preliminary',
          imageKey: row.image_key,
          imagePurgedAt: row.image_purged_at,
        }
      : null;
  }

  async requireStored(id: string): Promise<StoredAnalysis> {
    const stored = await this.getStored(id);
    if (!stored) throw new AppError('ERR_NOT_FOUND', `No analysis with id ${id}`);
    return stored;
  }

  /** The fields of one specimen, oldest first (bounded: a specimen is a handful of fields). */
  async listBySpecimen(specimenId: string, limit = 500): Promise<StoredAnalysis[]> {
    const rows = await this.db
      .selectFrom('analyses')
      .select(['result_json', 'status', 'image_key', 'image_purged_at'])
      .where('specimen_id', '=', specimenId)
      .orderBy('created_at')
      .orderBy('id')
      .limit(limit)
      .execute();
    return rows.map((row) => ({
      result: JSON.parse(row.result_json) as AnalysisResult,
      status: row.status === 'final' ? 'final' : 'preliminary',
      imageKey: row.image_key,
      imagePurgedAt: row.image_purged_at,
    }));
  }

  /**
   * Retained images of analyses created before `cutoff`, oldest first, keyset-paged by
   * (created_at, id) so a page whose deletions failed is not fetched again in the same run.
   */
  async expiredImages(
    cutoff: string,
    limit: number,
    after?: { createdAt: string; id: string },
  ): Promise<ExpiredImage[]> {
    let q = this.db
      .selectFrom('analyses')
      .select(['id', 'created_at', 'image_key'])
      .where('image_key', 'is not', null)
      .where('created_at', '<', cutoff);
    if (after)
      q = q.where((eb) =>
        eb.or([
          eb('created_at', '>', after.createdAt),
          eb.and([eb('created_at', '=', after.createdAt), eb('id', '>', after.id)]),
        ]),
      );
    const rows = await q.orderBy('created_at').orderBy('id').limit(limit).execute();
    return rows.map((r) => ({ id: r.id, createdAt: r.created_at, imageKey: r.image_key! }));
  }

  /**
   * Forgets a deleted image. Guarded on the key, so when two replicas purge at once only one counts
   * it. Returns whether this call cleared it.
   */
  async clearImage(id: string, imageKey: string, purgedAt: string): Promise<boolean> {
    const res = await this.db
      .updateTable('analyses')
      .set({ image_key: null, image_purged_at: purgedAt })
      .where('id', '=', id)
      .where('image_key', '=', imageKey)
      .executeTakeFirst();
    return Number(res.numUpdatedRows) > 0;
  }

  /** Marks one field, or every field of a specimen, final after sign-off. */
  async markFinal(target: { analysisId: string } | { specimenId: string }): Promise<void> {
    let q = this.db.updateTable('analyses').set({ status: 'final' });
    q =
      'analysisId' in target
        ? q.where('id', '=', target.analysisId)
        : q.where('specimen_id', '=', target.specimenId);
    await q.execute();
  }

  async count(): Promise<number> {
    const row = await this.db
      .selectFrom('analyses')
      .select((eb) => eb.fn.countAll<string | number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /** Newest first, keyset-paginated so pages stay stable while analyses are added. */
  async list(query: AnalysisListQuery): Promise<{ items: AnalysisListItem[]; nextCursor: string | null }> {
    let q = this.db
      .selectFrom('analyses')
      .select([
        'id',
        'created_at',
        'specimen_id',
        'engine_name',
        'finding_en',
        'finding_ja',
        'gram_positive',
        'gram_negative',
        'detection_count',
        'status',
        'image_width',
        'image_height',
        'image_sha256',
      ]);
    if (query.cursor) {
      const { createdAt, id } = decodeCursor(query.cursor);
      q = q.where((eb) =>
        eb.or([
          eb('created_at', '<', createdAt),
          eb.and([eb('created_at', '=', createdAt), eb('id', '<', id)]),
        ]),
      );
    }
    if (query.specimen) q = q.where('specimen_id', '=', query.specimen);
    if (query.status) q = q.where('status', '=', query.status);
    if (query.engine) q = q.where('engine_name', '=', query.engine);
    if (query.from) q = q.where('created_at', '>=', query.from);
    if (query.to) q = q.where('created_at', '<=', query.to);
    if (query.q) {
      const needle = `%${query.q.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      q = q.where((eb) =>
        eb.or([eb(eb.fn('lower', ['finding_en']), 'like', needle), eb('finding_ja', 'like', needle)]),
      );
    }
    const rows = await q
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(query.limit + 1)
      .execute();
    const page = rows.slice(0, query.limit);
    const last = page.at(-1);
    return {
      items: page.map((r) => ({
        id: r.id,
        createdAt: r.created_at,
        specimen: r.specimen_id,
        engine: r.engine_name,
        finding: r.finding_en,
        findingJa: r.finding_ja ?? r.finding_en,
        gram: { positive: r.gram_positive, negative: r.gram_negative },
        detectionCount: r.detection_count,
        status: r.status,
        image: { width: r.image_width, height: r.image_height, sha256: r.image_sha256 },
      })),
      nextCursor: rows.length > query.limit && last ? encodeCursor(last.created_at, last.id) : null,
    };
  }
}
