/**
 * Wires the application from its configuration: storage, blob store, engines and services. The
 * server and the CLI both start here; tests build one with a temporary data directory.
 */
import path from 'node:path';
import type { Config } from '../config/config.schema.js';
import { availableParallelism } from 'node:os';
import { AnalysisService, type AnalysisObserver } from '../analysis/analysis.service.js';
import { builtInEngineModule, loadEngineDescriptors } from '../analysis/engine-modules.js';
import { InferencePool } from '../analysis/inference-pool.js';
import { createEngineRegistry } from '../engines/index.js';
import type { EngineDescriptor } from '../engines/engine.js';
import type { EngineRegistry } from '../engines/engine-registry.js';
import { AnalysesRepository } from '../store/analyses.repository.js';
import { FileBlobStore, type BlobStore } from '../store/blob-store.js';
import { BUNDLED_PROFILES } from '../store/bundled-profiles.js';
import { openDatabase, type StoreDatabase } from '../store/database.js';
import { ProfilesRepository } from '../store/profiles.repository.js';

export interface AppContext {
  readonly config: Readonly<Config>;
  readonly store: StoreDatabase;
  readonly blobs: BlobStore;
  readonly engines: EngineRegistry;
  readonly analyses: AnalysesRepository;
  readonly profiles: ProfilesRepository;
  readonly analysis: AnalysisService;
  /** Worker threads running the engines, or null when engines run inline. */
  readonly pool: InferencePool | null;
  /** Observers the HTTP layer attaches (metrics). */
  readonly observers: AnalysisObserver[];
  close(): Promise<void>;
}

export interface CreateContextOptions {
  /** Engines to register instead of the built-in ones, run inline (tests). */
  engines?: readonly EngineDescriptor[];
  /** Modules whose engines run on worker threads instead of the built-in ones (tests). */
  engineModules?: readonly string[];
}

/** Analyses at once: the configured figure, else one per core this process may use. */
export function analysisConcurrency(config: Readonly<Config>): number {
  return config.analysis.concurrency || availableParallelism();
}

export async function createAppContext(
  config: Readonly<Config>,
  options: CreateContextOptions = {},
): Promise<AppContext> {
  const store = await openDatabase({
    dataDir: config.storage.dataDir,
    databaseUrl: config.storage.databaseUrl,
  });
  const blobs = new FileBlobStore(path.join(config.storage.dataDir, 'blobs'));
  let pool: InferencePool | null = null;
  let engines;
  if (options.engines || !config.analysis.threads) {
    engines = createEngineRegistry(options.engines);
  } else {
    const modules = options.engineModules ? [...options.engineModules] : [builtInEngineModule()];
    pool = new InferencePool({
      threads: analysisConcurrency(config),
      engineModules: modules,
      preload: config.analysis.defaultEngine,
      workerMemoryMb: config.analysis.workerMemoryMb,
    });
    const descriptors = await loadEngineDescriptors(modules);
    engines = createEngineRegistry(descriptors.map((d) => pool!.wrap(d)));
  }
  const analyses = new AnalysesRepository(store.db);
  const profiles = new ProfilesRepository(store.db);
  for (const profile of BUNDLED_PROFILES) await profiles.ensure(profile);
  const observers: AnalysisObserver[] = [];
  const analysis = new AnalysisService({
    config,
    engines,
    analyses,
    profiles,
    blobs,
    concurrency: analysisConcurrency(config),
    observer: { onAnalysis: (...args) => observers.forEach((o) => o.onAnalysis?.(...args)) },
  });
  return {
    config,
    store,
    blobs,
    engines,
    analyses,
    profiles,
    analysis,
    pool,
    observers,
    async close() {
      await engines.dispose();
      await pool?.destroy();
      await store.close();
    },
  };
}
