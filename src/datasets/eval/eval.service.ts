/**
 * `gramscope eval`: runs an engine over an annotated dataset and measures it the way a hospital
 * must before clinical use — mAP@0.5 and mAP@0.5:0.95, per-class precision / recall / AP, a
 * confusion matrix with background, Gram-call and morphotype agreement of matched organisms, and
 * whether each field's finding sentence comes out right. Engines run through the EngineRegistry
 * (on worker threads when asked), so eval never knows which engine it measures.
 */
import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import type { AnalysisResult, Detection } from '../../domain/analysis-result.js';
import { isLabelKey, isMorphotypeKey, LABELS, type MorphotypeKey } from '../../domain/taxonomy.js';
import { analyzeField } from '../../analysis/analyze-field.js';
import { builtInEngineModule, loadEngineDescriptors } from '../../analysis/engine-modules.js';
import { InferencePool } from '../../analysis/inference-pool.js';
import { countMorphotypes, findingFor, findingKey } from '../../analysis/summarise.js';
import type { Engine, EngineDescriptor } from '../../engines/engine.js';
import { createEngineRegistry } from '../../engines/index.js';
import { AppError } from '../../errors.js';
import { decodeImage, DEFAULT_INTAKE_LIMITS, type IntakeLimits } from '../../imaging/intake.js';
import type { DatasetAnnotation, DatasetImage, LoadedDataset } from '../formats/dataset.js';
import { resolveInside } from '../io/safe-path.js';
import {
  attributeAgreement,
  COCO_IOU_THRESHOLDS,
  confusionMatrix,
  evaluateDetections,
  matchAnyClass,
  RECALL_POINTS,
  type ClassMetrics,
  type ConfusionMatrix,
  type EvalImage,
  type EvalObject,
} from './metrics.js';

export const EVAL_LEVELS = ['label', 'morphotype', 'gram'] as const;
export type EvalLevel = (typeof EVAL_LEVELS)[number];

export interface EvalOptions {
  engine: string;
  model?: string;
  level?: EvalLevel;
  /** Score threshold for precision / recall, the confusion matrix and attribute agreement. */
  scoreThreshold?: number;
  /** Scale for images that do not record one; otherwise the engine estimates it. */
  micronsPerPixel?: number;
  /** Engine worker threads; 0 or 1 runs inline. */
  workers?: number;
  limit?: number;
  intake?: IntakeLimits;
  /** Engines to choose from instead of the built-in ones (run inline). */
  engines?: readonly EngineDescriptor[];
  onProgress?: (done: number, total: number) => void;
}

export interface EvalImageRecord {
  file: string;
  truth: number;
  predictions: number;
  tp: number;
  fp: number;
  fn: number;
  f1: number | null;
  truthFinding: string;
  predictedFinding: string;
  /** The predicted finding names the same morphotypes as the truth's (in any order). */
  findingCorrect: boolean;
  /** The sentences are identical, order of the morphotypes included. */
  findingExact: boolean;
  ms: number;
}

export interface EvalReport {
  dataset: {
    path: string;
    format: string;
    images: number;
    objects: number;
    unknownLabels: Record<string, number>;
  };
  engine: { name: string; version: string; model: string | null };
  level: EvalLevel;
  scoreThreshold: number;
  iouThresholds: readonly number[];
  map50: number | null;
  map50_95: number | null;
  perClass: Record<string, Omit<ClassMetrics, 'pr50'>>;
  gramAccuracy: number | null;
  morphotypeAccuracy: number | null;
  attributeAgreement: {
    gram: { compared: number; correct: number };
    morphotype: { compared: number; correct: number };
  };
  findingAccuracy: number | null;
  /** Share of fields whose finding sentence is identical, morphotype order included. */
  findingExactAccuracy: number | null;
  confusion: ConfusionMatrix;
  prCurves: { iou: 0.5; recall: readonly number[]; precision: Record<string, number[]> };
  images: EvalImageRecord[];
  timing: { totalMs: number; engineMs: number; imagesPerSecond: number; workers: number };
}

/** The examples the HTML report shows: the field, its truth and the engine's detections. */
export interface EvalExample {
  file: string;
  path: string;
  truth: Detection[];
  predictions: Detection[];
}

const GRAM_GROUP = { positive: 'gram_positive', negative: 'gram_negative' } as const;

function classAt(level: EvalLevel, label: string, morphotype: string | null, gram: string | null): string {
  switch (level) {
    case 'label':
      return label;
    case 'morphotype':
      return morphotype ?? label;
    case 'gram':
      if (morphotype === 'rbc' || label === 'rbc') return 'rbc';
      return gram === 'positive' || gram === 'negative' ? GRAM_GROUP[gram] : label;
  }
}

/** The truth of one annotation as a detection: its label's TAXONOMY morphotype and Gram unless recorded. */
export function truthDetection(a: DatasetAnnotation): Detection {
  const known = isLabelKey(a.label) ? LABELS[a.label] : null;
  const m = a.attributes?.morphotype;
  const morphotype: MorphotypeKey | null = m && isMorphotypeKey(m) ? m : (known?.morphotype ?? null);
  const g = a.attributes?.gram;
  const gram = g === 'positive' || g === 'negative' || g === 'n/a' ? g : (known?.gram ?? 'n/a');
  return { box: a.box, label: a.label, score: 1, morphotype, gram };
}

function toEvalObject(level: EvalLevel, d: Detection, withScore: boolean): EvalObject {
  return {
    box: d.box,
    cls: classAt(level, d.label, d.morphotype, d.gram),
    ...(withScore && { score: d.score }),
    gram: d.gram,
    morphotype: d.morphotype,
  };
}

interface OpenEngine {
  engine: Engine;
  close: () => Promise<void>;
}

/** The engine, inline or on worker threads, always through the registry. */
async function openEngine(
  name: string,
  model: string | undefined,
  workers: number,
  descriptors?: readonly EngineDescriptor[],
): Promise<OpenEngine> {
  if (workers <= 1 || descriptors) {
    const registry = createEngineRegistry(descriptors);
    return { engine: await registry.get(name, { model }), close: () => registry.dispose() };
  }
  const modules = [builtInEngineModule()];
  const pool = new InferencePool({
    threads: workers,
    engineModules: modules,
    preload: name,
    workerMemoryMb: 2048,
  });
  try {
    const registry = createEngineRegistry((await loadEngineDescriptors(modules)).map((d) => pool.wrap(d)));
    const engine = await registry.get(name, { model });
    return {
      engine,
      close: async () => {
        await registry.dispose();
        await pool.destroy();
      },
    };
  } catch (err) {
    await pool.destroy();
    throw err;
  }
}

const round = (v: number | null, digits = 4): number | null =>
  v === null ? null : Math.round(v * 10 ** digits) / 10 ** digits;

/**
 * Evaluates an engine on a loaded dataset.
 *
 * @example
 * const loaded = await loadDataset('synth-200');
 * const { report } = await evaluateDataset(loaded, 'synth-200', { engine: 'morphology' });
 * report.map50; report.gramAccuracy;
 */
export async function evaluateDataset(
  loaded: LoadedDataset,
  dataPath: string,
  options: EvalOptions,
): Promise<{ report: EvalReport; examples: EvalExample[] }> {
  const started = performance.now();
  const level = options.level ?? 'label';
  const scoreThreshold = options.scoreThreshold ?? 0.25;
  const images: DatasetImage[] = loaded.dataset.images.slice(0, options.limit ?? Infinity);
  if (images.length === 0) throw new AppError('ERR_DATASET_INVALID', `${dataPath} holds no images`);
  const paths: string[] = [];
  for (const [i, img] of images.entries())
    paths.push(await resolveInside(loaded.dataset.root, img.file, `image ${i + 1}`));
  const workers = Math.max(
    1,
    Math.min(options.workers ?? Math.min(4, availableParallelism()), images.length),
  );
  const { engine, close } = await openEngine(options.engine, options.model, workers, options.engines);
  const results: AnalysisResult[] = new Array<AnalysisResult>(images.length);
  const elapsed: number[] = new Array<number>(images.length).fill(0);
  let engineMs = 0;
  let done = 0;
  try {
    let next = 0;
    const work = async (): Promise<void> => {
      while (next < images.length) {
        const i = next++;
        const img = images[i];
        const t0 = performance.now();
        try {
          const decoded = await decodeImage(
            await readFile(paths[i]),
            options.intake ?? DEFAULT_INTAKE_LIMITS,
          );
          const mpp = img.micronsPerPixel ?? options.micronsPerPixel ?? null;
          results[i] = await analyzeField(decoded, engine, {
            scale: {
              micronsPerPixel: mpp,
              source: mpp === null ? 'unknown' : img.micronsPerPixel ? 'profile' : 'option',
            },
          });
        } catch (err) {
          // Name the field: one line must say which of hundreds of images failed.
          if (err instanceof AppError)
            throw new AppError(err.code, `${img.file}: ${err.message}`, { cause: err });
          throw err;
        }
        engineMs += results[i].timings.inferMs;
        elapsed[i] = performance.now() - t0;
        options.onProgress?.(++done, images.length);
      }
    };
    await Promise.all(Array.from({ length: workers }, () => work()));
  } finally {
    await close();
  }

  const evalImages: EvalImage[] = images.map((img, i) => ({
    id: img.file,
    truth: img.annotations.map((a) => toEvalObject(level, truthDetection(a), false)),
    predictions: results[i].detections.map((d) => toEvalObject(level, d, true)),
  }));
  const detection = evaluateDetections(evalImages, { scoreThreshold });
  const confusion = confusionMatrix(evalImages, detection.classes, { scoreThreshold });
  const agreement = attributeAgreement(evalImages, { scoreThreshold });
  const records: EvalImageRecord[] = images.map((img, i) => {
    const { pairs, missed, spurious } = matchAnyClass(evalImages[i], 0.5, scoreThreshold);
    const tp = pairs.filter((p) => p.truth.cls === p.prediction.cls).length;
    const fp = spurious.length + pairs.length - tp;
    const fn = missed.length + pairs.length - tp;
    const precision = tp + fp > 0 ? tp / (tp + fp) : null;
    const recall = tp + fn > 0 ? tp / (tp + fn) : null;
    const truthFinding = findingFor(countMorphotypes(img.annotations.map(truthDetection))).en;
    const predictedFinding = results[i].summary.finding.en;
    return {
      file: img.file,
      truth: img.annotations.length,
      predictions: results[i].detections.length,
      tp,
      fp,
      fn,
      f1: round(
        precision !== null && recall !== null && precision + recall > 0
          ? (2 * precision * recall) / (precision + recall)
          : tp + fp + fn === 0
            ? 1
            : 0,
      ),
      truthFinding,
      predictedFinding,
      findingCorrect: findingKey(truthFinding) === findingKey(predictedFinding),
      findingExact: truthFinding === predictedFinding,
      ms: Math.round(elapsed[i]),
    };
  });
  const perClass: EvalReport['perClass'] = {};
  const prCurves: Record<string, number[]> = {};
  for (const [cls, m] of Object.entries(detection.perClass)) {
    const { pr50, ...rest } = m;
    perClass[cls] = {
      ...rest,
      ap: rest.ap.map((v) => round(v)),
      ap50: round(rest.ap50),
      ap50_95: round(rest.ap50_95),
      precision: round(rest.precision),
      recall: round(rest.recall),
      f1: round(rest.f1),
    };
    if (m.support > 0) prCurves[cls] = pr50.map((v) => round(v)!);
  }
  const totalMs = performance.now() - started;
  const report: EvalReport = {
    dataset: {
      path: dataPath,
      format: loaded.format,
      images: images.length,
      objects: images.reduce((s, img) => s + img.annotations.length, 0),
      unknownLabels: loaded.report.unknownLabels,
    },
    engine: {
      name: engine.name,
      version: engine.version,
      model: engine.model?.name ?? options.model ?? null,
    },
    level,
    scoreThreshold,
    iouThresholds: COCO_IOU_THRESHOLDS,
    map50: round(detection.map50),
    map50_95: round(detection.map50_95),
    perClass,
    gramAccuracy: round(agreement.gram.accuracy),
    morphotypeAccuracy: round(agreement.morphotype.accuracy),
    attributeAgreement: {
      gram: { compared: agreement.gram.compared, correct: agreement.gram.correct },
      morphotype: { compared: agreement.morphotype.compared, correct: agreement.morphotype.correct },
    },
    findingAccuracy: round(records.filter((r) => r.findingCorrect).length / records.length),
    findingExactAccuracy: round(records.filter((r) => r.findingExact).length / records.length),
    confusion,
    prCurves: { iou: 0.5, recall: RECALL_POINTS.map((r) => round(r)!), precision: prCurves },
    images: records,
    timing: {
      totalMs: Math.round(totalMs),
      engineMs: Math.round(engineMs),
      imagesPerSecond: round(images.length / (totalMs / 1000), 2)!,
      workers,
    },
  };
  // Examples: the worst fields by F1, then the best, so a reader sees failures and successes.
  const ranked = records.map((r, i) => ({ r, i })).sort((a, b) => (a.r.f1 ?? 0) - (b.r.f1 ?? 0));
  const picks = [...new Set([...ranked.slice(0, 3), ...ranked.slice(-2)].map((x) => x.i))];
  const examples = picks.map((i) => ({
    file: images[i].file,
    path: paths[i],
    truth: images[i].annotations.map(truthDetection),
    predictions: results[i].detections.filter((d) => d.score >= scoreThreshold),
  }));
  return { report, examples };
}
