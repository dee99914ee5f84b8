import path from 'node:path';
import type { Command } from 'commander';
import { packageVersion } from '../../app/paths.js';
import { loadConfig } from '../../config/load-config.js';
import { createBackup } from '../../store/backup.js';
import { usageError } from '../output.js';

export function registerBackup(program: Command): void {
  program
    .command('backup')
    .description('Back up the embedded database and retained files into a new folder (safe while serving)')
    .argument('<target>', 'folder to create, e.g. backups/2026-01-05')
    .option('-d, --data <dir>', 'data directory (env GRAMSCOPE_DATA, default ./data)')
    .action(async (target: string, options: { data?: string }) => {
      const config = loadConfig(process.env, { 'storage.dataDir': options.data });
      if (config.storage.databaseUrl)
        throw usageError(
          'DATABASE_URL points at PostgreSQL: back it up with pg_dump (see docs/operations.md); gramscope backup covers the embedded SQLite database',
        );
      const manifest = await createBackup(config.storage.dataDir, path.resolve(target), packageVersion());
      const rows = Object.entries(manifest.counts)
        .map(([t, n]) => `${t} ${n}`)
        .join(', ');
      process.stdout.write(
        `backup written to ${path.resolve(target)}: ${Object.keys(manifest.files).length} files; ${rows}${config.storage.s3Bucket ? '; blobs live in S3 and are not included' : ''}\n`,
      );
    });
}
