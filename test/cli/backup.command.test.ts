import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const run = (args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, ['--import', 'tsx', MAIN, ...args], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', ...env },
    timeout: 60_000,
  });

describe('gramscope backup / restore (CLI)', () => {
  let work: string;
  beforeAll(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'gramscope-cli-backup-'));
  });
  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it('points PostgreSQL users to pg_dump in one line, exit 2', () => {
    const r = run(['backup', path.join(work, 'b')], { DATABASE_URL: 'postgres://x@127.0.0.1/db' });
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('pg_dump');
  });

  it('backs up, refuses a bad backup in one line, and restores into an empty folder', () => {
    const data = path.join(work, 'data');
    expect(run(['backup', path.join(work, 'b0'), '--data', data]).stderr).toMatch(/ERR_NOT_FOUND/);
    // A data directory the server has created (migrations, bundled profiles).
    const analyze = run(['restore', path.join(work, 'missing'), '--data', data]);
    expect(analyze.status).toBe(3);
    expect(analyze.stderr.trim()).toMatch(/^gramscope: ERR_BACKUP_INVALID: .*manifest\.json$/);
  });
});
