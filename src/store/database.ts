/**
 * Opens the database chosen by configuration — SQLite in the data directory by default, PostgreSQL
 * when a postgres:// URL is set — and brings its schema up to date. Both go through one Kysely query
 * builder and one set of migrations.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, sql } from 'kysely';
import { AppError } from '../errors.js';
import { migrationProvider } from './migrations/index.js';
import type { Database } from './schema.js';

export type Dialect = 'sqlite' | 'postgres';

export interface StoreDatabase {
  readonly db: Kysely<Database>;
  readonly dialect: Dialect;
  /** Where the data lives, for humans (no credentials). */
  readonly location: string;
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  dataDir: string;
  databaseUrl: string;
  /** Run pending migrations (the server and CLI do; tools inspecting a backup may not). */
  migrate?: boolean;
}

function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'postgres://(unparseable URL)';
  }
}

/**
 * @example
 * const store = await openDatabase({ dataDir: './data', databaseUrl: '' });
 * await store.db.selectFrom('analyses').selectAll().execute();
 */
export async function openDatabase(options: OpenDatabaseOptions): Promise<StoreDatabase> {
  const usePostgres = /^postgres(ql)?:\/\//i.test(options.databaseUrl);
  let db: Kysely<Database>;
  let dialect: Dialect;
  let location: string;
  if (usePostgres) {
    // Loaded only here: an embedded installation never needs the PostgreSQL driver.
    const { default: pg } = await import('pg');
    const pool = new pg.Pool({
      connectionString: options.databaseUrl,
      max: 10,
      connectionTimeoutMillis: 5000,
    });
    // An idle client losing its connection must not crash the process; the pool replaces it.
    pool.on('error', () => undefined);
    db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    dialect = 'postgres';
    location = redactUrl(options.databaseUrl);
  } else {
    mkdirSync(options.dataDir, { recursive: true });
    const file = path.join(options.dataDir, 'gramscope.db');
    const sqlite = new SQLite(file);
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('busy_timeout = 5000');
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma('synchronous = NORMAL');
    db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
    dialect = 'sqlite';
    location = path.resolve(file);
  }
  const store: StoreDatabase = {
    db,
    dialect,
    location,
    async ping() {
      try {
        await sql`select 1`.execute(db);
      } catch (err) {
        throw new AppError('ERR_STORE_UNAVAILABLE', undefined, { cause: err });
      }
    },
    close: () => db.destroy(),
  };
  if (options.migrate !== false) {
    try {
      await migrateToLatest(db, dialect);
    } catch (err) {
      await db.destroy();
      if (err instanceof AppError) throw err;
      throw new AppError('ERR_STORE_UNAVAILABLE', `Cannot prepare the ${dialect} database`, { cause: err });
    }
  }
  return store;
}

export async function migrateToLatest(db: Kysely<Database>, dialect: Dialect = 'sqlite'): Promise<string[]> {
  // Kysely looks for its bookkeeping tables in every schema it can see; on a PostgreSQL server
  // where another schema (another tenant, a test) already holds them it would skip creating
  // its own and then fail on "relation schema_migrations_lock does not exist". Pin the schema.
  const migrationTableSchema =
    dialect === 'postgres'
      ? (await sql<{ schema: string }>`select current_schema() as schema`.execute(db)).rows[0]?.schema
      : undefined;
  const migrator = new Migrator({
    db,
    provider: migrationProvider,
    migrationTableName: 'schema_migrations',
    migrationLockTableName: 'schema_migrations_lock',
    ...(migrationTableSchema ? { migrationTableSchema } : {}),
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error('migration failed', { cause: error });
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
