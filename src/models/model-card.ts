/**
 * The model card: what a registered model is, what it was trained on, what it is for, how well it did,
 * and exactly which file it is (sha256, verified at every load). Declared once as TypeBox schemas so
 * the API, the CLI and storage agree.
 */
import { Type, type Static } from '@sinclair/typebox';
import { LabelKeySchema, literalUnion } from '../domain/analysis-result.js';

export const MODEL_ENGINES = ['onnx-detector', 'onnx-crop-classifier'] as const;
export const ModelEngineSchema = literalUnion(MODEL_ENGINES);
export type ModelEngine = Static<typeof ModelEngineSchema>;

export const MODEL_ID_PATTERN = '^[a-z0-9][a-z0-9._-]{0,79}$';

export const DetectorFormatSchema = Type.Object({
  kind: Type.Literal('detector'),
  layout: Type.Union([Type.Literal('yolov5'), Type.Literal('yolov8'), Type.Literal('end2end')]),
  inputName: Type.String(),
  outputName: Type.String(),
  /** Fixed input size, or the export size (`imgsz`) for models with dynamic axes. */
  inputWidth: Type.Integer({ minimum: 8, maximum: 8192 }),
  inputHeight: Type.Integer({ minimum: 8, maximum: 8192 }),
  /** Dynamic height and width: letterbox pads only to a multiple of the stride. */
  dynamicInput: Type.Boolean(),
  stride: Type.Integer({ minimum: 1, maximum: 256 }),
  tensorLayout: Type.Union([Type.Literal('nchw'), Type.Literal('nhwc')]),
});
export type DetectorFormat = Static<typeof DetectorFormatSchema>;

export const ClassifierFormatSchema = Type.Object({
  kind: Type.Literal('classifier'),
  inputName: Type.String(),
  outputName: Type.String(),
  inputSize: Type.Integer({ minimum: 8, maximum: 4096 }),
  tensorLayout: Type.Union([Type.Literal('nchw'), Type.Literal('nhwc')]),
  /** Crops per session.run the model accepts: 0 for a dynamic batch axis. */
  fixedBatch: Type.Integer({ minimum: 0, maximum: 1 }),
});
export type ClassifierFormat = Static<typeof ClassifierFormatSchema>;

export const ModelClassSchema = Type.Object({
  index: Type.Integer({ minimum: 0 }),
  /** The model's own class name. */
  name: Type.String(),
  /** The TAXONOMY label it maps onto; null when unmapped (kept under its own name and reported). */
  label: Type.Union([LabelKeySchema, Type.Null()]),
});
export type ModelClass = Static<typeof ModelClassSchema>;

const Threshold = Type.Number({ minimum: 0, maximum: 1 });

export const DetectorSettingsSchema = Type.Object({
  confidence: Threshold,
  iou: Threshold,
  /** Per-class minimum confidence, keyed by TAXONOMY label or the model's class name. */
  classThresholds: Type.Record(Type.String(), Threshold),
  maxDetections: Type.Integer({ minimum: 1, maximum: 100_000 }),
  /** whole: one letterboxed pass; tiled: overlapping tiles merged across seams; auto: tiles for large fields. */
  tiling: Type.Union([Type.Literal('auto'), Type.Literal('whole'), Type.Literal('tiled')]),
  /** Tile side in field pixels; 0 derives it from the input size (and the training scale when known). */
  tileSize: Type.Integer({ minimum: 0, maximum: 65_536 }),
  tileOverlap: Type.Number({ minimum: 0, maximum: 0.9 }),
});
export type DetectorSettings = Static<typeof DetectorSettingsSchema>;

export const ClassifierSettingsSchema = Type.Object({
  /** Side of each square crop, in micrometres (the reference system used 10 µm). */
  cropMicrons: Type.Number({ exclusiveMinimum: 0, maximum: 1000 }),
  sampling: Type.Union([Type.Literal('grid'), Type.Literal('random')]),
  maxCrops: Type.Integer({ minimum: 1, maximum: 100_000 }),
  /** Seed for random sampling, so a field always gives the same crops. */
  seed: Type.Integer({ minimum: 0 }),
  /** Class name of the background class, ignored by the vote. */
  backgroundClass: Type.String(),
  /** Model input normalisation after scaling to 0..1: (x - mean) / std per channel. */
  mean: Type.Tuple([Type.Number(), Type.Number(), Type.Number()]),
  std: Type.Tuple([Type.Number(), Type.Number(), Type.Number()]),
  channelOrder: Type.Union([Type.Literal('rgb'), Type.Literal('bgr')]),
  /** Crops with a top probability below this are counted as uncertain and left out of the vote. */
  minConfidence: Threshold,
});
export type ClassifierSettings = Static<typeof ClassifierSettingsSchema>;

export const ModelCardSchema = Type.Object(
  {
    id: Type.String({ pattern: MODEL_ID_PATTERN }),
    name: Type.String({ minLength: 1, maxLength: 200 }),
    version: Type.String({ minLength: 1, maxLength: 64 }),
    engine: ModelEngineSchema,
    description: Type.String({ maxLength: 4000 }),
    format: Type.Union([DetectorFormatSchema, ClassifierFormatSchema]),
    classes: Type.Array(ModelClassSchema, { minItems: 1 }),
    /** Class names that map onto no TAXONOMY label. */
    unmappedClasses: Type.Array(Type.String()),
    training: Type.Object({
      description: Type.String({ maxLength: 4000 }),
      /**
       * µm per pixel of the training images as the model saw them at its input size (a 0.07 µm/px
       * camera image letterboxed from 2048 to 640 pixels is 0.224), when known; sizes detector tiles.
       */
      micronsPerPixel: Type.Union([Type.Number({ exclusiveMinimum: 0, maximum: 100 }), Type.Null()]),
    }),
    intendedUse: Type.String({ maxLength: 4000 }),
    validation: Type.Object({
      description: Type.String({ maxLength: 4000 }),
      /** e.g. { "mAP50": 0.71, "mAP50-95": 0.48 } */
      metrics: Type.Record(Type.String(), Type.Number()),
    }),
    detector: Type.Optional(DetectorSettingsSchema),
    classifier: Type.Optional(ClassifierSettingsSchema),
    sha256: Type.String({ pattern: '^[0-9a-f]{64}$' }),
    sizeBytes: Type.Integer({ minimum: 1 }),
    producer: Type.String(),
    opset: Type.Integer(),
    addedAt: Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}T' }),
    addedBy: Type.Union([Type.String(), Type.Null()]),
  },
  { $id: 'ModelCard' },
);
export type ModelCard = Static<typeof ModelCardSchema>;

export const DEFAULT_DETECTOR_SETTINGS: DetectorSettings = {
  confidence: 0.25,
  iou: 0.45,
  classThresholds: {},
  maxDetections: 1000,
  tiling: 'auto',
  tileSize: 0,
  tileOverlap: 0.2,
};

export const DEFAULT_CLASSIFIER_SETTINGS: ClassifierSettings = {
  cropMicrons: 10,
  sampling: 'grid',
  maxCrops: 400,
  seed: 1,
  backgroundClass: 'background',
  mean: [0, 0, 0],
  std: [1, 1, 1],
  channelOrder: 'rgb',
  minConfidence: 0,
};

/** What a listing shows: the card and whether it is its engine's active model. */
export interface ModelEntry {
  readonly card: ModelCard;
  readonly active: boolean;
}

/** One change of an engine's active model, newest first in listings. */
export const ModelActivationSchema = Type.Object({
  engine: ModelEngineSchema,
  action: Type.Union([Type.Literal('activate'), Type.Literal('deactivate'), Type.Literal('rollback')]),
  /** The model active after the change; null when the engine was left without one. */
  modelId: Type.Union([Type.String(), Type.Null()]),
  previousModelId: Type.Union([Type.String(), Type.Null()]),
  at: Type.String(),
  by: Type.Union([Type.String(), Type.Null()]),
});
export type ModelActivation = Static<typeof ModelActivationSchema>;
export type ModelActivationAction = ModelActivation['action'];
