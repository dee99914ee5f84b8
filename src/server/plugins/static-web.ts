/**
 * Serves the built single-page app from dist/web. Unknown non-API GET paths fall back to index.html
 * so client-side routes survive a reload; API paths keep their JSON 404.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { AppError } from '../../errors.js';

const API_PREFIXES = ['/api/', '/healthz', '/readyz', '/metrics'];

export async function registerStaticWeb(app: FastifyInstance, webRoot: string): Promise<void> {
  const hasWeb = existsSync(path.join(webRoot, 'index.html'));
  // The built web app is public (it holds no data; the API behind it is not). Only routes that
  // serve files from this folder are marked, so nothing else is opened by accident.
  app.addHook('onRoute', (route) => {
    const config = route.config as { rootPath?: unknown; access?: unknown } | undefined;
    const root = typeof config?.rootPath === 'string' ? path.resolve(config.rootPath) : null;
    if (config && root === path.resolve(webRoot) && config.access === undefined) config.access = 'public';
  });
  if (hasWeb) {
    await app.register(fastifyStatic, {
      root: webRoot,
      wildcard: false,
      index: ['index.html'],
      // Hashed assets are immutable; index.html must be revalidated so upgrades take effect.
      setHeaders(res, file) {
        res.header(
          'cache-control',
          file.includes(`${path.sep}assets${path.sep}`) ? 'public, max-age=31536000, immutable' : 'no-cache',
        );
      },
    });
  }
  app.setNotFoundHandler(async (request, reply) => {
    const isApi = API_PREFIXES.some((p) => request.url.startsWith(p));
    if (!isApi && request.method === 'GET' && hasWeb && request.headers.accept?.includes('text/html')) {
      return reply.type('text/html; charset=utf-8').sendFile('index.html');
    }
    throw new AppError(
      'ERR_ROUTE_NOT_FOUND',
      `No route ${request.method} ${request.url.split('?')[0]?.slice(0, 100)}`,
    );
  });
}
