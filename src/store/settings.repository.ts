/**
 * Settings an admin changes at run time, over the configured defaults: one JSON value per key in
 * the `settings` table, so every replica reads the same value from the shared database.
 */
import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

export interface StoredSetting<T> {
  value: T;
  updatedAt: string;
  updatedBy: string | null;
}

export class SettingsRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async get<T>(key: string): Promise<StoredSetting<T> | null> {
    const row = await this.db
      .selectFrom('settings')
      .select(['value_json', 'updated_at', 'updated_by'])
      .where('key', '=', key)
      .executeTakeFirst();
    return row
      ? { value: JSON.parse(row.value_json) as T, updatedAt: row.updated_at, updatedBy: row.updated_by }
      : null;
  }

  /** Inserts or replaces (both dialects support ON CONFLICT … DO UPDATE). */
  async set(key: string, value: unknown, updatedAt: string, updatedBy: string | null): Promise<void> {
    const row = { key, value_json: JSON.stringify(value), updated_at: updatedAt, updated_by: updatedBy };
    await this.db
      .insertInto('settings')
      .values(row)
      .onConflict((oc) =>
        oc.column('key').doUpdateSet({
          value_json: row.value_json,
          updated_at: row.updated_at,
          updated_by: row.updated_by,
        }),
      )
      .execute();
  }

  async delete(key: string): Promise<void> {
    await this.db.deleteFrom('settings').where('key', '=', key).execute();
  }
}
