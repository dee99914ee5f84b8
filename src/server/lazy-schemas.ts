/**
 * Route schemas compiled on first use instead of at start. Fastify compiles every route's
 * validators (Ajv) and response serializers (fast-json-stringify) before it listens; for our ~90
 * routes that was about half a second of CPU, the largest single step of a cold start (SPEC §3:
 * process start to first analysis ≤ 1.5 s, and Knative scale-from-zero waits on it). The
 * compilers are the ones Fastify would use itself, resolved from Fastify's own dependencies, so
 * validation and serialization behave exactly as before; only the moment of compilation moves.
 *
 * A schema that does not compile would now fail at its first request instead of at start, so
 * `compileAll()` compiles everything still pending: the test suite calls it for the whole app.
 * When a request arrives, its route's response serializers compile on the next turn of the event
 * loop (`prepare()`), i.e. while the handler awaits its work (an analysis in a worker thread), not
 * after it, when the answer is waiting to be written.
 */
import { createRequire } from 'node:module';
import type { FastifyServerOptions } from 'fastify';

interface RouteSchemaDefinition {
  schema: unknown;
  method?: string;
  url?: string;
  httpPart?: string;
  httpStatus?: string;
  contentType?: string;
}

type ValidateFunction = ((data: unknown, dataCtx?: unknown) => unknown) & {
  errors?: unknown;
  schemaEnv?: unknown;
};
type SerializeFunction = (data: unknown) => string;
type ValidatorCompiler = (route: RouteSchemaDefinition) => ValidateFunction;
type SerializerCompiler = (route: RouteSchemaDefinition) => SerializeFunction;
type ValidatorBuilder = (externalSchemas: unknown, options: unknown) => ValidatorCompiler;
type SerializerBuilder = (externalSchemas: unknown, options: unknown) => SerializerCompiler;
type CompilersFactory = NonNullable<
  NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']
>;

// Loaded on the first compilation: Ajv and fast-json-stringify themselves take time to load.
const fastifyRequire = createRequire(createRequire(import.meta.url).resolve('fastify'));
let defaultValidatorBuilder: ValidatorBuilder | undefined;
let defaultSerializerBuilder: SerializerBuilder | undefined;
function validatorBuilder(): ValidatorBuilder {
  return (defaultValidatorBuilder ??= (fastifyRequire('@fastify/ajv-compiler') as () => ValidatorBuilder)());
}
function serializerBuilder(): SerializerBuilder {
  return (defaultSerializerBuilder ??= (
    fastifyRequire('@fastify/fast-json-stringify-compiler') as () => SerializerBuilder
  )());
}

export interface LazySchemaCompilers {
  /** Fastify's `schemaController.compilersFactory` option. */
  compilersFactory: CompilersFactory;
  /** Compiles every schema not compiled yet; throws the first compilation error. */
  compileAll(): void;
  /** Compiles the pending schemas of one route on the next turn of the event loop. */
  prepare(method: string, url: string): void;
  /** Schemas registered but not compiled yet. */
  pending(): number;
}

export function lazySchemaCompilers(): LazySchemaCompilers {
  const pending = new Set<() => unknown>();
  const byRoute = new Map<string, Set<() => unknown>>();
  const routeKey = (method: string | undefined, url: string | undefined): string => `${method} ${url}`;
  const once = <T>(route: RouteSchemaDefinition, build: () => T): (() => T) => {
    let built: { value: T } | undefined;
    const key = routeKey(route.method, route.url);
    const get = (): T => {
      if (!built) {
        built = { value: build() };
        pending.delete(get);
        byRoute.get(key)?.delete(get);
      }
      return built.value;
    };
    pending.add(get);
    byRoute.set(key, (byRoute.get(key) ?? new Set()).add(get));
    return get;
  };

  const buildValidator: ValidatorBuilder = (externalSchemas, options) => {
    let compiler: ValidatorCompiler | undefined;
    return (route) => {
      const validate = once(route, () => (compiler ??= validatorBuilder()(externalSchemas, options))(route));
      const lazy: ValidateFunction = (data, dataCtx) => {
        const fn = validate();
        const result = fn(data, dataCtx);
        // Fastify reads the errors of a failed validation from the function itself.
        lazy.errors = fn.errors;
        return result;
      };
      // Ajv's functions carry schemaEnv; Fastify then passes the parent object along, which Ajv
      // needs to coerce or default a root value (a query string's fields, a params object).
      lazy.schemaEnv = true;
      return lazy;
    };
  };

  const buildSerializer: SerializerBuilder = (externalSchemas, options) => {
    let compiler: SerializerCompiler | undefined;
    return (route) => {
      const serialize = once(route, () =>
        (compiler ??= serializerBuilder()(externalSchemas, options))(route),
      );
      return (data) => serialize()(data);
    };
  };

  return {
    // Fastify types the factory by Ajv's function type; ours return wrappers with the same call shape.
    compilersFactory: { buildValidator, buildSerializer } as unknown as CompilersFactory,
    compileAll() {
      for (const compile of [...pending]) compile();
    },
    prepare(method, url) {
      const waiting = byRoute.get(routeKey(method, url));
      if (!waiting?.size) return;
      setImmediate(() => {
        // A schema that does not compile fails its request the same way when it is used.
        for (const compile of [...waiting])
          try {
            compile();
          } catch {
            waiting.delete(compile);
          }
      });
    },
    pending: () => pending.size,
  };
}
