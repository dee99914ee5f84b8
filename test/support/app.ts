/** A real application on a temporary data directory, driven through `app.inject()`. */
import { createAppContext, type AppContext } from '../../src/app/context.js';
import { loadConfig, type ConfigOverrides } from '../../src/config/load-config.js';
import { buildApp, type GramscopeApp } from '../../src/server/build-app.js';
import { createSqliteTestDatabase, type TestDatabase } from './databases.js';

export interface TestApp {
  app: GramscopeApp;
  ctx: AppContext;
  close(): Promise<void>;
}

export async function createTestApp(
  overrides: ConfigOverrides = {},
  database?: TestDatabase,
): Promise<TestApp> {
  const db = database ?? (await createSqliteTestDatabase());
  const config = loadConfig(
    {},
    { 'storage.dataDir': db.dataDir, 'storage.databaseUrl': db.databaseUrl, ...overrides },
  );
  const ctx = await createAppContext(config);
  const app = await buildApp(ctx);
  await app.ready();
  return {
    app,
    ctx,
    async close() {
      await app.close();
      await ctx.close();
      await db.cleanup();
    },
  };
}

/** Builds a multipart/form-data body by hand, so tests control every byte (including hostile ones). */
export function multipart(
  parts: readonly (
    { name: string; value: string } | { name: string; filename: string; contentType: string; data: Buffer }
  )[],
): { payload: Buffer; headers: Record<string, string> } {
  const boundary = `----gramscope${Math.random().toString(16).slice(2)}`;
  const chunks: Buffer[] = [];
  for (const part of parts) {
    chunks.push(Buffer.from(`--${boundary}\r\n`));
    if ('data' in part) {
      chunks.push(
        Buffer.from(
          `Content-Disposition: form-data; name="${part.name}"; filename="${part.filename}"\r\nContent-Type: ${part.contentType}\r\n\r\n`,
        ),
      );
      chunks.push(part.data);
    } else {
      chunks.push(Buffer.from(`Content-Disposition: form-data; name="${part.name}"\r\n\r\n${part.value}`));
    }
    chunks.push(Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return {
    payload: Buffer.concat(chunks),
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
  };
}
