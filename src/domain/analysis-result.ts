/**
 * The analysis result: the contract shared by the API, the CLI, exports and tests (SPEC §2).
 * Declared once as TypeBox schemas so the OpenAPI document and the TypeScript types cannot drift.
 * Fields may be added; existing ones must never change meaning.
 */
import { FormatRegistry, Type, type Static, type TLiteral, type TUnion } from '@sinclair/typebox';
import { LABEL_KEYS, MORPHOTYPE_KEYS } from './taxonomy.js';

// TypeBox's own checker (Value.Check) knows no formats until they are registered; AJV in Fastify has its own.
if (!FormatRegistry.Has('date-time')) {
  FormatRegistry.Set(
    'date-time',
    (v) =>
      /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(v) &&
      !Number.isNaN(Date.parse(v)),
  );
}

export const GramSchema = Type.Union([
  Type.Literal('positive'),
  Type.Literal('negative'),
  Type.Literal('n/a'),
]);
/**
 * A union of string literals that keeps its tuple type: `Type.Union(keys.map(Type.Literal))` types as
 * an array union, which the Fastify type provider resolves to `never`.
 */
export function literalUnion<const T extends readonly string[]>(
  values: T,
): TUnion<{ -readonly [K in keyof T]: TLiteral<T[K]> }> {
  return Type.Union(values.map((v) => Type.Literal(v))) as unknown as TUnion<{
    -readonly [K in keyof T]: TLiteral<T[K]>;
  }>;
}

export const MorphotypeKeySchema = literalUnion(MORPHOTYPE_KEYS);
export const LabelKeySchema = literalUnion(LABEL_KEYS);
export const ScaleSourceSchema = Type.Union([
  Type.Literal('profile'),
  Type.Literal('option'),
  Type.Literal('estimated'),
  Type.Literal('unknown'),
]);
export type ScaleSource = Static<typeof ScaleSourceSchema>;

export const BoxSchema = Type.Tuple([Type.Number(), Type.Number(), Type.Number(), Type.Number()], {
  description: '[x1, y1, x2, y2] in original-image pixels',
});

export const LocalisedTextSchema = Type.Object({ en: Type.String(), ja: Type.String() });
export type LocalisedText = Static<typeof LocalisedTextSchema>;

/** Why an engine decided what it did about one object; engines fill what applies to them. */
export const ExplanationSchema = Type.Object(
  {
    /** Crystal-violet share of the stain signal, 0 (pure safranin) .. 1 (pure crystal violet). */
    stainRatio: Type.Optional(Type.Number()),
    lengthUm: Type.Optional(Type.Number()),
    widthUm: Type.Optional(Type.Number()),
    areaUm2: Type.Optional(Type.Number()),
    aspectRatio: Type.Optional(Type.Number()),
    shape: Type.Optional(Type.String()),
    arrangement: Type.Optional(Type.String()),
    groupSize: Type.Optional(Type.Integer()),
    reasons: Type.Optional(Type.Array(Type.String())),
  },
  { additionalProperties: true },
);
export type Explanation = Static<typeof ExplanationSchema>;

export const DetectionSchema = Type.Object({
  box: BoxSchema,
  /** A TAXONOMY label key, or a model's own class name when it maps onto none (reported, never dropped). */
  label: Type.String(),
  score: Type.Number({ minimum: 0, maximum: 1 }),
  morphotype: Type.Union([MorphotypeKeySchema, Type.Null()]),
  gram: GramSchema,
  explanation: Type.Optional(ExplanationSchema),
});
export type Detection = Static<typeof DetectionSchema>;

export const MorphotypeShareSchema = Type.Object({
  morphotype: MorphotypeKeySchema,
  count: Type.Integer({ minimum: 0 }),
  share: Type.Number({ minimum: 0, maximum: 1 }),
});

export const DifferentialEntrySchema = Type.Object({
  label: LabelKeySchema,
  score: Type.Number({ minimum: 0, maximum: 1 }),
  evidence: Type.Optional(Type.String()),
});
export type DifferentialEntry = Static<typeof DifferentialEntrySchema>;

export const SummarySchema = Type.Object({
  finding: LocalisedTextSchema,
  /** False when the field could not be assessed (blank, over-stained, no usable signal). */
  assessable: Type.Boolean(),
  gram: Type.Object({ positive: Type.Integer({ minimum: 0 }), negative: Type.Integer({ minimum: 0 }) }),
  morphotypes: Type.Array(MorphotypeShareSchema),
  differential: Type.Array(DifferentialEntrySchema),
  /** Counts by label, including red cells. */
  counts: Type.Record(Type.String(), Type.Integer({ minimum: 0 })),
});
export type Summary = Static<typeof SummarySchema>;

export const ImageInfoSchema = Type.Object({
  width: Type.Integer(),
  height: Type.Integer(),
  sha256: Type.String(),
  format: Type.String(),
  micronsPerPixel: Type.Union([Type.Number(), Type.Null()]),
  scaleSource: ScaleSourceSchema,
});

export const EngineInfoSchema = Type.Object({
  name: Type.String(),
  version: Type.String(),
  model: Type.Union([
    Type.Null(),
    Type.Object({ id: Type.String(), name: Type.String(), version: Type.String(), sha256: Type.String() }),
  ]),
});
export type EngineInfo = Static<typeof EngineInfoSchema>;

export const TimingsSchema = Type.Object(
  {
    decodeMs: Type.Number(),
    inferMs: Type.Number(),
    totalMs: Type.Number(),
    stages: Type.Optional(Type.Record(Type.String(), Type.Number())),
  },
  { additionalProperties: true },
);

export const StoredImageSchema = Type.Object({
  status: Type.Union([Type.Literal('retained'), Type.Literal('purged'), Type.Literal('not-retained')]),
  purgedAt: Type.Union([Type.String(), Type.Null()]),
});
export type StoredImage = Static<typeof StoredImageSchema>;

export const AnalysisResultSchema = Type.Object(
  {
    id: Type.String(),
    createdAt: Type.String({ format: 'date-time' }),
    specimen: Type.Union([Type.String(), Type.Null()]),
    profile: Type.Union([Type.String(), Type.Null()]),
    image: ImageInfoSchema,
    engine: EngineInfoSchema,
    detections: Type.Array(DetectionSchema),
    summary: SummarySchema,
    timings: TimingsSchema,
    review: Type.Optional(Type.Unknown()),
    /**
     * Whether the original image is kept (GET /api/v1/analyses/{id}/original.png serves it), was
     * deleted at the end of its retention period, or was never retained. Set by the server on
     * responses; not part of the engine's output.
     */
    storedImage: Type.Optional(StoredImageSchema),
  },
  { $id: 'AnalysisResult' },
);
export type AnalysisResult = Static<typeof AnalysisResultSchema>;
