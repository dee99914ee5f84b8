/**
 * `gramscope audit verify` walks the hash chain and names the first altered, removed or inserted
 * entry (exit 0 when intact, 5 otherwise); `gramscope audit export` writes JSON Lines for a SIEM.
 * Both read the database and audit key from the same configuration as the server.
 */
import { createWriteStream } from 'node:fs';
import type { Command } from 'commander';
import type { Config } from '../../config/config.schema.js';
import { loadConfig } from '../../config/load-config.js';
import { AppError } from '../../errors.js';
import { AuditService, loadAuditKey } from '../../security/audit.service.js';
import { SYSTEM_CLOCK } from '../../security/clock.js';
import { openDatabase } from '../../store/database.js';
import { usageError } from '../output.js';

/**
 * The database and the audit chain over it, as the server opens them from the same configuration,
 * for commands that read the chain or append to it.
 */
export async function openAuditLog(config: Config) {
  const store = await openDatabase({
    dataDir: config.storage.dataDir,
    databaseUrl: config.storage.databaseUrl,
  });
  const audit = new AuditService({
    db: store.db,
    key: loadAuditKey(config.audit.key, config.storage.dataDir),
    clock: SYSTEM_CLOCK,
  });
  return { store, audit };
}

const openAudit = (data?: string) => openAuditLog(loadConfig(process.env, { 'storage.dataDir': data }));

export function registerAudit(program: Command): void {
  const audit = program.command('audit').description('Verify or export the hash-chained audit log');
  audit
    .command('verify')
    .description('Check every entry of the chain; names the first altered, removed or inserted one')
    .option('-d, --data <dir>', 'data directory (env GRAMSCOPE_DATA)')
    .option('--head <seq:hash>', 'a head recorded elsewhere (log, SIEM), to detect removed newest entries')
    .option('--json', 'print the report as JSON')
    .action(async (options: { data?: string; head?: string; json?: boolean }) => {
      let anchor: { seq: number; hash: string } | undefined;
      if (options.head) {
        const m = /^(\d+):([0-9a-f]{64})$/.exec(options.head);
        if (!m) throw usageError('--head must be <seq>:<64 hex characters>');
        anchor = { seq: Number(m[1]), hash: m[2] };
      }
      const { store, audit: service } = await openAudit(options.data);
      try {
        const report = await service.verify(anchor);
        if (options.json) process.stdout.write(`${JSON.stringify(report)}\n`);
        else if (report.ok)
          process.stdout.write(
            `audit chain intact: ${report.entries} entries${report.head ? `, head #${report.head.seq} ${report.head.hash}` : ''}\n`,
          );
        if (!report.ok) {
          throw new AppError(
            'ERR_AUDIT_TAMPERED',
            `${report.problem!.kind}: ${report.problem!.message}${report.problem!.id ? ` (id ${report.problem!.id})` : ''}`,
          );
        }
      } finally {
        await store.close();
      }
    });
  audit
    .command('export')
    .description('Write every entry as JSON Lines (oldest first), for a SIEM')
    .option('-d, --data <dir>', 'data directory (env GRAMSCOPE_DATA)')
    .option('-o, --output <file>', 'file to write (default: standard output)')
    .action(async (options: { data?: string; output?: string }) => {
      const { store, audit: service } = await openAudit(options.data);
      const out: NodeJS.WritableStream = options.output
        ? createWriteStream(options.output, { flags: 'wx' })
        : process.stdout;
      try {
        for await (const entry of service.entries()) {
          if (!out.write(`${JSON.stringify(entry)}\n`))
            await new Promise<void>((r) => out.once('drain', () => r()));
        }
      } finally {
        if (options.output) await new Promise<void>((r) => out.end(() => r()));
        await store.close();
      }
    });
}
