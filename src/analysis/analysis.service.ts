/**
 * The analysis use case behind `POST /api/v1/analyses` and live frames: resolve engine and scale,
 * decode the upload within limits, run the engine through the bounded queue, summarise, store.
 */
import type { AnalysisResult } from '../domain/analysis-result.js';
import type { Config } from '../config/config.schema.js';
import { AppError } from '../errors.js';
import type { EngineRegistry } from '../engines/engine-registry.js';
import { decodeImage, encodePng, type DecodeOptions, type DecodedImage } from '../imaging/intake.js';
import { storedImageOf, type AnalysesRepository } from '../store/analyses.repository.js';
import type { BlobStore } from '../store/blob-store.js';
import type { ProfilesRepository } from '../store/profiles.repository.js';
import { decodeForEngine } from './decode-for-engine.js';
import { analyzeField, type FieldScale } from './analyze-field.js';
import { WorkQueue } from './work-queue.js';

export interface AnalyzeRequest {
  bytes: Uint8Array;
  engine?: string | undefined;
  model?: string | undefined;
  /** Calibration profile id or name. */
  profile?: string | undefined;
  specimen?: string | undefined;
  /** Explicit scale, overriding any profile. */
  micronsPerPixel?: number | undefined;
  /** Who asked (user id), recorded with the stored analysis. */
  actor?: string | null | undefined;
  signal?: AbortSignal | undefined;
}

/** ok; invalid input (4xx); rejected by a full queue; past its deadline; cancelled by the client; failed. */
export type AnalysisOutcome = 'ok' | 'invalid' | 'rejected' | 'deadline' | 'cancelled' | 'error';

export interface AnalysisObserver {
  /**
   * Called once per analysis: `seconds` from request to result (queueing included), and on success
   * the result's own timings (decode and engine time).
   */
  onAnalysis?(
    engine: string,
    outcome: AnalysisOutcome,
    seconds: number,
    timings?: AnalysisResult['timings'],
  ): void;
}

export interface AnalysisServiceDeps {
  config: Readonly<Config>;
  engines: EngineRegistry;
  analyses: AnalysesRepository;
  profiles: ProfilesRepository;
  blobs: BlobStore;
  /** Analyses run at once (the worker threads, when engines run on them). */
  concurrency: number;
  observer?: AnalysisObserver;
  /** Admits fields into specimens (refused once a specimen is signed off). */
  specimens?: {
    assertOpen(id: string): Promise<void>;
    admitField(id: string, createdBy: string | null): Promise<void>;
  };
}

export class AnalysisService {
  readonly queue: WorkQueue;
  readonly #deps: AnalysisServiceDeps;

  constructor(deps: AnalysisServiceDeps) {
    this.#deps = deps;
    const { queueLimit } = deps.config.analysis;
    this.queue = new WorkQueue({
      concurrency: deps.concurrency,
      limit: queueLimit,
      retryAfterSeconds: 2,
    });
  }

  /** Resolves the scale: explicit value, then the named or default profile, else left to the engine. */
  async resolveScale(
    request: Pick<AnalyzeRequest, 'profile' | 'micronsPerPixel'>,
  ): Promise<{ scale: FieldScale; profile: string | null }> {
    if (request.micronsPerPixel !== undefined) {
      if (!(request.micronsPerPixel > 0 && request.micronsPerPixel < 100)) {
        throw new AppError('ERR_VALIDATION', 'micronsPerPixel must be between 0 and 100');
      }
      return { scale: { micronsPerPixel: request.micronsPerPixel, source: 'option' }, profile: null };
    }
    const name = request.profile ?? (this.#deps.config.analysis.defaultProfile || undefined);
    if (name) {
      const profile = await this.#deps.profiles.find(name);
      if (!profile) throw new AppError('ERR_PROFILE_UNKNOWN', `No calibration profile "${name}"`);
      return {
        scale: { micronsPerPixel: profile.micronsPerPixel, source: 'profile' },
        profile: profile.name,
      };
    }
    return { scale: { micronsPerPixel: null, source: 'unknown' }, profile: null };
  }

  /** Analyses without storing (live frames, previews). */
  async analyzeTransient(
    request: AnalyzeRequest,
    decodeOptions: DecodeOptions = {},
  ): Promise<{ result: AnalysisResult; decoded: DecodedImage }> {
    const engineName = request.engine ?? this.#deps.config.analysis.defaultEngine;
    const started = performance.now();
    try {
      const [engine, { scale, profile }] = await Promise.all([
        this.#deps.engines.get(engineName, { model: request.model }),
        this.resolveScale(request),
      ]);
      const result = await this.queue.run(
        async (signal) => {
          // A retained image keeps full resolution; otherwise decode at the size the engine uses.
          const decoded = this.#deps.config.storage.retainImages
            ? await decodeImage(request.bytes, this.#deps.config.intake, decodeOptions)
            : await decodeForEngine(
                request.bytes,
                this.#deps.config.intake,
                engine,
                scale.micronsPerPixel,
                decodeOptions,
              );
          const analysed = await analyzeField(decoded, engine, {
            scale,
            profile,
            specimen: request.specimen ?? null,
            signal,
          });
          return { result: analysed, decoded };
        },
        {
          deadlineMs: this.#deps.config.analysis.deadlineMs,
          ...(request.signal ? { signal: request.signal } : {}),
        },
      );
      this.#deps.observer?.onAnalysis?.(
        engineName,
        'ok',
        (performance.now() - started) / 1000,
        result.result.timings,
      );
      return result;
    } catch (err) {
      const code = err instanceof AppError ? err.code : null;
      const outcome: AnalysisOutcome = request.signal?.aborted
        ? 'cancelled'
        : code === 'ERR_BUSY'
          ? 'rejected'
          : code === 'ERR_DEADLINE'
            ? 'deadline'
            : err instanceof AppError && err.status < 500
              ? 'invalid'
              : 'error';
      this.#deps.observer?.onAnalysis?.(engineName, outcome, (performance.now() - started) / 1000);
      throw err;
    }
  }

  /** Analyses and stores; retains the image (re-encoded, metadata-free) only when configured. */
  async analyze(request: AnalyzeRequest): Promise<AnalysisResult> {
    if (request.specimen) await this.#deps.specimens?.assertOpen(request.specimen);
    const { result, decoded } = await this.analyzeTransient(request);
    // Admission is the atomic check: a sign-off that landed while the engine ran wins.
    if (request.specimen) await this.#deps.specimens?.admitField(request.specimen, request.actor ?? null);
    let imageKey: string | null = null;
    if (this.#deps.config.storage.retainImages) {
      imageKey = `images/${result.createdAt.slice(0, 10)}/${result.id}.png`;
      await this.#deps.blobs.put(imageKey, await encodePng(decoded.raster));
    }
    await this.#deps.analyses.insert(result, { createdBy: request.actor ?? null, imageKey });
    return { ...result, storedImage: storedImageOf({ imageKey, imagePurgedAt: null }) };
  }
}
