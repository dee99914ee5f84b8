/**
 * Wires the application from its configuration: storage, blob store, engines and services. The
 * server and the CLI both start here; tests build one with a temporary data directory.
 */
import type { Config } from '../config/config.schema.js';
import { availableParallelism } from 'node:os';
import { AnalysisService, type AnalysisObserver } from '../analysis/analysis.service.js';
import { builtInEngineModule, loadEngineDescriptors } from '../analysis/engine-modules.js';
import { InferencePool } from '../analysis/inference-pool.js';
import { BUILT_IN_ENGINES, createEngineRegistry } from '../engines/index.js';
import type { EngineDescriptor } from '../engines/engine.js';
import type { EngineRegistry } from '../engines/engine-registry.js';
import type { ModelRegistryService } from '../models/model-registry.service.js';
import { AnalysesRepository } from '../store/analyses.repository.js';
import type { BlobStore } from '../store/blob-store.js';
import { createBlobStore } from '../store/create-blob-store.js';
import { BUNDLED_PROFILES } from '../store/bundled-profiles.js';
import { openDatabase, type StoreDatabase } from '../store/database.js';
import { ProfilesRepository } from '../store/profiles.repository.js';
import { ImageRetentionService } from '../store/image-retention.service.js';
import { SettingsRepository } from '../store/settings.repository.js';
import type { AuditRecorder } from '../reports/audit.js';
import { FhirDeliveryService } from '../reports/fhir/fhir-delivery.service.js';
import { ReportService } from '../reports/report.service.js';
import { ReviewService } from '../reports/review.service.js';
import { SpecimenService } from '../reports/specimen.service.js';
import { DeliveriesRepository } from '../store/deliveries.repository.js';
import { ReviewsRepository } from '../store/reviews.repository.js';
import { SpecimensRepository } from '../store/specimens.repository.js';
import { createModelRegistry, createOnnxEngineDescriptors } from './model-registry.js';
import type { AuditEntry } from '../security/audit.service.js';
import type { Clock } from '../security/clock.js';
import { SecurityService } from '../security/security.service.js';
import { createChainAuditRecorder } from '../security/audit-recorder.js';

export interface AppContext {
  readonly config: Readonly<Config>;
  readonly store: StoreDatabase;
  readonly blobs: BlobStore;
  readonly engines: EngineRegistry;
  readonly analyses: AnalysesRepository;
  readonly profiles: ProfilesRepository;
  /** Registered ONNX models and their cards (admin upload, `gramscope models`). */
  readonly models: ModelRegistryService;
  readonly analysis: AnalysisService;
  readonly specimensRepository: SpecimensRepository;
  readonly reviewsRepository: ReviewsRepository;
  readonly deliveriesRepository: DeliveriesRepository;
  readonly specimens: SpecimenService;
  readonly reviews: ReviewService;
  readonly reports: ReportService;
  readonly fhirDelivery: FhirDeliveryService;
  /** Where views, exports, reviews and deliveries are audited (the security audit log once wired). */
  readonly audit: AuditRecorder;
  /** Worker threads running the engines, or null when engines run inline. */
  readonly pool: InferencePool | null;
  /** Identity, sessions, tokens, access requests and the audit chain. */
  readonly security: SecurityService;
  /** Settings an admin changes at run time (stored in the database). */
  readonly settings: SettingsRepository;
  /** How long retained images are kept, and the purge run (hourly in `serve`). */
  readonly retention: ImageRetentionService;
  /** Observers the HTTP layer attaches (metrics). */
  readonly observers: AnalysisObserver[];
  close(): Promise<void>;
}

export interface CreateContextOptions {
  /** Engines to register instead of the built-in ones, run inline (tests). */
  engines?: readonly EngineDescriptor[];
  /** Audit recorder (tests pass a memory one; default: structured log lines). */
  audit?: AuditRecorder;
  /** fetch used for FHIR delivery (tests). */
  fetch?: typeof fetch;
  /** Modules whose engines run on worker threads instead of the built-in ones (tests). */
  engineModules?: readonly string[];
  /** Time source for sessions, throttles and audit (tests move it by hand). */
  clock?: Clock;
  /** Called after each audit append (the server logs the head as an anchor). */
  onAudit?: (entry: AuditEntry) => void;
}

/** Analyses at once: the configured figure, else one per core this process may use. */
export function analysisConcurrency(config: Readonly<Config>): number {
  return config.analysis.concurrency || availableParallelism();
}

export async function createAppContext(
  config: Readonly<Config>,
  options: CreateContextOptions = {},
): Promise<AppContext> {
  // Configuration problems first, before anything is opened.
  const blobs = createBlobStore(config);
  const store = await openDatabase({
    dataDir: config.storage.dataDir,
    databaseUrl: config.storage.databaseUrl,
  });
  let engines: EngineRegistry;
  // A model change drops the cached engine so the next request loads the newly active model.
  const models = createModelRegistry(
    config,
    store,
    async (engine, id) => {
      await engines.evict(engine);
      await engines.evict(engine, id);
    },
    blobs,
  );
  // ONNX engines stay inline: their inference already runs in their own worker threads.
  const onnxEngines = options.engines ? [] : createOnnxEngineDescriptors(models, config);
  let security: SecurityService;
  try {
    security = new SecurityService(config, store, {
      ...(options.clock ? { clock: options.clock } : {}),
      ...(options.onAudit ? { onAudit: options.onAudit } : {}),
    });
    // Authenticator secrets written before they were sealed at rest are sealed now.
    await security.users.sealLegacySecrets(new Date(security.clock.now()).toISOString());
  } catch (err) {
    await store.close();
    throw err;
  }
  let pool: InferencePool | null = null;
  if (options.engines || !config.analysis.threads) {
    engines = createEngineRegistry(options.engines ?? [...BUILT_IN_ENGINES, ...onnxEngines]);
  } else {
    const modules = options.engineModules ? [...options.engineModules] : [builtInEngineModule()];
    pool = new InferencePool({
      threads: analysisConcurrency(config),
      engineModules: modules,
      preload: config.analysis.defaultEngine,
      workerMemoryMb: config.analysis.workerMemoryMb,
      ...(config.analysis.workerIdleSeconds > 0
        ? { idleTimeoutMs: config.analysis.workerIdleSeconds * 1000 }
        : {}),
    });
    const descriptors = await loadEngineDescriptors(modules);
    engines = createEngineRegistry([...descriptors.map((d) => pool!.wrap(d)), ...onnxEngines]);
  }
  const analyses = new AnalysesRepository(store.db);
  const profiles = new ProfilesRepository(store.db);
  for (const profile of BUNDLED_PROFILES) await profiles.ensure(profile);
  const observers: AnalysisObserver[] = [];
  const specimensRepository = new SpecimensRepository(store.db);
  const reviewsRepository = new ReviewsRepository(store.db);
  const deliveriesRepository = new DeliveriesRepository(store.db);
  const analysis = new AnalysisService({
    config,
    engines,
    analyses,
    profiles,
    blobs,
    specimens: specimensRepository,
    concurrency: analysisConcurrency(config),
    observer: { onAnalysis: (...args) => observers.forEach((o) => o.onAnalysis?.(...args)) },
  });
  const audit = options.audit ?? createChainAuditRecorder(security);
  const specimens = new SpecimenService({
    specimens: specimensRepository,
    analyses,
    reviews: reviewsRepository,
  });
  const reports = new ReportService({
    config,
    blobs,
    specimens,
    modelCard: async (id) => {
      try {
        return (await models.get(id)).card;
      } catch {
        return null;
      }
    },
  });
  const fhirDelivery = new FhirDeliveryService({
    config,
    deliveries: deliveriesRepository,
    audit,
    buildBundle: async (subject) => JSON.stringify(await reports.fhir(await reports.model(subject))),
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  const reviews = new ReviewService({
    analyses,
    specimens: specimensRepository,
    reviews: reviewsRepository,
    onSignedOff: async (subject) => {
      await fhirDelivery.enqueue(subject);
    },
  });
  const settings = new SettingsRepository(store.db);
  const retention = new ImageRetentionService({
    analyses,
    settings,
    blobs,
    clock: security.clock,
    audit: security.audit,
    configuredDays: config.storage.imageRetentionDays,
    retainImages: config.storage.retainImages,
    imagesEncrypted: config.storage.encryptionKeys.length > 0,
  });
  return {
    config,
    store,
    blobs,
    engines,
    analyses,
    profiles,
    models,
    analysis,
    specimensRepository,
    reviewsRepository,
    deliveriesRepository,
    specimens,
    reviews,
    reports,
    fhirDelivery,
    audit,
    pool,
    security,
    settings,
    retention,
    observers,
    async close() {
      await retention.stop();
      await fhirDelivery.close();
      await engines.dispose();
      await pool?.destroy();
      await store.close();
      blobs.close?.();
    },
  };
}
