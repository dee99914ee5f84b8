import type { Command } from 'commander';
import { createAppContext } from '../../app/context.js';
import { loadConfig } from '../../config/load-config.js';
import { AppError } from '../../errors.js';
import { buildApp } from '../../server/build-app.js';
import { createLoggerOptions } from '../../server/logging.js';
import { isLoopbackHost } from '../../server/network.js';
import { createShutdown } from '../../server/shutdown.js';
import type { AuditEntry } from '../../security/audit.service.js';
import { identityConfigured } from '../../security/security.service.js';
import type { Config } from '../../config/config.schema.js';
import { parseNumberOption } from '../output.js';

const RETENTION_INTERVAL_MS = 60 * 60 * 1000;

interface ServeOptions {
  port?: string;
  host?: string;
  data?: string;
}

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('Start the web application and API')
    .option('-p, --port <port>', 'TCP port (env GRAMSCOPE_PORT, default 8080)')
    .option('-H, --host <host>', 'address to listen on (env GRAMSCOPE_HOST, default 127.0.0.1)')
    .option('-d, --data <dir>', 'data directory (env GRAMSCOPE_DATA, default ./data)')
    .action(async (options: ServeOptions) => {
      await serve(options);
    });
}

async function serve(options: ServeOptions): Promise<void> {
  const config = loadConfig(process.env, {
    'server.port':
      options.port === undefined
        ? undefined
        : parseNumberOption('--port', options.port, { integer: true, min: 0, max: 65535 }),
    'server.host': options.host,
    'storage.dataDir': options.data,
  });
  // Secure by default: without an identity provider there is no sign-in, so only this machine may connect.
  const multiUser = identityConfigured(config);
  if (!multiUser && !isLoopbackHost(config.server.host)) {
    throw new AppError(
      'ERR_CONFIG_UNSAFE_BIND',
      `Refusing to listen on ${config.server.host}: no identity provider is configured, so gramscope runs in single-user mode on loopback only (use 127.0.0.1 or ::1, or configure GRAMSCOPE_OIDC_ISSUER or GRAMSCOPE_LOCAL_ACCOUNTS)`,
    );
  }
  const started = performance.now();
  const anchor: { log?: (entry: AuditEntry) => void } = {};
  const ctx = await createAppContext(config, { onAudit: (entry) => anchor.log?.(entry) });
  const app = await buildApp(ctx, { logger: createLoggerOptions({ level: config.log.level }) });
  // Each new audit head goes to the log too: a copy outside the database that a SIEM keeps, so
  // even removal of the newest entries can be shown (`gramscope audit verify --head`).
  anchor.log = (entry) =>
    app.log.info(
      {
        event: 'audit.append',
        seq: entry.seq,
        hash: entry.hash,
        action: entry.action,
        outcome: entry.outcome,
      },
      'audit entry',
    );
  // Load the default engine before accepting traffic, so the first analysis is not a cold one.
  await ctx.engines.get(config.analysis.defaultEngine);
  const address = await app.listen({ port: config.server.port, host: config.server.host });
  const url = address.replace('[::1]', 'localhost');
  process.stdout.write(
    [
      '',
      multiUser
        ? `  gramscope — multi-user mode: every request is authenticated (${describeIdentity(config)}).`
        : '  gramscope — SINGLE-USER MODE: no identity provider configured; listening on loopback only.',
      `  Open ${url} in a browser.  Data: ${ctx.store.location}`,
      `  Ready in ${Math.round(performance.now() - started)} ms.  Press Ctrl+C to stop.`,
      '',
    ].join('\n') + '\n',
  );

  // Retained images past their period are deleted now and every hour after (one audit entry a run).
  ctx.retention.start(
    RETENTION_INTERVAL_MS,
    (err) => app.log.error({ err, event: 'retention.purge' }, 'image retention run failed'),
    (report) => {
      if (report.purged > 0 || report.failed > 0)
        app.log.info({ event: 'retention.purge', ...report }, 'image retention run');
    },
  );

  const shutdown = createShutdown({
    app,
    ctx,
    delayMs: config.server.shutdownDelaySeconds * 1000,
    graceMs: config.server.shutdownGraceSeconds * 1000,
    exit: (code) => process.exit(code),
  });
  const onSignal = (signal: NodeJS.Signals): void => void shutdown(signal);
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
}

function describeIdentity(config: Readonly<Config>): string {
  const parts: string[] = [];
  if (config.auth.oidc.issuer) parts.push(`OpenID Connect: ${new URL(config.auth.oidc.issuer).host}`);
  if (config.auth.localAccounts) parts.push('local accounts');
  if (config.auth.jwt.issuer) parts.push('bearer JWTs');
  return parts.join(', ');
}
