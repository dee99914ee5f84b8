import type { Kysely } from 'kysely';

/**
 * Every change of an engine's active model (activate, deactivate, roll back) with the model that was
 * active before it, so an admin can roll back to it. Model ids are kept as text without a foreign
 * key: the history outlives a removed model (a roll back to it is then refused).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('model_activations')
    .addColumn('seq', 'integer', (c) => c.primaryKey())
    .addColumn('engine', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('model_id', 'text')
    .addColumn('previous_model_id', 'text')
    .addColumn('at', 'text', (c) => c.notNull())
    .addColumn('by', 'text')
    .execute();
  await db.schema
    .createIndex('model_activations_engine_idx')
    .on('model_activations')
    .columns(['engine', 'seq'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('model_activations').execute();
}
