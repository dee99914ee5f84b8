/**
 * Backup and restore of the embedded default (SQLite file + blob folder in the data directory).
 * A backup is a folder: `gramscope.db` (a consistent snapshot taken with SQLite's online backup
 * API, safe while the server runs), `blobs/` (retained images, still encrypted), `models/` (the
 * registered ONNX files, named by their sha256) and
 * `manifest.json` (row counts per table, applied migrations, and the sha256 of every file), so a
 * restore proves the copy is complete before it touches anything. PostgreSQL installations use
 * pg_dump / pg_restore instead (docs/operations.md).
 */
import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { copyFile, mkdir, readFile, readdir, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { AppError } from '../errors.js';
import { openDatabase } from './database.js';

export const BACKUP_FORMAT = 'gramscope-backup/1';
const DB_FILE = 'gramscope.db';
/** Folders of files the database refers to: retained images (blobs) and registered models. */
const FILE_FOLDERS = ['blobs', 'models'] as const;

export interface BackupManifest {
  format: typeof BACKUP_FORMAT;
  createdAt: string;
  appVersion: string;
  migrations: string[];
  /** Rows per table at the moment of the snapshot. */
  counts: Record<string, number>;
  /** Relative path → sha256 of every file in the backup except this manifest. */
  files: Record<string, string>;
}

/** A check run on the restored data (e.g. the audit chain's verification). */
export type RestoreVerifier = (dataDir: string) => Promise<{ name: string; ok: boolean; detail?: string }>;

async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

async function listFiles(dir: string, base = dir): Promise<string[]> {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await listFiles(full, base)));
    else if (entry.isFile() && !entry.name.endsWith('.tmp')) out.push(path.relative(base, full));
  }
  return out.sort();
}

/** Row counts of every table in a SQLite file (migration bookkeeping excluded). */
export function countSqliteRows(file: string): Record<string, number> {
  const db = new SQLite(file, { readonly: true, fileMustExist: true });
  try {
    const tables = db
      .prepare(
        "select name from sqlite_master where type = 'table' and name not like 'sqlite_%' and name not like 'schema_migrations%' order by name",
      )
      .all() as { name: string }[];
    return Object.fromEntries(
      tables.map(({ name }) => [
        name,
        (db.prepare(`select count(*) as n from "${name.replace(/"/g, '""')}"`).get() as { n: number }).n,
      ]),
    );
  } finally {
    db.close();
  }
}

/** The sha256 of every registered model's file, from a SQLite file. */
function modelFilesOf(file: string): string[] {
  const db = new SQLite(file, { readonly: true, fileMustExist: true });
  try {
    return (
      db.prepare('select distinct sha256 from models order by sha256').all() as { sha256: string }[]
    ).map((r) => r.sha256);
  } finally {
    db.close();
  }
}

function appliedMigrations(file: string): string[] {
  const db = new SQLite(file, { readonly: true, fileMustExist: true });
  try {
    return (db.prepare('select name from schema_migrations order by name').all() as { name: string }[]).map(
      (r) => r.name,
    );
  } finally {
    db.close();
  }
}

/**
 * Writes a consistent backup of the data directory into `target` (which must not exist yet).
 *
 * @example
 * const manifest = await createBackup('./data', './backups/2026-01-05', '0.1.0');
 */
export async function createBackup(
  dataDir: string,
  target: string,
  appVersion: string,
): Promise<BackupManifest> {
  const source = path.join(dataDir, DB_FILE);
  if (!existsSync(source)) throw new AppError('ERR_NOT_FOUND', `No gramscope database in ${dataDir}`);
  if (existsSync(target)) throw new AppError('ERR_CONFLICT', `The backup target ${target} already exists`);
  await mkdir(target, { recursive: true });
  // Snapshot first, then blobs: a blob is written before its row, so every row in the snapshot
  // finds its blob in the copy (blobs written later are merely extra).
  const live = new SQLite(source, { readonly: true, fileMustExist: true });
  try {
    await live.backup(path.join(target, DB_FILE));
  } finally {
    live.close();
  }
  // A self-contained file: no WAL or shared-memory companions in the backup.
  const copy = new SQLite(path.join(target, DB_FILE));
  copy.pragma('journal_mode = DELETE');
  copy.close();
  // The audit chain's key, when the server generated one into the data directory: without it
  // the restored chain cannot be verified. (A configured GRAMSCOPE_AUDIT_KEY stays in its secret store.)
  const auditKey = path.join(dataDir, 'audit.key');
  if (existsSync(auditKey)) await copyFile(auditKey, path.join(target, 'audit.key'));
  // Model files follow the same rule: stored before their card, so every card finds its file.
  for (const folder of FILE_FOLDERS) {
    const from = path.join(dataDir, folder);
    for (const rel of await listFiles(from)) {
      const to = path.join(target, folder, rel);
      await mkdir(path.dirname(to), { recursive: true });
      await copyFile(path.join(from, rel), to);
    }
  }
  const files: Record<string, string> = {};
  for (const rel of await listFiles(target))
    files[rel.split(path.sep).join('/')] = await sha256File(path.join(target, rel));
  const snapshot = path.join(target, DB_FILE);
  const manifest: BackupManifest = {
    format: BACKUP_FORMAT,
    createdAt: new Date().toISOString(),
    appVersion,
    migrations: appliedMigrations(snapshot),
    counts: countSqliteRows(snapshot),
    files,
  };
  await writeFile(path.join(target, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`, {
    mode: 0o600,
  });
  return manifest;
}

/** Reads a backup's manifest and checks every file against it. */
export async function verifyBackup(backupDir: string): Promise<BackupManifest> {
  let manifest: BackupManifest;
  try {
    manifest = JSON.parse(await readFile(path.join(backupDir, 'manifest.json'), 'utf8')) as BackupManifest;
  } catch (err) {
    throw new AppError('ERR_BACKUP_INVALID', `${backupDir} has no readable manifest.json`, { cause: err });
  }
  if (manifest.format !== BACKUP_FORMAT || typeof manifest.files !== 'object' || !manifest.files[DB_FILE])
    throw new AppError('ERR_BACKUP_INVALID', `${backupDir} is not a ${BACKUP_FORMAT} backup`);
  const present = new Set((await listFiles(backupDir)).map((f) => f.split(path.sep).join('/')));
  present.delete('manifest.json');
  for (const [rel, hash] of Object.entries(manifest.files)) {
    if (rel.includes('..') || path.isAbsolute(rel))
      throw new AppError('ERR_BACKUP_INVALID', `The manifest names a path outside the backup: ${rel}`);
    if (!present.delete(rel)) throw new AppError('ERR_BACKUP_INVALID', `The backup is missing ${rel}`);
    if ((await sha256File(path.join(backupDir, rel))) !== hash)
      throw new AppError('ERR_BACKUP_INVALID', `${rel} does not match its checksum`);
  }
  if (present.size > 0)
    throw new AppError(
      'ERR_BACKUP_INVALID',
      `The backup holds files its manifest does not list: ${[...present][0]}`,
    );
  return manifest;
}

async function hasData(dataDir: string): Promise<boolean> {
  if (!existsSync(path.join(dataDir, DB_FILE))) {
    for (const folder of FILE_FOLDERS)
      if ((await listFiles(path.join(dataDir, folder))).length > 0) return true;
    return false;
  }
  const counts = countSqliteRows(path.join(dataDir, DB_FILE));
  // Bundled profiles are created on first start; anything else is data someone would miss.
  return Object.entries(counts).some(([table, n]) => n > 0 && table !== 'profiles' && table !== 'settings');
}

export interface RestoreResult {
  manifest: BackupManifest;
  counts: Record<string, number>;
  checks: { name: string; ok: boolean; detail?: string }[];
}

/**
 * Restores a verified backup into `dataDir`. Refuses a data directory that already holds analyses
 * unless `force` is set; the previous files are then moved aside, not deleted.
 */
export async function restoreBackup(
  backupDir: string,
  dataDir: string,
  options: { force?: boolean; verifiers?: readonly RestoreVerifier[] } = {},
): Promise<RestoreResult> {
  const manifest = await verifyBackup(backupDir);
  await mkdir(dataDir, { recursive: true });
  if (!options.force && (await hasData(dataDir)))
    throw new AppError(
      'ERR_RESTORE_TARGET',
      `${dataDir} already holds data; restore into an empty data directory, or pass --force to move the current data aside`,
    );
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  for (const name of [DB_FILE, `${DB_FILE}-wal`, `${DB_FILE}-shm`, ...FILE_FOLDERS, 'audit.key']) {
    const current = path.join(dataDir, name);
    if (existsSync(current)) await rename(current, path.join(dataDir, `${name}.before-restore-${stamp}`));
  }
  for (const rel of Object.keys(manifest.files)) {
    const to = path.join(dataDir, rel === DB_FILE ? `${DB_FILE}.restoring` : rel);
    await mkdir(path.dirname(to), { recursive: true });
    await copyFile(path.join(backupDir, rel), to);
  }
  await rename(path.join(dataDir, `${DB_FILE}.restoring`), path.join(dataDir, DB_FILE));
  // Bring an older backup's schema up to this version, as the server would on start.
  const store = await openDatabase({ dataDir, databaseUrl: '' });
  await store.close();
  const counts = countSqliteRows(path.join(dataDir, DB_FILE));
  const checks: RestoreResult['checks'] = [];
  const mismatched = Object.entries(manifest.counts).filter(([table, n]) => counts[table] !== n);
  checks.push({
    name: 'row counts',
    ok: mismatched.length === 0,
    ...(mismatched.length
      ? { detail: mismatched.map(([t, n]) => `${t}: ${counts[t]} ≠ ${n}`).join(', ') }
      : {}),
  });
  const blobs = Object.keys(manifest.files).filter((f) => f.startsWith('blobs/'));
  const missing = [];
  for (const rel of blobs) if (!(await stat(path.join(dataDir, rel)).catch(() => null))) missing.push(rel);
  checks.push({
    name: 'blobs',
    ok: missing.length === 0,
    detail: `${blobs.length - missing.length}/${blobs.length}`,
  });
  const cards = modelFilesOf(path.join(dataDir, DB_FILE));
  const withoutFile = cards.filter((sha256) => !existsSync(path.join(dataDir, 'models', `${sha256}.onnx`)));
  checks.push({
    name: 'model files',
    ok: withoutFile.length === 0,
    detail: `${cards.length - withoutFile.length}/${cards.length}`,
  });
  for (const verify of options.verifiers ?? []) checks.push(await verify(dataDir));
  return { manifest, counts, checks };
}
