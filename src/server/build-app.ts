/**
 * Builds the Fastify application without listening, so tests drive it with `app.inject()` and the
 * `serve` command adds the socket, signals and shutdown.
 */
import path from 'node:path';
import fastifyMultipart from '@fastify/multipart';
import fastifySwagger from '@fastify/swagger';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { AppContext } from '../app/context.js';
import { packageRoot, packageVersion } from '../app/paths.js';
import { lazySchemaCompilers, type LazySchemaCompilers } from './lazy-schemas.js';
import { generateRequestId } from './logging.js';
import { registerAccessControl } from './plugins/access-control.js';
import { registerErrorHandler } from './plugins/error-handler.js';
import { registerMetrics } from './plugins/metrics.js';
import { registerSecurityHeaders } from './plugins/security-headers.js';
import { registerStaticWeb } from './plugins/static-web.js';
import { aboutRoutes } from './routes/about.routes.js';
import { analysesRoutes } from './routes/analyses.routes.js';
import { authRoutes } from './routes/auth.routes.js';
import { auditRoutes } from './routes/audit.routes.js';
import { accessRequestsRoutes } from './routes/access-requests.routes.js';
import { tokensRoutes } from './routes/tokens.routes.js';
import { usersRoutes } from './routes/users.routes.js';
import { enginesRoutes } from './routes/engines.routes.js';
import { healthRoutes, type HealthState } from './routes/health.routes.js';
import { LiveHub, liveRoutes } from './routes/live.routes.js';
import { modelsRoutes } from './routes/models.routes.js';
import { profilesRoutes } from './routes/profiles.routes.js';
import { reportsRoutes } from './routes/reports.routes.js';
import { samplesRoutes } from './routes/samples.routes.js';
import { settingsRoutes } from './routes/settings.routes.js';

export interface BuildAppOptions {
  logger?: FastifyServerOptions['logger'];
  /** Folder of the built web app (default dist/web). */
  webRoot?: string;
  samplesDir?: string;
}

export interface GramscopeApp extends FastifyInstance {
  health: HealthState;
  /** Open live sockets (closed on shutdown, or per user by the security layer). */
  live: LiveHub;
  /** Route schemas, compiled on first use (tests compile them all to catch a broken one). */
  schemas: LazySchemaCompilers;
}

export async function buildApp(ctx: AppContext, options: BuildAppOptions = {}): Promise<GramscopeApp> {
  const { config } = ctx;
  const schemas = lazySchemaCompilers();
  const app = Fastify({
    logger: options.logger ?? false,
    trustProxy: config.server.trustProxy,
    // JSON bodies are small; images come through multipart with their own limit.
    bodyLimit: 1024 * 1024,
    requestIdHeader: false,
    genReqId: generateRequestId,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    routerOptions: { maxParamLength: 200 },
    // Cold start: compiling every route's schemas up front cost more than anything else.
    schemaController: { compilersFactory: schemas.compilersFactory },
  }) as unknown as GramscopeApp;
  app.decorate('schemas', schemas);
  app.decorate('health', { draining: false });
  app.decorate('live', new LiveHub());
  app.addHook('onRequest', (request, reply, done) => {
    void reply.header('x-request-id', request.id);
    // Its response serializers compile while the handler works, not when the answer is ready.
    if (schemas.pending() > 0 && request.routeOptions.url)
      schemas.prepare(String(request.routeOptions.method), request.routeOptions.url);
    done();
  });

  registerErrorHandler(app);
  await registerSecurityHeaders(app);
  // Before any route: every route registered after this is covered by deny-by-default.
  await registerAccessControl(app, config, ctx.security);
  await app.register(fastifyMultipart, {
    limits: {
      fileSize: config.intake.maxBytes,
      files: 1,
      fields: 10,
      fieldSize: 1024,
      parts: 12,
      headerPairs: 100,
    },
    throwFileSizeLimit: true,
  });
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'gramscope API',
        version: packageVersion(),
        description:
          'Gram-stain micrograph analysis. Results are decision support, preliminary until reviewed.',
      },
      servers: [],
    },
    refResolver: {
      buildLocalReference: (json, _base, _fragment, i) =>
        typeof json.$id === 'string' ? json.$id : `def-${i}`,
    },
  });
  const metrics = registerMetrics(app, ctx);

  await app.register(healthRoutes(ctx, app.health));
  await app.register(analysesRoutes(ctx));
  await app.register(liveRoutes(ctx, metrics.live, app.live));
  await app.register(enginesRoutes(ctx));
  await app.register(modelsRoutes(ctx));
  await app.register(profilesRoutes(ctx));
  await app.register(reportsRoutes(ctx));
  await app.register(aboutRoutes(ctx));
  await app.register(settingsRoutes(ctx));
  await app.register(samplesRoutes(options.samplesDir ?? path.join(packageRoot(), 'samples')));
  await app.register(authRoutes(ctx));
  await app.register(usersRoutes(ctx));
  await app.register(accessRequestsRoutes(ctx));
  await app.register(tokensRoutes(ctx));
  await app.register(auditRoutes(ctx));

  app.get(
    '/metrics',
    { schema: { hide: true }, config: { access: { role: 'admin', scope: 'metrics' } } },
    async (_request, reply) =>
      reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()),
  );
  app.get('/api/v1/openapi.json', { schema: { hide: true }, config: { access: 'viewer' } }, async () =>
    app.swagger(),
  );

  await registerStaticWeb(app, options.webRoot ?? path.join(packageRoot(), 'dist', 'web'));
  return app;
}
