/**
 * Specimens and the report model: a specimen's fields with their reviewed detections, the pooled
 * summary, status and sign-off — everything the PDF, FHIR, CSV and JSON outputs are made from.
 */
import type { EngineInfo, Summary } from '../domain/analysis-result.js';
import type {
  PersonRefSchema,
  ReportStatus,
  ReviewChanges,
  ReviewedDetection,
  SignOff,
  Specimen,
  SpecimenCreate,
  SpecimenSummary,
} from '../domain/specimen.js';
import type { Static } from '@sinclair/typebox';
import { originalAsReviewed, unchanged } from '../analysis/review.js';
import { poolSpecimen } from '../analysis/pool-specimen.js';
import { AppError } from '../errors.js';
import type { AnalysesRepository, StoredAnalysis } from '../store/analyses.repository.js';
import type { ReviewRevision, ReviewsRepository } from '../store/reviews.repository.js';
import type { SpecimensRepository } from '../store/specimens.repository.js';

export interface ReportField {
  /** 1-based position in the specimen, as printed ("F1"). */
  ordinal: number;
  name: string;
  stored: StoredAnalysis;
  status: ReportStatus;
  revision: number;
  detections: ReviewedDetection[];
  summary: Summary;
  changes: ReviewChanges;
  /** Everyone who saved a correction on this field. */
  reviewers: Static<typeof PersonRefSchema>[];
  signOff: SignOff | null;
}

export interface ReportModel {
  subject: { type: 'specimen' | 'analysis'; id: string };
  specimen: Specimen | null;
  status: ReportStatus;
  signOff: SignOff | null;
  fields: ReportField[];
  pooled: Summary;
  /** Names ("F2") of fields left out of the pooled summary as unassessable. */
  excluded: string[];
  /** Distinct engine/model combinations that produced the fields. */
  engines: EngineInfo[];
  generatedAt: string;
}

const engineKey = (e: EngineInfo): string => `${e.name}@${e.version}#${e.model?.sha256 ?? ''}`;

/** The state of one field after its review revisions (revision 0 is the engine's output). */
export function fieldState(
  stored: StoredAnalysis,
  revisions: readonly ReviewRevision[],
): Pick<ReportField, 'revision' | 'detections' | 'summary' | 'changes' | 'reviewers' | 'signOff'> {
  const corrections = revisions.filter((r) => r.action === 'correction' && r.detections && r.summary);
  const last = corrections.at(-1);
  const signed = revisions.find((r) => r.action === 'sign-off');
  const reviewers = new Map<string, { id: string; name: string }>();
  for (const r of corrections) reviewers.set(r.reviewer.id, r.reviewer);
  return {
    revision: revisions.at(-1)?.revision ?? 0,
    detections: last ? (last.detections as ReviewedDetection[]) : originalAsReviewed(stored.result),
    summary: last?.summary ?? stored.result.summary,
    changes: last?.changes ?? unchanged(stored.result),
    reviewers: [...reviewers.values()],
    signOff: signed
      ? {
          by: signed.reviewer,
          at: signed.at,
          method: signed.secondFactor ?? 'unknown',
          comment: signed.comment,
        }
      : null,
  };
}

export class SpecimenService {
  constructor(
    private readonly deps: {
      specimens: SpecimensRepository;
      analyses: AnalysesRepository;
      reviews: ReviewsRepository;
      now?: () => Date;
    },
  ) {}

  #now(): Date {
    return this.deps.now?.() ?? new Date();
  }

  async create(input: SpecimenCreate, createdBy: string | null): Promise<Specimen> {
    if (input.collectedAt && Date.parse(input.collectedAt) > this.#now().getTime() + 5 * 60_000)
      throw new AppError('ERR_VALIDATION', 'collectedAt lies in the future');
    return this.deps.specimens.create(
      {
        id: input.id,
        accession: input.accession,
        type: input.type,
        collectedAt: input.collectedAt ? new Date(input.collectedAt).toISOString() : null,
        createdBy,
      },
      this.#now(),
    );
  }

  get(id: string): Promise<Specimen> {
    return this.deps.specimens.require(id);
  }

  list(limit?: number): Promise<Specimen[]> {
    return this.deps.specimens.list(limit);
  }

  /** The pooled summary the API returns for a specimen. */
  async summary(id: string): Promise<SpecimenSummary> {
    const model = await this.reportForSpecimen(id);
    return {
      specimen: model.specimen!,
      fields: model.fields.map((f) => ({
        analysisId: f.stored.result.id,
        createdAt: f.stored.result.createdAt,
        status: f.status,
        revision: f.revision,
        engine: f.stored.result.engine,
        image: {
          width: f.stored.result.image.width,
          height: f.stored.result.image.height,
          micronsPerPixel: f.stored.result.image.micronsPerPixel,
          scaleSource: f.stored.result.image.scaleSource,
          retained: f.stored.imageKey !== null,
        },
        assessable: f.summary.assessable,
        finding: f.summary.finding,
        organisms: f.summary.gram.positive + f.summary.gram.negative,
        detections: f.detections.length,
      })),
      excluded: model.fields.filter((f) => model.excluded.includes(f.name)).map((f) => f.stored.result.id),
      pooled: model.pooled,
    };
  }

  async reportForSpecimen(id: string): Promise<ReportModel> {
    const specimen = await this.deps.specimens.require(id);
    const stored = await this.deps.analyses.listBySpecimen(id);
    return this.#model({ type: 'specimen', id }, specimen, stored, specimen.status, specimen.signOff);
  }

  /** A report of one field; a field that belongs to a specimen is reported with its specimen ids. */
  async reportForAnalysis(id: string): Promise<ReportModel> {
    const stored = await this.deps.analyses.requireStored(id);
    const specimen = stored.result.specimen ? await this.deps.specimens.get(stored.result.specimen) : null;
    const model = await this.#model({ type: 'analysis', id }, specimen, [stored], stored.status, null);
    const field = model.fields[0];
    const status: ReportStatus = specimen?.status === 'final' ? 'final' : field.status;
    return {
      ...model,
      status,
      signOff: field.signOff ?? (specimen?.status === 'final' ? specimen.signOff : null),
    };
  }

  /** Resolves an id given on the command line: a specimen first, else an analysis. */
  async reportFor(id: string): Promise<ReportModel> {
    if (await this.deps.specimens.get(id)) return this.reportForSpecimen(id);
    if (await this.deps.analyses.getStored(id)) return this.reportForAnalysis(id);
    throw new AppError('ERR_NOT_FOUND', `No specimen or analysis with id ${id}`);
  }

  async #model(
    subject: ReportModel['subject'],
    specimen: Specimen | null,
    stored: readonly StoredAnalysis[],
    status: ReportStatus,
    signOff: SignOff | null,
  ): Promise<ReportModel> {
    const revisions = await this.deps.reviews.forAnalyses(stored.map((s) => s.result.id));
    const fields = stored.map((s, i): ReportField => {
      const state = fieldState(s, revisions.get(s.result.id) ?? []);
      const fieldFinal = s.status === 'final' || specimen?.status === 'final';
      return {
        ordinal: i + 1,
        name: `F${i + 1}`,
        stored: s,
        status: fieldFinal ? 'final' : 'preliminary',
        ...state,
      };
    });
    const { pooled, excluded } = poolSpecimen(
      fields.map((f) => ({ name: f.name, detections: f.detections, summary: f.summary })),
    );
    const engines = new Map<string, EngineInfo>();
    for (const f of fields) engines.set(engineKey(f.stored.result.engine), f.stored.result.engine);
    return {
      subject,
      specimen,
      status,
      signOff,
      fields,
      pooled,
      excluded,
      engines: [...engines.values()],
      generatedAt: this.#now().toISOString(),
    };
  }
}
