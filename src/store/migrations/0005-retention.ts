import { PostgresAdapter, sql, type Kysely } from 'kysely';

/**
 * Image retention and the Japanese finding in lists:
 * - `analyses.image_purged_at`: when the retention run deleted the original image, so "purged" can
 *   be told apart from "never retained";
 * - `settings.updated_by`: who last changed a setting (the admin's retention override lives in
 *   `settings`, created empty by 0001);
 * - `analyses.finding_ja`: the Japanese finding beside `finding_en`, so the history list shows and
 *   searches it without parsing every result; filled from the stored results.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('analyses').addColumn('image_purged_at', 'text').execute();
  await db.schema.alterTable('analyses').addColumn('finding_ja', 'text').execute();
  await db.schema.alterTable('settings').addColumn('updated_by', 'text').execute();
  const isPostgres = db.getExecutor().adapter instanceof PostgresAdapter;
  if (isPostgres)
    await sql`update analyses set finding_ja = (result_json::json -> 'summary' -> 'finding' ->> 'ja')`.execute(
      db,
    );
  else
    await sql`update analyses set finding_ja = json_extract(result_json, '$.summary.finding.ja')`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('settings').dropColumn('updated_by').execute();
  await db.schema.alterTable('analyses').dropColumn('finding_ja').execute();
  await db.schema.alterTable('analyses').dropColumn('image_purged_at').execute();
}
