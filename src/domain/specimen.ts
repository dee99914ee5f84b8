/**
 * Specimens, reviews and sign-off: the contract shared by the API, the web review screen, the CLI
 * and the reports. Declared as TypeBox schemas so the OpenAPI document and the types cannot drift.
 */
import { Type, type Static } from '@sinclair/typebox';
import {
  BoxSchema,
  DetectionSchema,
  EngineInfoSchema,
  LabelKeySchema,
  MorphotypeKeySchema,
  SummarySchema,
} from './analysis-result.js';

/** Specimen and analysis ids: what a laboratory system would print on a label. */
export const SpecimenIdSchema = Type.String({
  minLength: 1,
  maxLength: 64,
  pattern: '^[A-Za-z0-9][A-Za-z0-9._:-]*$',
});
export const SPECIMEN_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;

export const ReportStatusSchema = Type.Union([Type.Literal('preliminary'), Type.Literal('final')]);
export type ReportStatus = Static<typeof ReportStatusSchema>;

export const SpecimenTypeSchema = Type.Union([Type.Literal('blood'), Type.Literal('other')], {
  description: "'blood' for a positive blood culture (LOINC 87969-2), 'other' for any other specimen (664-3)",
});
export type SpecimenType = Static<typeof SpecimenTypeSchema>;

export const PersonRefSchema = Type.Object({ id: Type.String(), name: Type.String() });

export const SignOffSchema = Type.Object({
  by: PersonRefSchema,
  at: Type.String({ format: 'date-time' }),
  /** How the signer's second factor was established ('totp', 'oidc-amr:…', 'single-user', …). */
  method: Type.String(),
  comment: Type.Union([Type.String(), Type.Null()]),
});
export type SignOff = Static<typeof SignOffSchema>;

export const SpecimenSchema = Type.Object(
  {
    id: Type.String(),
    accession: Type.Union([Type.String(), Type.Null()]),
    type: SpecimenTypeSchema,
    collectedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    status: ReportStatusSchema,
    /** Changes whenever a field is added or the specimen is signed off; send it back with sign-off. */
    version: Type.Integer({ minimum: 0 }),
    createdAt: Type.String({ format: 'date-time' }),
    updatedAt: Type.String({ format: 'date-time' }),
    signOff: Type.Union([SignOffSchema, Type.Null()]),
  },
  { $id: 'Specimen' },
);
export type Specimen = Static<typeof SpecimenSchema>;

export const SpecimenCreateSchema = Type.Object(
  {
    id: SpecimenIdSchema,
    accession: Type.Optional(
      Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9][A-Za-z0-9._:/-]*$' }),
    ),
    type: Type.Optional(SpecimenTypeSchema),
    collectedAt: Type.Optional(Type.String({ format: 'date-time' })),
  },
  { additionalProperties: false },
);
export type SpecimenCreate = Static<typeof SpecimenCreateSchema>;

/** One detection as a reviewer leaves it. `from` names the engine detection it corrects (index). */
export const CorrectedDetectionSchema = Type.Object(
  {
    box: BoxSchema,
    label: LabelKeySchema,
    /** Defaults to the label's typical morphotype. */
    morphotype: Type.Optional(Type.Union([MorphotypeKeySchema, Type.Null()])),
    /**
     * Index into the engine's detections; null for a box the reviewer added. When absent, the server
     * matches the box to the engine detection it overlaps most (IoU ≥ 0.3), else treats it as added.
     */
    from: Type.Optional(Type.Union([Type.Integer({ minimum: 0 }), Type.Null()])),
  },
  {
    // Clients may send whole detections back (score, gram, explanation…); those fields are ignored:
    // the server derives score and Gram from the reviewer's label and morphotype.
    additionalProperties: true,
  },
);
export type CorrectedDetection = Static<typeof CorrectedDetectionSchema>;

export const MAX_REVIEW_DETECTIONS = 20_000;

export const ReviewRequestSchema = Type.Object(
  {
    /**
     * The revision the reviewer edited (0 = the engine's output); a stale one is refused with 409.
     * Optional, but without it a later save silently supersedes an earlier one (both stay in history).
     */
    baseRevision: Type.Optional(Type.Integer({ minimum: 0 })),
    /** The full corrected list (moves, relabels, deletions and additions); omit to keep the current one. */
    detections: Type.Optional(Type.Array(CorrectedDetectionSchema, { maxItems: MAX_REVIEW_DETECTIONS })),
    /** Sign the field off: its status becomes final (reviewer role with two factors). */
    signOff: Type.Optional(Type.Boolean()),
    comment: Type.Optional(Type.String({ maxLength: 2000 })),
  },
  { additionalProperties: false },
);
export type ReviewRequest = Static<typeof ReviewRequestSchema>;

export const ReviewChangesSchema = Type.Object({
  kept: Type.Integer({ minimum: 0 }),
  moved: Type.Integer({ minimum: 0 }),
  relabelled: Type.Integer({ minimum: 0 }),
  deleted: Type.Integer({ minimum: 0 }),
  added: Type.Integer({ minimum: 0 }),
});
export type ReviewChanges = Static<typeof ReviewChangesSchema>;

export const ReviewHistoryEntrySchema = Type.Object({
  revision: Type.Integer({ minimum: 1 }),
  action: Type.Union([Type.Literal('correction'), Type.Literal('sign-off')]),
  reviewer: PersonRefSchema,
  at: Type.String({ format: 'date-time' }),
  comment: Type.Union([Type.String(), Type.Null()]),
  changes: Type.Union([ReviewChangesSchema, Type.Null()]),
});
export type ReviewHistoryEntry = Static<typeof ReviewHistoryEntrySchema>;

/** A detection as it stands after review, with the engine detection it came from (null: added). */
export const ReviewedDetectionSchema = Type.Intersect([
  DetectionSchema,
  Type.Object({ from: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()]) }),
]);
export type ReviewedDetection = Static<typeof ReviewedDetectionSchema>;

/**
 * The review state embedded as `review` in an analysis result (GET /analyses/{id} and the answer to
 * PUT /analyses/{id}/review). `status` is 'corrected' once corrections are saved but not signed off.
 */
export const ReviewSummarySchema = Type.Object({
  status: Type.Union([Type.Literal('preliminary'), Type.Literal('corrected'), Type.Literal('final')]),
  revision: Type.Integer({ minimum: 0 }),
  /** The signer, else the latest reviewer who saved corrections. */
  reviewer: Type.Union([Type.String(), Type.Null()]),
  signedOffAt: Type.Union([Type.String(), Type.Null()]),
  updatedAt: Type.Union([Type.String(), Type.Null()]),
  comment: Type.Union([Type.String(), Type.Null()]),
  changes: ReviewChangesSchema,
  current: Type.Object({ detections: Type.Array(ReviewedDetectionSchema), summary: SummarySchema }),
});
export type ReviewSummary = Static<typeof ReviewSummarySchema>;

export const FieldReviewSchema = Type.Object(
  {
    analysisId: Type.String(),
    specimen: Type.Union([Type.String(), Type.Null()]),
    status: ReportStatusSchema,
    /** 0 while the engine's output stands unreviewed. */
    revision: Type.Integer({ minimum: 0 }),
    /** The engine's own output, never overwritten. */
    original: Type.Object({ detections: Type.Array(DetectionSchema), summary: SummarySchema }),
    /** The detections and summary as of the latest revision (send `from` back when correcting again). */
    current: Type.Object({ detections: Type.Array(ReviewedDetectionSchema), summary: SummarySchema }),
    changes: ReviewChangesSchema,
    history: Type.Array(ReviewHistoryEntrySchema),
    signOff: Type.Union([SignOffSchema, Type.Null()]),
  },
  { $id: 'FieldReview' },
);
export type FieldReview = Static<typeof FieldReviewSchema>;

/**
 * Who acts in a review: taken from the authenticated identity, never from the request body.
 * `assurance` says how the person was authenticated beyond a password ('totp', 'webauthn',
 * 'oidc-amr:mfa', …) or 'single-user' when no identity provider is configured (loopback only);
 * null means one factor only, which may review but never sign off.
 */
export interface ReviewerIdentity {
  id: string;
  name: string;
  assurance: string | null;
}

export const SpecimenSignOffSchema = Type.Object(
  {
    /** The specimen version the reviewer saw; if a field was added since, the sign-off is refused (409). */
    version: Type.Integer({ minimum: 0 }),
    comment: Type.Optional(Type.String({ maxLength: 2000 })),
  },
  { additionalProperties: false },
);
export type SpecimenSignOff = Static<typeof SpecimenSignOffSchema>;

export const PooledFieldSchema = Type.Object({
  analysisId: Type.String(),
  createdAt: Type.String({ format: 'date-time' }),
  status: ReportStatusSchema,
  revision: Type.Integer({ minimum: 0 }),
  engine: EngineInfoSchema,
  image: Type.Object({
    width: Type.Integer(),
    height: Type.Integer(),
    micronsPerPixel: Type.Union([Type.Number(), Type.Null()]),
    scaleSource: Type.String(),
    retained: Type.Boolean(),
  }),
  assessable: Type.Boolean(),
  finding: Type.Object({ en: Type.String(), ja: Type.String() }),
  organisms: Type.Integer({ minimum: 0 }),
  detections: Type.Integer({ minimum: 0 }),
});
export type PooledField = Static<typeof PooledFieldSchema>;

export const SpecimenSummarySchema = Type.Object(
  {
    specimen: SpecimenSchema,
    fields: Type.Array(PooledFieldSchema),
    /** Fields left out of the pooled summary because they could not be assessed. */
    excluded: Type.Array(Type.String()),
    /** Counts, morphotype shares, finding and differential over every assessable field. */
    pooled: SummarySchema,
  },
  { $id: 'SpecimenSummary' },
);
export type SpecimenSummary = Static<typeof SpecimenSummarySchema>;
