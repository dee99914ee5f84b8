import path from 'node:path';
import type { Command } from 'commander';
import { loadConfig } from '../../config/load-config.js';
import { AppError } from '../../errors.js';
import { AuditService, loadAuditKey } from '../../security/audit.service.js';
import { SYSTEM_CLOCK } from '../../security/clock.js';
import { openDatabase } from '../../store/database.js';
import { restoreBackup, type RestoreVerifier } from '../../store/backup.js';
import { usageError } from '../output.js';

export function registerRestore(program: Command): void {
  program
    .command('restore')
    .description('Restore a backup made by `gramscope backup` into the data directory (server stopped)')
    .argument('<backup>', 'backup folder')
    .option('-d, --data <dir>', 'data directory (env GRAMSCOPE_DATA, default ./data)')
    .option('--force', 'restore over existing data (moved aside, not deleted)')
    .action(async (backup: string, options: { data?: string; force?: boolean }) => {
      const config = loadConfig(process.env, { 'storage.dataDir': options.data });
      if (config.storage.databaseUrl)
        throw usageError(
          'DATABASE_URL points at PostgreSQL: restore it with pg_restore (see docs/operations.md)',
        );
      const auditChain: RestoreVerifier = async (dataDir) => {
        const store = await openDatabase({ dataDir, databaseUrl: '' });
        try {
          const audit = new AuditService({
            db: store.db,
            key: loadAuditKey(config.audit.key, dataDir),
            clock: SYSTEM_CLOCK,
          });
          const report = await audit.verify();
          return {
            name: 'audit chain',
            ok: report.ok,
            detail: report.ok ? `${report.entries} entries` : report.problem?.message,
          };
        } finally {
          await store.close();
        }
      };
      const result = await restoreBackup(path.resolve(backup), config.storage.dataDir, {
        force: options.force,
        verifiers: [auditChain],
      });
      for (const check of result.checks)
        process.stdout.write(
          `${check.ok ? 'ok  ' : 'FAIL'} ${check.name}${check.detail ? `: ${check.detail}` : ''}\n`,
        );
      const failed = result.checks.filter((c) => !c.ok);
      if (failed.length)
        throw new AppError(
          'ERR_BACKUP_INVALID',
          `The restored data failed ${failed.map((c) => c.name).join(', ')}`,
        );
      process.stdout.write(`restored ${path.resolve(backup)} into ${path.resolve(config.storage.dataDir)}\n`);
    });
}
