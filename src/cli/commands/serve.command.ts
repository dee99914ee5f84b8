import type { Command } from 'commander';
import { createAppContext } from '../../app/context.js';
import { loadConfig } from '../../config/load-config.js';
import { AppError } from '../../errors.js';
import { buildApp } from '../../server/build-app.js';
import { createLoggerOptions } from '../../server/logging.js';
import { isLoopbackHost } from '../../server/network.js';
import { createShutdown } from '../../server/shutdown.js';
import { parseNumberOption } from '../output.js';

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
  if (!isLoopbackHost(config.server.host)) {
    throw new AppError(
      'ERR_CONFIG_UNSAFE_BIND',
      `Refusing to listen on ${config.server.host}: no identity provider is configured, so gramscope runs in single-user mode on loopback only (use 127.0.0.1 or ::1)`,
    );
  }
  const started = performance.now();
  const ctx = await createAppContext(config);
  const app = await buildApp(ctx, {
    logger: createLoggerOptions({ level: config.log.level }),
  });
  // Load the default engine before accepting traffic, so the first analysis is not a cold one.
  await ctx.engines.get(config.analysis.defaultEngine);
  const address = await app.listen({ port: config.server.port, host: config.server.host });
  const url = address.replace('[::1]', 'localhost');
  process.stdout.write(
    [
      '',
      '  gramscope — SINGLE-USER MODE: no identity provider configured; listening on loopback only.',
      `  Open ${url} in a browser.  Data: ${ctx.store.location}`,
      `  Ready in ${Math.round(performance.now() - started)} ms.  Press Ctrl+C to stop.`,
      '',
    ].join('\n') + '\n',
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
