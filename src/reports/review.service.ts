/**
 * Review and sign-off (SPEC §1.3 `PUT /api/v1/analyses/{id}/review`): a reviewer moves, relabels,
 * deletes and adds boxes and signs a field or a whole specimen off. Every revision is appended
 * beside the engine's untouched output; status goes preliminary → final, and a final report is
 * handed to FHIR delivery.
 */
import { applyCorrections } from '../analysis/review.js';
import type { AnalysisResult } from '../domain/analysis-result.js';
import type {
  FieldReview,
  ReviewSummary,
  ReviewRequest,
  ReviewerIdentity,
  SignOff,
  Specimen,
  SpecimenSignOff,
} from '../domain/specimen.js';
import { AppError } from '../errors.js';
import { storedImageOf, type AnalysesRepository } from '../store/analyses.repository.js';
import type { NewReviewRevision, ReviewsRepository } from '../store/reviews.repository.js';
import type { SpecimensRepository } from '../store/specimens.repository.js';
import { fieldState } from './specimen.service.js';

export interface SignedOffSubject {
  type: 'specimen' | 'analysis';
  id: string;
}

export interface ReviewServiceDeps {
  analyses: AnalysesRepository;
  specimens: SpecimensRepository;
  reviews: ReviewsRepository;
  /** Called after a sign-off is stored (FHIR delivery); its failure never undoes the sign-off. */
  onSignedOff?: (subject: SignedOffSubject) => Promise<void>;
  now?: () => Date;
}

function requireSecondFactor(reviewer: ReviewerIdentity): string {
  if (!reviewer.assurance)
    throw new AppError('ERR_SECOND_FACTOR_REQUIRED', 'Signing off requires a sign-in with two factors');
  return reviewer.assurance;
}

/** The compact review state embedded as `review` in an analysis result. */
export function toReviewSummary(review: FieldReview): ReviewSummary {
  const corrections = review.history.filter((h) => h.action === 'correction');
  const last = review.history.at(-1);
  return {
    status: review.status === 'final' ? 'final' : corrections.length ? 'corrected' : 'preliminary',
    revision: review.revision,
    reviewer: review.signOff?.by.name ?? corrections.at(-1)?.reviewer.name ?? null,
    signedOffAt: review.signOff?.at ?? null,
    updatedAt: last?.at ?? review.signOff?.at ?? null,
    comment: review.signOff?.comment ?? last?.comment ?? null,
    changes: review.changes,
    current: review.current,
  };
}

export class ReviewService {
  constructor(private readonly deps: ReviewServiceDeps) {}

  #now(): Date {
    return this.deps.now?.() ?? new Date();
  }

  async getFieldReview(analysisId: string): Promise<FieldReview> {
    const stored = await this.deps.analyses.requireStored(analysisId);
    const revisions = await this.deps.reviews.forAnalysis(analysisId);
    const state = fieldState(stored, revisions);
    const specimen = stored.result.specimen ? await this.deps.specimens.get(stored.result.specimen) : null;
    const final = stored.status === 'final' || specimen?.status === 'final';
    return {
      analysisId,
      specimen: stored.result.specimen,
      status: final ? 'final' : 'preliminary',
      revision: state.revision,
      original: { detections: stored.result.detections, summary: stored.result.summary },
      current: { detections: state.detections, summary: state.summary },
      changes: state.changes,
      history: revisions.map((r) => ({
        revision: r.revision,
        action: r.action,
        reviewer: r.reviewer,
        at: r.at,
        comment: r.comment,
        changes: r.changes,
      })),
      signOff: state.signOff ?? (specimen?.status === 'final' ? specimen.signOff : null),
    };
  }

  /**
   * The engine's result as stored, with its review state under `review` once there is one (a field
   * nobody has reviewed is returned exactly as analysed).
   */
  async resultWithReview(analysisId: string): Promise<AnalysisResult> {
    const review = await this.getFieldReview(analysisId);
    const stored = await this.deps.analyses.requireStored(analysisId);
    const result = { ...stored.result, storedImage: storedImageOf(stored) };
    if (review.revision === 0 && review.status === 'preliminary') return result;
    return { ...result, review: toReviewSummary(review) };
  }

  /**
   * Saves corrections and/or signs one field off. Refused with 409 when the field or its specimen is
   * final, or when `baseRevision` is not the latest (someone else saved first).
   */
  async reviewField(
    analysisId: string,
    request: ReviewRequest,
    reviewer: ReviewerIdentity,
  ): Promise<FieldReview> {
    const stored = await this.deps.analyses.requireStored(analysisId);
    if (!request.detections && !request.signOff)
      throw new AppError('ERR_VALIDATION', 'Send corrected detections, signOff: true, or both');
    if (request.signOff) requireSecondFactor(reviewer);
    if (stored.status === 'final')
      throw new AppError('ERR_CONFLICT', `Analysis ${analysisId} is signed off; it can no longer change`);
    const specimenId = stored.result.specimen;
    if (specimenId && (await this.deps.specimens.get(specimenId))?.status === 'final')
      throw new AppError(
        'ERR_CONFLICT',
        `Specimen ${specimenId} is signed off; its fields can no longer change`,
      );
    const latest = await this.deps.reviews.latestRevision(analysisId);
    if (request.baseRevision !== undefined && request.baseRevision !== latest)
      throw new AppError(
        'ERR_CONFLICT',
        `The field is at revision ${latest}, not ${request.baseRevision}; reload and review again`,
        { details: { currentRevision: latest } },
      );
    const at = this.#now().toISOString();
    let revision = latest;
    // Each step is the next revision of this field, by this reviewer, at one shared time.
    const appendRevision = (
      step: Pick<NewReviewRevision, 'action' | 'detections' | 'summary' | 'changes' | 'comment'>,
    ) =>
      this.deps.reviews.append({
        analysisId,
        specimenId,
        revision: ++revision,
        reviewer: { id: reviewer.id, name: reviewer.name },
        secondFactor: reviewer.assurance,
        at,
        ...step,
      });
    if (request.detections) {
      const applied = applyCorrections(stored.result, request.detections);
      await appendRevision({
        action: 'correction',
        detections: applied.detections,
        summary: applied.summary,
        changes: applied.changes,
        comment: request.comment ?? null,
      });
    }
    if (request.signOff) {
      await appendRevision({
        action: 'sign-off',
        detections: null,
        summary: null,
        changes: null,
        comment: request.detections ? null : (request.comment ?? null),
      });
      await this.deps.analyses.markFinal({ analysisId });
      // A field of a specimen is reported through its specimen; only a lone field is delivered alone.
      if (!specimenId) await this.#afterSignOff({ type: 'analysis', id: analysisId });
    }
    return this.getFieldReview(analysisId);
  }

  /**
   * Signs a whole specimen off at the version the reviewer saw: every field becomes final, no more
   * fields can join, and the report goes to FHIR delivery.
   */
  async signOffSpecimen(
    specimenId: string,
    request: SpecimenSignOff,
    reviewer: ReviewerIdentity,
  ): Promise<Specimen> {
    const method = requireSecondFactor(reviewer);
    const fields = await this.deps.analyses.listBySpecimen(specimenId, 1);
    await this.deps.specimens.require(specimenId);
    if (fields.length === 0)
      throw new AppError('ERR_CONFLICT', `Specimen ${specimenId} has no fields to sign off`);
    const signOff: SignOff = {
      by: { id: reviewer.id, name: reviewer.name },
      at: this.#now().toISOString(),
      method,
      comment: request.comment ?? null,
    };
    const specimen = await this.deps.specimens.signOff(specimenId, request.version, signOff);
    await this.deps.analyses.markFinal({ specimenId });
    await this.#afterSignOff({ type: 'specimen', id: specimenId });
    return specimen;
  }

  async #afterSignOff(subject: SignedOffSubject): Promise<void> {
    try {
      await this.deps.onSignedOff?.(subject);
    } catch {
      // Delivery records its own failures and retries; the sign-off itself stands.
    }
  }
}
