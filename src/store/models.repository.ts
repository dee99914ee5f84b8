/** Model cards and active models in SQLite or PostgreSQL, behind the registry's repository interface. */
import { Value } from '@sinclair/typebox/value';
import { PostgresAdapter, sql, type Kysely, type Transaction } from 'kysely';
import { AppError } from '../errors.js';
import {
  ModelCardSchema,
  type ModelActivation,
  type ModelActivationAction,
  type ModelCard,
  type ModelEngine,
  type ModelEntry,
} from '../models/model-card.js';
import type { ActivationChange, ModelsRepository } from '../models/models.repository.js';
import type { Database, ModelsTable } from './schema.js';

/** The advisory lock key serialising active-model changes on PostgreSQL (any fixed 64-bit number). */
const MODEL_ACTIVATION_LOCK = 0x67726d6d6f64; // "grmmod"

async function activeId(trx: Transaction<Database>, engine: string): Promise<string | null> {
  const row = await trx
    .selectFrom('active_models')
    .select(['model_id'])
    .where('engine', '=', engine)
    .executeTakeFirst();
  return row?.model_id ?? null;
}

async function record(
  trx: Transaction<Database>,
  engine: string,
  action: ModelActivationAction,
  modelId: string | null,
  previousModelId: string | null,
  at: string,
  by: string | null,
): Promise<void> {
  const last = await trx
    .selectFrom('model_activations')
    .select((eb) => eb.fn.max('seq').as('seq'))
    .executeTakeFirst();
  await trx
    .insertInto('model_activations')
    .values({
      seq: Number(last?.seq ?? 0) + 1,
      engine,
      action,
      model_id: modelId,
      previous_model_id: previousModelId,
      at,
      by,
    })
    .execute();
}

function toCard(row: Pick<ModelsTable, 'id' | 'card_json'>): ModelCard {
  const card: unknown = JSON.parse(row.card_json);
  // A card that no longer matches the schema (edited by hand, written by a newer release) is refused.
  if (!Value.Check(ModelCardSchema, card)) {
    throw new AppError('ERR_MODEL_INVALID', `The stored card of model "${row.id}" is not valid`);
  }
  return card;
}

export class SqlModelsRepository implements ModelsRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async list(): Promise<ModelEntry[]> {
    const rows = await this.db
      .selectFrom('models')
      .leftJoin('active_models', 'active_models.model_id', 'models.id')
      .select(['models.id', 'models.card_json', 'active_models.engine as active_engine'])
      .orderBy('models.added_at')
      .orderBy('models.id')
      .execute();
    return rows.map((r) => ({ card: toCard(r), active: r.active_engine !== null }));
  }

  async find(id: string): Promise<ModelEntry | null> {
    const row = await this.db
      .selectFrom('models')
      .leftJoin('active_models', 'active_models.model_id', 'models.id')
      .select(['models.id', 'models.card_json', 'active_models.engine as active_engine'])
      .where('models.id', '=', id)
      .executeTakeFirst();
    return row ? { card: toCard(row), active: row.active_engine !== null } : null;
  }

  async findActive(engine: ModelEngine): Promise<ModelEntry | null> {
    const row = await this.db
      .selectFrom('active_models')
      .innerJoin('models', 'models.id', 'active_models.model_id')
      .select(['models.id', 'models.card_json'])
      .where('active_models.engine', '=', engine)
      .executeTakeFirst();
    return row ? { card: toCard(row), active: true } : null;
  }

  async insert(card: ModelCard): Promise<void> {
    try {
      await this.db
        .insertInto('models')
        .values({
          id: card.id,
          engine: card.engine,
          name: card.name,
          version: card.version,
          sha256: card.sha256,
          size_bytes: card.sizeBytes,
          card_json: JSON.stringify(card),
          added_at: card.addedAt,
          added_by: card.addedBy,
        })
        .execute();
    } catch (err) {
      if (await this.find(card.id))
        throw new AppError('ERR_CONFLICT', `A model "${card.id}" exists`, { cause: err });
      throw err;
    }
  }

  async remove(id: string): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('active_models').where('model_id', '=', id).execute();
      const result = await trx.deleteFrom('models').where('id', '=', id).executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    });
  }

  async activate(id: string, change: ActivationChange = {}): Promise<string | null> {
    return this.#change(async (trx, at) => {
      const row = await trx.selectFrom('models').select(['engine']).where('id', '=', id).executeTakeFirst();
      if (!row) throw new AppError('ERR_MODEL_NOT_FOUND', `No model "${id}"`);
      const previous = await activeId(trx, row.engine);
      await trx
        .insertInto('active_models')
        .values({ engine: row.engine, model_id: id, updated_at: at })
        .onConflict((oc) => oc.column('engine').doUpdateSet({ model_id: id, updated_at: at }))
        .execute();
      await record(trx, row.engine, change.action ?? 'activate', id, previous, at, change.by ?? null);
      return previous;
    }, change.at);
  }

  async deactivate(engine: ModelEngine, change: ActivationChange = {}): Promise<string | null> {
    return this.#change(async (trx, at) => {
      const previous = await activeId(trx, engine);
      await trx.deleteFrom('active_models').where('engine', '=', engine).execute();
      await record(trx, engine, change.action ?? 'deactivate', null, previous, at, change.by ?? null);
      return previous;
    }, change.at);
  }

  async activations(engine: ModelEngine, limit = 50): Promise<ModelActivation[]> {
    const rows = await this.db
      .selectFrom('model_activations')
      .selectAll()
      .where('engine', '=', engine)
      .orderBy('seq', 'desc')
      .limit(limit)
      .execute();
    return rows.map((r) => ({
      engine: r.engine as ModelEngine,
      action: r.action as ModelActivationAction,
      modelId: r.model_id,
      previousModelId: r.previous_model_id,
      at: r.at,
      by: r.by,
    }));
  }

  /**
   * Runs one change of an active model in a transaction. On PostgreSQL, replicas changing models at
   * the same moment take turns (a transaction-scoped advisory lock), so each change reads the model
   * active before it and the history stays one chain; SQLite runs one write transaction at a time.
   */
  async #change<T>(run: (trx: Transaction<Database>, at: string) => Promise<T>, at?: string): Promise<T> {
    const postgres = this.db.getExecutor().adapter instanceof PostgresAdapter;
    return this.db.transaction().execute(async (trx) => {
      if (postgres) await sql`select pg_advisory_xact_lock(${MODEL_ACTIVATION_LOCK})`.execute(trx);
      return run(trx, at ?? new Date().toISOString());
    });
  }

  async countBySha256(sha256: string): Promise<number> {
    const row = await this.db
      .selectFrom('models')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('sha256', '=', sha256)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }
}
