import type { Kysely } from 'kysely';

/**
 * Specimens (fields grouped under one id), review revisions (corrections and sign-offs kept beside
 * the engine's untouched output) and FHIR deliveries (one row per report sent, with its retries).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('specimens')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('accession', 'text')
    .addColumn('specimen_type', 'text', (c) => c.notNull())
    .addColumn('collected_at', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    /** Bumped whenever a field is added or the specimen is reviewed (optimistic concurrency). */
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text')
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('signed_off_by', 'text')
    .addColumn('signed_off_name', 'text')
    .addColumn('signed_off_at', 'text')
    .addColumn('sign_off_method', 'text')
    .addColumn('sign_off_comment', 'text')
    .execute();
  await db.schema.createIndex('specimens_accession_idx').on('specimens').column('accession').execute();

  await db.schema
    .createTable('reviews')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('analysis_id', 'text')
    .addColumn('specimen_id', 'text')
    .addColumn('revision', 'integer', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('reviewer_id', 'text', (c) => c.notNull())
    .addColumn('reviewer_name', 'text', (c) => c.notNull())
    .addColumn('second_factor', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('detections_json', 'text')
    .addColumn('summary_json', 'text')
    .addColumn('changes_json', 'text')
    .addColumn('comment', 'text')
    .execute();
  await db.schema
    .createIndex('reviews_analysis_revision_idx')
    .on('reviews')
    .columns(['analysis_id', 'revision'])
    .unique()
    .execute();
  await db.schema.createIndex('reviews_specimen_idx').on('reviews').column('specimen_id').execute();

  await db.schema
    .createTable('fhir_deliveries')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('subject_type', 'text', (c) => c.notNull())
    .addColumn('subject_id', 'text', (c) => c.notNull())
    .addColumn('endpoint', 'text', (c) => c.notNull())
    .addColumn('profile', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull())
    .addColumn('next_attempt_at', 'text')
    .addColumn('last_status', 'integer')
    .addColumn('last_error', 'text')
    .addColumn('response_location', 'text')
    .addColumn('bundle_json', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('delivered_at', 'text')
    .execute();
  await db.schema
    .createIndex('fhir_deliveries_subject_idx')
    .on('fhir_deliveries')
    .columns(['subject_type', 'subject_id'])
    .execute();
  await db.schema.createIndex('fhir_deliveries_status_idx').on('fhir_deliveries').column('status').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('fhir_deliveries').execute();
  await db.schema.dropTable('reviews').execute();
  await db.schema.dropTable('specimens').execute();
}
