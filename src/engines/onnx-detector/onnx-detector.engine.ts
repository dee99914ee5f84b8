/**
 * The onnx-detector engine: any Ultralytics YOLO detector (v5, v8, 11, end-to-end) exported to ONNX.
 * Letterbox (rectangular for dynamic models), inference in a worker, per-class thresholds and
 * class-aware NMS, TAXONOMY labels; large fields are analysed in overlapping tiles merged across seams.
 */
import type { Detection, EngineInfo } from '../../domain/analysis-result.js';
import { clipBox, type Scored } from '../../domain/geometry.js';
import type { RasterImage } from '../../domain/raster.js';
import { LABELS } from '../../domain/taxonomy.js';
import { differentialFromLabels } from '../../analysis/differential.js';
import { computeLetterbox, unletterboxBox, type LetterboxTarget } from '../../imaging/letterbox.js';
import { extractRegion, planTiles, resizeRaster, type Region } from '../../imaging/transform.js';
import {
  DEFAULT_DETECTOR_SETTINGS,
  type DetectorFormat,
  type DetectorSettings,
  type ModelCard,
  type ModelClass,
} from '../../models/model-card.js';
import type { ModelResolver, ResolvedModel } from '../../models/model-resolver.js';
import { AppError } from '../../errors.js';
import type { AnalyzeOptions, Engine, EngineDescriptor, EngineOutput } from '../engine.js';
import { InferencePool } from '../onnx-runtime/inference-pool.js';
import { DEFAULT_ONNX_SETTINGS, type OnnxEngineSettings } from '../onnx-runtime/onnx-engine-settings.js';
import { describeDetectorModel } from './detector-format.js';
import { isCutByTile, mergeTileDetections, type TileDetection } from './tile-merge.js';
import { unpackCandidates, type DecodeParams } from './yolo-output.js';

export const ONNX_DETECTOR_VERSION = '1.0.0';

/** Without a known scale, tile only fields whose long side exceeds this many model inputs. */
const AUTO_TILE_FACTOR = 4;
/** With a known training scale, tile when whole-image letterboxing would shrink objects below half of it. */
const AUTO_TILE_SHRINK = 2;
/** Ultralytics' max_nms: candidates entering NMS per image or tile. */
const MAX_CANDIDATES = 30_000;

export type DetectorPlan = { mode: 'whole' } | { mode: 'tiled'; tileSize: number; tiles: Region[] };

/** Per-stage milliseconds; `postprocessMs` is output decoding, thresholds and NMS in the worker. */
interface StageTimes {
  resizeMs: number;
  packMs: number;
  inferMs: number;
  postprocessMs: number;
  mergeMs: number;
}

async function mapLimited<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      try {
        results[i] = await fn(items[i], i);
      } catch (err) {
        next = items.length; // the other lanes stop after their current item
        throw err;
      }
    }
  });
  await Promise.all(lanes);
  return results;
}

export class OnnxDetectorEngine implements Engine {
  readonly name = 'onnx-detector';
  readonly version = ONNX_DETECTOR_VERSION;
  readonly capabilities = {
    needsModel: true,
    morphotypes: false,
    explanations: false,
    estimatesScale: false,
  };
  readonly model: EngineInfo['model'];
  readonly card: ModelCard;
  readonly format: DetectorFormat;
  readonly settings: DetectorSettings;
  readonly #pool: InferencePool;
  readonly #classes: readonly ModelClass[];
  readonly #decode: DecodeParams;

  private constructor(
    card: ModelCard,
    format: DetectorFormat,
    settings: DetectorSettings,
    pool: InferencePool,
  ) {
    this.card = card;
    this.format = format;
    this.settings = settings;
    this.#pool = pool;
    this.#classes = card.classes;
    this.model = { id: card.id, name: card.name, version: card.version, sha256: card.sha256 };
    const thresholds = new Float32Array(card.classes.length);
    card.classes.forEach((c, i) => {
      thresholds[i] =
        (c.label !== null ? settings.classThresholds[c.label] : undefined) ??
        settings.classThresholds[c.name] ??
        settings.confidence;
    });
    this.#decode = {
      layout: format.layout,
      classCount: card.classes.length,
      thresholds,
      iou: settings.iou,
      maxDetections: settings.maxDetections,
      maxCandidates: MAX_CANDIDATES,
    };
  }

  /**
   * Loads a registered detector: starts its workers, verifies the file's sha256 in each, and checks that
   * the loaded session still has the layout its card records.
   *
   * @example
   * const engine = await OnnxDetectorEngine.create(await registry.resolve('onnx-detector'));
   * const { detections } = await engine.analyze(raster, { micronsPerPixel: null, scaleSource: 'unknown' });
   */
  static async create(
    model: ResolvedModel,
    options: Partial<OnnxEngineSettings> = {},
  ): Promise<OnnxDetectorEngine> {
    const settings = { ...DEFAULT_ONNX_SETTINGS, ...options };
    const { card } = model;
    if (card.format.kind !== 'detector' || card.engine !== 'onnx-detector') {
      throw new AppError('ERR_MODEL_NOT_FOUND', `Model "${card.id}" is not a detector`);
    }
    const { pool, description } = await InferencePool.open({
      modelPath: model.filePath,
      sha256: card.sha256,
      runtime: settings.runtime,
      workers: settings.workers,
      maxQueue: settings.maxQueue,
    });
    try {
      const { format } = describeDetectorModel(
        description,
        {},
        {
          classNames: card.classes.map((c) => c.name),
          inputSize: card.format.dynamicInput ? card.format.inputWidth : undefined,
        },
      );
      if (format.layout !== card.format.layout || format.inputName !== card.format.inputName) {
        throw new AppError(
          'ERR_MODEL_LAYOUT',
          `Model "${card.id}" no longer has the layout its card records`,
        );
      }
      const detector = { ...DEFAULT_DETECTOR_SETTINGS, ...card.detector };
      if (settings.tiling) detector.tiling = settings.tiling;
      return new OnnxDetectorEngine(card, card.format, detector, pool);
    } catch (err) {
      await pool.dispose();
      throw err;
    }
  }

  #target(): LetterboxTarget {
    return {
      width: this.format.inputWidth,
      height: this.format.inputHeight,
      rectangular: this.format.dynamicInput,
      stride: this.format.stride,
    };
  }

  /**
   * Whole image or tiles, and the tile side in field pixels. Tiles present objects at the training
   * scale when the card records it and the field's scale is known, else at the model's input scale.
   */
  plan(width: number, height: number, micronsPerPixel: number | null): DetectorPlan {
    const inputSide = Math.min(this.format.inputWidth, this.format.inputHeight);
    const trainScale = this.card.training.micronsPerPixel;
    const scaled = trainScale !== null && micronsPerPixel !== null && micronsPerPixel > 0;
    const tileSize =
      this.settings.tileSize > 0
        ? this.settings.tileSize
        : scaled
          ? Math.max(32, Math.round((inputSide * trainScale) / micronsPerPixel))
          : inputSide;
    let tiled: boolean;
    if (this.settings.tiling === 'auto') {
      const wholeScale = Math.min(this.format.inputWidth / width, this.format.inputHeight / height);
      tiled = scaled
        ? wholeScale < inputSide / tileSize / AUTO_TILE_SHRINK
        : Math.max(width, height) >
          AUTO_TILE_FACTOR * Math.max(this.format.inputWidth, this.format.inputHeight);
    } else tiled = this.settings.tiling === 'tiled';
    if (!tiled || (width <= tileSize && height <= tileSize)) return { mode: 'whole' };
    return { mode: 'tiled', tileSize, tiles: planTiles(width, height, tileSize, this.settings.tileOverlap) };
  }

  preferredDecodeSide(width: number, height: number, micronsPerPixel: number | null): number | undefined {
    if (this.plan(width, height, micronsPerPixel).mode !== 'whole') return undefined;
    const lb = computeLetterbox(width, height, this.#target());
    return Math.max(lb.resizedWidth, lb.resizedHeight);
  }

  async #detectRegion(raster: RasterImage, region: Region | null, times: StageTimes): Promise<Scored[]> {
    const w = region?.width ?? raster.width;
    const h = region?.height ?? raster.height;
    const lb = computeLetterbox(w, h, this.#target());
    const t0 = performance.now();
    const fullSize = lb.resizedWidth === w && lb.resizedHeight === h;
    const image =
      region && fullSize
        ? extractRegion(raster, region)
        : await resizeRaster(raster, lb.resizedWidth, lb.resizedHeight, region ? { region } : {});
    times.resizeMs += performance.now() - t0;
    const result = await this.#pool.detect({
      kind: 'detect',
      inputName: this.format.inputName,
      outputName: this.format.outputName,
      image: image.data,
      letterbox: lb,
      pack: { tensorLayout: this.format.tensorLayout },
      decode: this.#decode,
    });
    times.packMs += result.packMs;
    times.inferMs += result.runMs;
    times.postprocessMs += result.postprocessMs;
    const ox = region?.x ?? 0;
    const oy = region?.y ?? 0;
    return unpackCandidates(result.boxes).map((c) => {
      const [x1, y1, x2, y2] = unletterboxBox(lb, ...c.box);
      return {
        box: clipBox([x1 + ox, y1 + oy, x2 + ox, y2 + oy], ox + w, oy + h),
        score: c.score,
        classIndex: c.classIndex,
      };
    });
  }

  #toDetection(c: Scored): Detection {
    const cls = this.#classes[c.classIndex];
    const label = cls.label !== null ? LABELS[cls.label] : null;
    return {
      box: c.box,
      label: label?.key ?? cls.name,
      score: Math.min(1, Math.max(0, c.score)),
      morphotype: label?.morphotype ?? null,
      gram: label?.gram ?? 'n/a',
    };
  }

  async analyze(raster: RasterImage, options: AnalyzeOptions): Promise<EngineOutput> {
    options.signal?.throwIfAborted();
    const times: StageTimes = { resizeMs: 0, packMs: 0, inferMs: 0, postprocessMs: 0, mergeMs: 0 };
    const plan = this.plan(raster.width, raster.height, options.micronsPerPixel);
    let found: Scored[];
    if (plan.mode === 'whole') {
      found = (await this.#detectRegion(raster, null, times)).filter(
        (c) => c.box[2] > c.box[0] && c.box[3] > c.box[1],
      );
    } else {
      // A few tiles in flight: workers stay busy while memory holds only those tiles.
      const perTile = await mapLimited(plan.tiles, this.#pool.workers + 1, async (tile, index) => {
        options.signal?.throwIfAborted();
        const boxes = await this.#detectRegion(raster, tile, times);
        return boxes.map((c): TileDetection => ({
          ...c,
          tile: index,
          cut: isCutByTile(c.box, tile, raster.width, raster.height),
        }));
      });
      const t0 = performance.now();
      found = mergeTileDetections(perTile.flat(), {
        iou: this.settings.iou,
        intersectionOverSmaller: 0.5,
      })
        .sort((a, b) => b.score - a.score)
        .slice(0, this.settings.maxDetections);
      times.mergeMs = performance.now() - t0;
    }
    options.signal?.throwIfAborted();
    const detections = found.map((c) => this.#toDetection(c));
    return {
      detections,
      scale: { micronsPerPixel: options.micronsPerPixel, source: options.scaleSource },
      differential: differentialFromLabels(detections),
      stages: { ...times },
    };
  }

  async dispose(): Promise<void> {
    await this.#pool.dispose();
  }
}

/**
 * The engine descriptor, bound to the model registry: `model` names a registered detector; without it
 * the active detector is used.
 *
 * @example
 * engines.register(createOnnxDetectorDescriptor({ models: registry, settings: onnxSettingsFromConfig(config) }));
 */
export function createOnnxDetectorDescriptor(deps: {
  models: ModelResolver;
  settings?: Partial<OnnxEngineSettings>;
}): EngineDescriptor {
  return {
    name: 'onnx-detector',
    description: 'Ultralytics YOLO detector (v5, v8, 11) exported to ONNX, from the model registry',
    priority: 50,
    needsModel: true,
    ...(deps.models.activeId ? { activeModel: () => deps.models.activeId!('onnx-detector') } : {}),
    create: async (request) =>
      OnnxDetectorEngine.create(await deps.models.resolve('onnx-detector', request.model), deps.settings),
  };
}
