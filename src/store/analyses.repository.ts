import type { Kysely } from 'kysely';
import type { AnalysisResult } from '../domain/analysis-result.js';
import { AppError } from '../errors.js';
import type { Database } from './schema.js';

export interface AnalysisListItem {
  id: string;
  createdAt: string;
  specimen: string | null;
  engine: string;
  finding: string;
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
  /** Case-insensitive substring of the English finding. */
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
}

export interface StoredAnalysisMeta {
  createdBy?: string | null;
  imageKey?: string | null;
  modelId?: string | null;
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
      .select(['result_json', 'status', 'image_key'])
      .where('id', '=', id)
      .executeTakeFirst();
    return row
      ? {
          result: JSON.parse(row.result_json) as AnalysisResult,
          status: row.status === 'final' ? 'final' : 'preliminary',
          imageKey: row.image_key,
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
      .select(['result_json', 'status', 'image_key'])
      .where('specimen_id', '=', specimenId)
      .orderBy('created_at')
      .orderBy('id')
      .limit(limit)
      .execute();
    return rows.map((row) => ({
      result: JSON.parse(row.result_json) as AnalysisResult,
      status: row.status === 'final' ? 'final' : 'preliminary',
      imageKey: row.image_key,
    }));
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
      q = q.where((eb) => eb(eb.fn('lower', ['finding_en']), 'like', needle));
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
        gram: { positive: r.gram_positive, negative: r.gram_negative },
        detectionCount: r.detection_count,
        status: r.status,
        image: { width: r.image_width, height: r.image_height, sha256: r.image_sha256 },
      })),
      nextCursor: rows.length > query.limit && last ? encodeCursor(last.created_at, last.id) : null,
    };
  }
}
