/** A real application listening on a loopback port, for tests that need a socket (WebSocket, load, shutdown). */
import { createAppContext, type AppContext, type CreateContextOptions } from '../../src/app/context.js';
import { loadConfig, type ConfigOverrides } from '../../src/config/load-config.js';
import { buildApp, type BuildAppOptions, type GramscopeApp } from '../../src/server/build-app.js';
import { createSqliteTestDatabase, type TestDatabase } from './databases.js';
import { TEST_ENGINE_MODULE } from '../fixtures/test-engines.js';

export interface TestServer {
  app: GramscopeApp;
  ctx: AppContext;
  /** http://127.0.0.1:PORT */
  url: string;
  close(): Promise<void>;
}

export interface TestServerOptions {
  overrides?: ConfigOverrides;
  database?: TestDatabase;
  context?: CreateContextOptions;
  app?: BuildAppOptions;
}

/** Starts the app with the test engines (spin, broken) on worker threads unless told otherwise. */
export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const db = options.database ?? (await createSqliteTestDatabase());
  const config = loadConfig(
    {},
    {
      'storage.dataDir': db.dataDir,
      'storage.databaseUrl': db.databaseUrl,
      'analysis.defaultEngine': 'spin',
      'analysis.concurrency': 2,
      ...options.overrides,
    },
  );
  const ctx = await createAppContext(config, options.context ?? { engineModules: [TEST_ENGINE_MODULE] });
  const app = await buildApp(ctx, options.app);
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  return {
    app,
    ctx,
    url: address,
    async close() {
      await app.close();
      await ctx.close();
      await db.cleanup();
    },
  };
}
