import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('analyses')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('specimen_id', 'text')
    .addColumn('profile_id', 'text')
    .addColumn('engine_name', 'text', (c) => c.notNull())
    .addColumn('engine_version', 'text', (c) => c.notNull())
    .addColumn('model_id', 'text')
    .addColumn('image_sha256', 'text', (c) => c.notNull())
    .addColumn('image_width', 'integer', (c) => c.notNull())
    .addColumn('image_height', 'integer', (c) => c.notNull())
    .addColumn('image_key', 'text')
    .addColumn('finding_en', 'text', (c) => c.notNull())
    .addColumn('gram_positive', 'integer', (c) => c.notNull())
    .addColumn('gram_negative', 'integer', (c) => c.notNull())
    .addColumn('detection_count', 'integer', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('preliminary'))
    .addColumn('created_by', 'text')
    .addColumn('result_json', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('analyses_created_at_idx')
    .on('analyses')
    .columns(['created_at', 'id'])
    .execute();
  await db.schema.createIndex('analyses_specimen_idx').on('analyses').column('specimen_id').execute();

  await db.schema
    .createTable('profiles')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('microscope', 'text', (c) => c.notNull())
    .addColumn('camera', 'text', (c) => c.notNull())
    .addColumn('objective', 'text', (c) => c.notNull())
    .addColumn('microns_per_pixel', 'double precision', (c) => c.notNull())
    .addColumn('notes', 'text', (c) => c.notNull().defaultTo(sql`''`))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('settings')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('value_json', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('settings').execute();
  await db.schema.dropTable('profiles').execute();
  await db.schema.dropTable('analyses').execute();
}
