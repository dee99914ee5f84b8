/**
 * The engine contract. An engine turns a decoded field into detections; the server, CLI and
 * evaluation tools never know which engine they run.
 */
import type {
  Detection,
  DifferentialEntry,
  EngineInfo,
  LocalisedText,
  ScaleSource,
} from '../domain/analysis-result.js';
import type { RasterImage } from '../domain/raster.js';

export interface EngineCapabilities {
  /** Needs a trained model file (ONNX engines). */
  readonly needsModel: boolean;
  /** Reports arrangement-level morphotypes itself (rather than only labels). */
  readonly morphotypes: boolean;
  /** Fills per-detection explanations. */
  readonly explanations: boolean;
  /** Estimates the physical scale when none is given. */
  readonly estimatesScale: boolean;
}

export interface AnalyzeOptions {
  /** Micrometres per pixel from a calibration profile or the caller; null when unknown. */
  readonly micronsPerPixel: number | null;
  readonly scaleSource: ScaleSource;
  /** Aborted when the client goes away or the deadline passes; engines check it between stages. */
  readonly signal?: AbortSignal;
}

export interface EngineOutput {
  readonly detections: Detection[];
  /** The scale the engine used, which may be its own estimate. */
  readonly scale: { readonly micronsPerPixel: number | null; readonly source: ScaleSource };
  /** Specimen-level evidence the engine can give beyond its detections. */
  readonly differential?: DifferentialEntry[];
  /** Present and false when the field cannot be assessed (blank, over-stained, unusable). */
  readonly assessable?: { readonly ok: boolean; readonly reason?: LocalisedText };
  /** Milliseconds per named stage, for `gramscope bench` and the result's timings. */
  readonly stages?: Record<string, number>;
}

export interface Engine {
  readonly name: string;
  readonly version: string;
  readonly capabilities: EngineCapabilities;
  /** The model behind the engine, or null for engines without weights. */
  readonly model: EngineInfo['model'];
  analyze(image: RasterImage, options: AnalyzeOptions): Promise<EngineOutput>;
  /**
   * The largest raster side this engine uses for a field of the given stored size, so the caller can
   * decode at reduced size (JPEG shrink-on-load via `decodeImage`'s `maxSide`) and scale boxes back;
   * undefined when it needs full resolution. Engines without it always get full resolution.
   */
  preferredDecodeSide?(width: number, height: number, micronsPerPixel: number | null): number | undefined;
  /** Releases sessions, workers or native memory. */
  dispose?(): Promise<void>;
}

export interface EngineRequest {
  /** A registered model id, for engines that need one. */
  readonly model?: string | undefined;
}

export type EngineFactory = (request: EngineRequest) => Promise<Engine>;

export interface EngineDescriptor {
  readonly name: string;
  readonly description: string;
  /** Higher wins when no engine is named and the configured default cannot load. */
  readonly priority: number;
  readonly needsModel: boolean;
  readonly create: EngineFactory;
  /**
   * The model a request that names none gets now (engines with a model registry). The registry
   * keys its cached instance by it, so a change made elsewhere (another replica, the CLI) is picked
   * up on the next request rather than at restart.
   */
  readonly activeModel?: () => Promise<string | null>;
}
