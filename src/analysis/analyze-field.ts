/** One field through one engine into an AnalysisResult (SPEC §2). No storage, no queueing. */
import { randomUUID } from 'node:crypto';
import type { AnalysisResult, ScaleSource } from '../domain/analysis-result.js';
import type { Engine } from '../engines/engine.js';
import type { DecodedImage } from '../imaging/intake.js';
import { AppError } from '../errors.js';
import { summarise } from './summarise.js';

export interface FieldScale {
  micronsPerPixel: number | null;
  source: ScaleSource;
}

export interface AnalyzeFieldOptions {
  scale: FieldScale;
  specimen?: string | null;
  profile?: string | null;
  signal?: AbortSignal;
  /** Injected for reproducible ids and times in tests. */
  id?: string;
  now?: Date;
}

/**
 * Runs the engine on a decoded field and assembles the full result with summary and timings.
 * Boxes are mapped back to the original image size when the raster was downscaled.
 *
 * @example
 * const decoded = await decodeImage(bytes);
 * const result = await analyzeField(decoded, engine, { scale: { micronsPerPixel: null, source: 'unknown' } });
 */
export async function analyzeField(
  decoded: DecodedImage,
  engine: Engine,
  options: AnalyzeFieldOptions,
): Promise<AnalysisResult> {
  const started = performance.now();
  const { raster } = decoded;
  const factor = decoded.originalWidth / raster.width;
  // The engine works on the (possibly downscaled) raster, so its µm per pixel grows by the factor.
  const rasterScale = options.scale.micronsPerPixel === null ? null : options.scale.micronsPerPixel * factor;
  let output;
  try {
    output = await engine.analyze(raster, {
      micronsPerPixel: rasterScale,
      scaleSource: options.scale.source,
      ...(options.signal ? { signal: options.signal } : {}),
    });
  } catch (err) {
    if (err instanceof AppError) throw err;
    if (options.signal?.aborted) throw options.signal.reason;
    throw new AppError('ERR_ENGINE_FAILED', `The ${engine.name} engine failed`, { cause: err });
  }
  const inferMs = performance.now() - started;
  const detections =
    factor === 1
      ? output.detections
      : output.detections.map((d) => ({
          ...d,
          box: d.box.map((v) => v * factor) as [number, number, number, number],
        }));
  const usedScale = output.scale.micronsPerPixel === null ? null : output.scale.micronsPerPixel / factor;
  const summary = summarise(detections, { differential: output.differential, assessable: output.assessable });
  return {
    id: options.id ?? randomUUID(),
    createdAt: (options.now ?? new Date()).toISOString(),
    specimen: options.specimen ?? null,
    profile: options.profile ?? null,
    image: {
      width: decoded.originalWidth,
      height: decoded.originalHeight,
      sha256: decoded.sha256,
      format: decoded.format,
      micronsPerPixel: usedScale === null ? null : Math.round(usedScale * 1e5) / 1e5,
      scaleSource: output.scale.source,
    },
    engine: { name: engine.name, version: engine.version, model: engine.model },
    detections: detections.map((d) => ({
      ...d,
      box: d.box.map((v) => Math.round(v * 10) / 10) as [number, number, number, number],
    })),
    summary,
    timings: {
      decodeMs: round(decoded.decodeMs),
      inferMs: round(inferMs),
      totalMs: round(decoded.decodeMs + performance.now() - started),
      ...(output.stages
        ? { stages: Object.fromEntries(Object.entries(output.stages).map(([k, v]) => [k, round(v)])) }
        : {}),
    },
  };
}

const round = (ms: number): number => Math.round(ms * 100) / 100;
