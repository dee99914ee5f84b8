/**
 * Real databases for storage tests: a fresh SQLite file, and a fresh schema on the PostgreSQL server
 * at TEST_DATABASE_URL (default postgres://127.0.0.1:5432/test). PostgreSQL tests fail when the
 * server is down — CI starts it — unless GRAMSCOPE_TEST_SKIP_PG=1 says to skip them on purpose.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export const PG_BASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const SKIP_PG = process.env.GRAMSCOPE_TEST_SKIP_PG === '1';

export interface TestDatabase {
  readonly dialect: 'sqlite' | 'postgres';
  readonly dataDir: string;
  readonly databaseUrl: string;
  cleanup(): Promise<void>;
}

export async function createSqliteTestDatabase(): Promise<TestDatabase> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'gramscope-test-'));
  return {
    dialect: 'sqlite',
    dataDir,
    databaseUrl: '',
    cleanup: () => rm(dataDir, { recursive: true, force: true }),
  };
}

/** A schema of its own on the shared server, selected through the connection's search_path. */
export async function createPostgresTestDatabase(): Promise<TestDatabase> {
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_BASE_URL });
  await admin.connect();
  await admin.query(`create schema ${schema}`);
  await admin.end();
  const dataDir = await mkdtemp(path.join(tmpdir(), 'gramscope-test-'));
  const url = new URL(PG_BASE_URL);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return {
    dialect: 'postgres',
    dataDir,
    databaseUrl: url.toString(),
    async cleanup() {
      const c = new pg.Client({ connectionString: PG_BASE_URL });
      await c.connect();
      await c.query(`drop schema if exists ${schema} cascade`);
      await c.end();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** The dialects storage tests run against. */
export const DIALECTS: readonly { name: 'sqlite' | 'postgres'; create: () => Promise<TestDatabase> }[] = [
  { name: 'sqlite', create: createSqliteTestDatabase },
  ...(SKIP_PG ? [] : [{ name: 'postgres' as const, create: createPostgresTestDatabase }]),
];
