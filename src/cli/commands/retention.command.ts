/**
 * `gramscope retention status` shows how long retained images are kept and the last purge;
 * `gramscope retention purge` deletes the ones past their period now (the server also does this
 * every hour). Both use the server's configuration, database and blob store, and the purge writes
 * the same audit entry as the server's run.
 */
import { userInfo } from 'node:os';
import type { Command } from 'commander';
import { loadConfig } from '../../config/load-config.js';
import { EXIT } from '../../errors.js';
import { SYSTEM_CLOCK } from '../../security/clock.js';
import { AnalysesRepository } from '../../store/analyses.repository.js';
import { createBlobStore } from '../../store/create-blob-store.js';
import { ImageRetentionService } from '../../store/image-retention.service.js';
import { SettingsRepository } from '../../store/settings.repository.js';
import { openAuditLog } from './audit.command.js';

async function openRetention(data?: string) {
  const config = loadConfig(process.env, { 'storage.dataDir': data });
  const blobs = createBlobStore(config);
  const { store, audit } = await openAuditLog(config);
  const service = new ImageRetentionService({
    analyses: new AnalysesRepository(store.db),
    settings: new SettingsRepository(store.db),
    blobs,
    clock: SYSTEM_CLOCK,
    audit,
    configuredDays: config.storage.imageRetentionDays,
    retainImages: config.storage.retainImages,
    imagesEncrypted: config.storage.encryptionKeys.length > 0,
  });
  return {
    service,
    close: async () => {
      await store.close();
      blobs.close?.();
    },
  };
}

const describeDays = (days: number): string => (days === 0 ? 'forever' : `${days} days`);

export function registerRetention(program: Command): void {
  const retention = program
    .command('retention')
    .description('Show or apply how long retained original images are kept');
  retention
    .command('status')
    .description('The retention period in force and the last purge run')
    .option('-d, --data <dir>', 'data directory (env GRAMSCOPE_DATA)')
    .option('--json', 'print as JSON')
    .action(async (options: { data?: string; json?: boolean }) => {
      const { service, close } = await openRetention(options.data);
      try {
        const s = await service.settings();
        if (options.json) {
          process.stdout.write(`${JSON.stringify(s)}\n`);
          return;
        }
        const lines = [
          `images kept: ${describeDays(s.imagesDays)} (${s.source === 'administrator' ? `set by ${s.updatedBy ?? 'an admin'} at ${s.updatedAt}` : 'GRAMSCOPE_IMAGE_RETENTION_DAYS'})`,
          `new uploads retained: ${s.retainImages ? 'yes' : 'no (GRAMSCOPE_RETAIN_IMAGES off)'}`,
          `always kept: ${s.keptIndefinitely.join(', ')}`,
          s.lastPurge
            ? `last purge: ${s.lastPurge.at} (${s.lastPurge.trigger}): ${s.lastPurge.purged} deleted, ${s.lastPurge.failed} failed`
            : 'last purge: never',
        ];
        process.stdout.write(`${lines.join('\n')}\n`);
      } finally {
        await close();
      }
    });
  retention
    .command('purge')
    .description('Delete retained images older than the period now (analyses and detections stay)')
    .option('-d, --data <dir>', 'data directory (env GRAMSCOPE_DATA)')
    .option('--json', 'print the run report as JSON')
    .action(async (options: { data?: string; json?: boolean }) => {
      const { service, close } = await openRetention(options.data);
      try {
        const report = await service.purge('cli', {
          id: 'cli',
          name: userInfo().username,
          method: 'cli',
        });
        if (options.json) process.stdout.write(`${JSON.stringify(report)}\n`);
        else if (report.days === 0)
          process.stdout.write('images are kept forever (retention 0 days): nothing to delete\n');
        else
          process.stdout.write(
            `deleted ${report.purged} image(s) of analyses before ${report.cutoff} (${report.days} days)${report.failed ? `; ${report.failed} failed, retried next run` : ''}\n`,
          );
        if (report.failed > 0) process.exitCode = EXIT.unavailable;
      } finally {
        await close();
      }
    });
}
