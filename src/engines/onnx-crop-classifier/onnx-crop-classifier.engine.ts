/**
 * The onnx-crop-classifier engine: any ONNX image classifier run over square crops of a physical size
 * (default 10 µm) across the field, in batches in a worker, with a majority vote over the crops that
 * are not background, as in the reference system. Every non-background crop is reported as a
 * detection (its box is the crop) with its class probabilities, for display.
 */
import type { Detection, EngineInfo } from '../../domain/analysis-result.js';
import type { RasterImage } from '../../domain/raster.js';
import { LABELS, type MorphotypeKey } from '../../domain/taxonomy.js';
import { differentialFromLabels, differentialFromMorphotypes } from '../../analysis/differential.js';
import { extractRegion, resizeRaster } from '../../imaging/transform.js';
import {
  DEFAULT_CLASSIFIER_SETTINGS,
  type ClassifierFormat,
  type ClassifierSettings,
  type ModelCard,
} from '../../models/model-card.js';
import type { ModelResolver, ResolvedModel } from '../../models/model-resolver.js';
import { AppError } from '../../errors.js';
import type { AnalyzeOptions, Engine, EngineDescriptor, EngineOutput } from '../engine.js';
import { InferencePool } from '../onnx-runtime/inference-pool.js';
import { DEFAULT_ONNX_SETTINGS, type OnnxEngineSettings } from '../onnx-runtime/onnx-engine-settings.js';
import { describeClassifierModel } from './classifier-format.js';
import {
  CROP_CLASS_FINDINGS,
  placeCrops,
  toProbabilities,
  voteCrops,
  type CropPosition,
} from './crop-vote.js';

export const ONNX_CROP_CLASSIFIER_VERSION = '1.0.0';

/** Bytes of crops sent to a worker per task: bounds memory whatever the field and crop count. */
const TASK_BYTES = 8 * 1024 * 1024;

interface ClassFinding {
  readonly label: string;
  readonly morphotype: MorphotypeKey | null;
  readonly gram: Detection['gram'];
}

export class OnnxCropClassifierEngine implements Engine {
  readonly name = 'onnx-crop-classifier';
  readonly version = ONNX_CROP_CLASSIFIER_VERSION;
  readonly capabilities = { needsModel: true, morphotypes: true, explanations: true, estimatesScale: false };
  readonly model: EngineInfo['model'];
  readonly card: ModelCard;
  readonly format: ClassifierFormat;
  readonly settings: ClassifierSettings;
  readonly #pool: InferencePool;
  readonly #findings: readonly ClassFinding[];
  readonly #backgroundIndex: number | null;

  private constructor(
    card: ModelCard,
    format: ClassifierFormat,
    settings: ClassifierSettings,
    pool: InferencePool,
  ) {
    this.card = card;
    this.format = format;
    this.settings = settings;
    this.#pool = pool;
    this.model = { id: card.id, name: card.name, version: card.version, sha256: card.sha256 };
    this.#findings = card.classes.map((c) => {
      const crop = CROP_CLASS_FINDINGS[c.name.toLowerCase()];
      const label = c.label !== null ? LABELS[c.label] : null;
      return {
        label: label?.key ?? c.name,
        morphotype: crop?.morphotype ?? label?.morphotype ?? null,
        gram: crop?.gram ?? label?.gram ?? 'n/a',
      };
    });
    const bg = card.classes.findIndex((c) => c.name === settings.backgroundClass);
    this.#backgroundIndex = bg >= 0 ? bg : null;
  }

  /**
   * @example
   * const engine = await OnnxCropClassifierEngine.create(await registry.resolve('onnx-crop-classifier'));
   */
  static async create(
    model: ResolvedModel,
    options: Partial<OnnxEngineSettings> = {},
  ): Promise<OnnxCropClassifierEngine> {
    const settings = { ...DEFAULT_ONNX_SETTINGS, ...options };
    const { card } = model;
    if (card.format.kind !== 'classifier' || card.engine !== 'onnx-crop-classifier') {
      throw new AppError('ERR_MODEL_NOT_FOUND', `Model "${card.id}" is not a crop classifier`);
    }
    const { pool, description } = await InferencePool.open({
      modelPath: model.filePath,
      sha256: card.sha256,
      runtime: settings.runtime,
      workers: settings.workers,
      maxQueue: settings.maxQueue,
    });
    try {
      const { format } = describeClassifierModel(
        description,
        {},
        {
          classNames: card.classes.map((c) => c.name),
          inputSize: card.format.inputSize,
        },
      );
      if (format.inputSize !== card.format.inputSize || format.inputName !== card.format.inputName) {
        throw new AppError(
          'ERR_MODEL_LAYOUT',
          `Model "${card.id}" no longer has the layout its card records`,
        );
      }
      return new OnnxCropClassifierEngine(
        card,
        card.format,
        { ...DEFAULT_CLASSIFIER_SETTINGS, ...card.classifier },
        pool,
      );
    } catch (err) {
      await pool.dispose();
      throw err;
    }
  }

  /**
   * Cuts the crops at model input size — one resize of the whole field when shrinking, one resize per
   * crop when enlarging (so a small field is never blown up whole) — and returns their positions and
   * side in field pixels.
   */
  async #cutCrops(
    raster: RasterImage,
    cropPx: number,
  ): Promise<{ crops: Uint8Array; positions: CropPosition[]; side: number }> {
    const size = this.format.inputSize;
    const factor = size / cropPx;
    const s = this.settings;
    const cropBytes = size * size * 3;
    if (factor <= 1) {
      const w = Math.max(1, Math.round(raster.width * factor));
      const h = Math.max(1, Math.round(raster.height * factor));
      const field = await resizeRaster(raster, w, h);
      const placed = placeCrops(w, h, size, s.sampling, s.maxCrops, s.seed);
      const crops = new Uint8Array(placed.length * cropBytes);
      placed.forEach((p, i) =>
        crops.set(extractRegion(field, { x: p.x, y: p.y, width: size, height: size }).data, i * cropBytes),
      );
      const sx = raster.width / w;
      const sy = raster.height / h;
      return { crops, positions: placed.map((p) => ({ x: p.x * sx, y: p.y * sy })), side: size * sx };
    }
    const side = Math.max(1, Math.round(cropPx));
    const positions = placeCrops(raster.width, raster.height, side, s.sampling, s.maxCrops, s.seed);
    const crops = new Uint8Array(positions.length * cropBytes);
    for (const [i, p] of positions.entries()) {
      const crop = await resizeRaster(raster, size, size, {
        region: { x: p.x, y: p.y, width: side, height: side },
      });
      crops.set(crop.data, i * cropBytes);
    }
    return { crops, positions, side };
  }

  async analyze(raster: RasterImage, options: AnalyzeOptions): Promise<EngineOutput> {
    options.signal?.throwIfAborted();
    const mpp = options.micronsPerPixel;
    if (mpp === null || !(mpp > 0)) {
      throw new AppError(
        'ERR_SCALE_REQUIRED',
        `The crop classifier cuts ${this.settings.cropMicrons} µm crops and needs the image scale: choose a calibration profile`,
      );
    }
    const cropPx = this.settings.cropMicrons / mpp;
    if (cropPx > Math.min(raster.width, raster.height) || cropPx < 4) {
      throw new AppError(
        'ERR_VALIDATION',
        `A ${this.settings.cropMicrons} µm crop is ${cropPx.toFixed(1)} px at ${mpp} µm/px, which does not fit this ${raster.width}x${raster.height} field`,
      );
    }
    const t0 = performance.now();
    const { crops, positions, side } = await this.#cutCrops(raster, cropPx);
    const cropMs = performance.now() - t0;
    const size = this.format.inputSize;
    const cropBytes = size * size * 3;
    const perTask = Math.max(1, Math.floor(TASK_BYTES / cropBytes));
    const batch = this.format.fixedBatch === 1 ? 1 : Math.min(perTask, 64);
    const rawScores: Float32Array[] = [];
    let classes = 0;
    let packMs = 0;
    let inferMs = 0;
    for (let start = 0; start < positions.length; start += perTask) {
      options.signal?.throwIfAborted();
      const count = Math.min(perTask, positions.length - start);
      const result = await this.#pool.classify({
        kind: 'classify',
        inputName: this.format.inputName,
        outputName: this.format.outputName,
        crops: crops.subarray(start * cropBytes, (start + count) * cropBytes),
        count,
        size,
        batch,
        pack: {
          tensorLayout: this.format.tensorLayout,
          channelOrder: this.settings.channelOrder,
          mean: this.settings.mean,
          std: this.settings.std,
        },
      });
      classes = result.classes;
      packMs += result.packMs;
      inferMs += result.runMs;
      rawScores.push(result.scores);
    }
    if (positions.length > 0 && classes !== this.card.classes.length) {
      throw new AppError(
        'ERR_MODEL_LAYOUT',
        `The classifier gave ${classes} scores per crop for ${this.card.classes.length} classes`,
      );
    }
    const all = new Float32Array(positions.length * classes);
    let offset = 0;
    for (const part of rawScores) {
      all.set(part, offset);
      offset += part.length;
    }
    const perCrop = positions.map((_, i) => {
      const probabilities = toProbabilities(all.subarray(i * classes, (i + 1) * classes));
      let best = 0;
      for (let c = 1; c < classes; c++) if (probabilities[c] > probabilities[best]) best = c;
      return { classIndex: best, probability: probabilities[best], probabilities };
    });
    const vote = voteCrops(perCrop, classes, this.#backgroundIndex, this.settings.minConfidence);
    const detections: Detection[] = [];
    perCrop.forEach((c, i) => {
      if (c.classIndex === this.#backgroundIndex || c.probability < this.settings.minConfidence) return;
      const finding = this.#findings[c.classIndex];
      const p = positions[i];
      const explanation: Record<string, unknown> = {
        reasons: [`crop class ${this.card.classes[c.classIndex].name}`],
        cropMicrons: this.settings.cropMicrons,
        probabilities: Object.fromEntries(
          this.card.classes.map((k, j) => [k.name, Math.round(c.probabilities[j] * 1e4) / 1e4]),
        ),
        vote: vote.winner === c.classIndex ? 'majority' : 'minority',
      };
      detections.push({
        box: [p.x, p.y, Math.min(raster.width, p.x + side), Math.min(raster.height, p.y + side)],
        label: finding.label,
        score: Math.min(1, Math.max(0, c.probability)),
        morphotype: finding.morphotype,
        gram: finding.gram,
        explanation,
      });
    });
    const morphotypeCounts = new Map<MorphotypeKey, number>();
    vote.counts.forEach((n, i) => {
      const m = this.#findings[i].morphotype;
      if (n > 0 && m) morphotypeCounts.set(m, (morphotypeCounts.get(m) ?? 0) + n);
    });
    const labelLevel = this.card.classes.some((c) => c.label !== null);
    const differential = labelLevel
      ? differentialFromLabels(detections)
      : differentialFromMorphotypes(
          [...morphotypeCounts].map(([morphotype, count]) => ({ morphotype, count })),
        );
    return {
      detections,
      scale: { micronsPerPixel: mpp, source: options.scaleSource },
      differential,
      stages: { cropMs, packMs, inferMs },
    };
  }

  async dispose(): Promise<void> {
    await this.#pool.dispose();
  }
}

/**
 * @example
 * engines.register(createOnnxCropClassifierDescriptor({ models: registry }));
 */
export function createOnnxCropClassifierDescriptor(deps: {
  models: ModelResolver;
  settings?: Partial<OnnxEngineSettings>;
}): EngineDescriptor {
  return {
    name: 'onnx-crop-classifier',
    description:
      'ONNX image classifier over physical-size crops with a majority vote, from the model registry',
    priority: 40,
    needsModel: true,
    ...(deps.models.activeId ? { activeModel: () => deps.models.activeId!('onnx-crop-classifier') } : {}),
    create: async (request) =>
      OnnxCropClassifierEngine.create(
        await deps.models.resolve('onnx-crop-classifier', request.model),
        deps.settings,
      ),
  };
}
