/** Model cards and active models in SQLite or PostgreSQL, behind the registry's repository interface. */
import { Value } from '@sinclair/typebox/value';
import type { Kysely } from 'kysely';
import { AppError } from '../errors.js';
import { ModelCardSchema, type ModelCard, type ModelEngine, type ModelEntry } from '../models/model-card.js';
import type { ModelsRepository } from '../models/models.repository.js';
import type { Database, ModelsTable } from './schema.js';

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

  async activate(id: string): Promise<void> {
    const row = await this.db.selectFrom('models').select(['engine']).where('id', '=', id).executeTakeFirst();
    if (!row) throw new AppError('ERR_MODEL_NOT_FOUND', `No model "${id}"`);
    const updated_at = new Date().toISOString();
    await this.db
      .insertInto('active_models')
      .values({ engine: row.engine, model_id: id, updated_at })
      .onConflict((oc) => oc.column('engine').doUpdateSet({ model_id: id, updated_at }))
      .execute();
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
