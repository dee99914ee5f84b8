/**
 * Report outputs from one report model: PDF, FHIR R4 bundle, CSV (fields or detections), JSON of the
 * full result, and the annotated PNG of a field. Shared by the API routes and the CLI.
 */
import type { ModelCard } from '../models/model-card.js';
import type { Config } from '../config/config.schema.js';
import type { BlobStore } from '../store/blob-store.js';
import { renderFieldImage, type FieldImage } from './annotated-image.js';
import { renderAnalysesCsv, renderDetectionsCsv } from './csv-export.js';
import { buildFhirBundle, type FhirProfile } from './fhir/fhir-r4.js';
import { findJapaneseFont } from './fonts.js';
import { renderPdfReport } from './pdf-report.js';
import type { ReportModel, SpecimenService } from './specimen.service.js';
import type { Bundle } from 'fhir/r4.js';

/** Thumbnails drawn in one PDF; further fields are listed without one. */
export const MAX_PDF_THUMBNAILS = 24;
/** Annotated fields embedded in one FHIR bundle as Media. */
export const MAX_FHIR_MEDIA = 12;

export type ReportFormat = 'pdf' | 'fhir' | 'csv' | 'detections-csv' | 'json';

export interface ReportJson {
  subject: ReportModel['subject'];
  status: ReportModel['status'];
  generatedAt: string;
  specimen: ReportModel['specimen'];
  signOff: ReportModel['signOff'];
  pooled: ReportModel['pooled'];
  excluded: string[];
  engines: ReportModel['engines'];
  fields: {
    name: string;
    status: string;
    revision: number;
    imageRetained: boolean;
    /** When the retained image was deleted at the end of its retention period; null otherwise. */
    imagePurgedAt: string | null;
    /** The engine's result exactly as stored. */
    analysis: ReportModel['fields'][number]['stored']['result'];
    /** The detections and summary after review. */
    reviewed: { detections: ReportModel['fields'][number]['detections']; summary: ReportModel['pooled'] };
    changes: ReportModel['fields'][number]['changes'];
    reviewers: ReportModel['fields'][number]['reviewers'];
    signOff: ReportModel['fields'][number]['signOff'];
  }[];
}

export class ReportService {
  constructor(
    private readonly deps: {
      config: Readonly<Config>;
      blobs: BlobStore;
      specimens: SpecimenService;
      /** The card of a registered model, or null once it was removed (the PDF prints it in short). */
      modelCard?: (id: string) => Promise<ModelCard | null>;
    },
  ) {}

  model(subject: { type: 'specimen' | 'analysis'; id: string }): Promise<ReportModel> {
    return subject.type === 'specimen'
      ? this.deps.specimens.reportForSpecimen(subject.id)
      : this.deps.specimens.reportForAnalysis(subject.id);
  }

  async #images(model: ReportModel, limit: number, options: { maxSide: number; format: 'png' | 'jpeg' }) {
    const images: (FieldImage | null)[] = [];
    // One at a time: each decode and overlay holds a full field in memory.
    for (const [i, field] of model.fields.entries()) {
      images.push(
        i < limit
          ? await renderFieldImage(field, this.deps.blobs, {
              maxSide: options.maxSide,
              limits: this.deps.config.intake,
              format: options.format,
            })
          : null,
      );
    }
    return images;
  }

  async pdf(model: ReportModel): Promise<Buffer> {
    // Fail on a missing font before spending time on images.
    const font = findJapaneseFont(this.deps.config.reports.fontPath);
    const images = await this.#images(model, MAX_PDF_THUMBNAILS, { maxSide: 900, format: 'jpeg' });
    const cards: ModelCard[] = [];
    for (const e of model.engines) {
      const card = e.model && this.deps.modelCard ? await this.deps.modelCard(e.model.id) : null;
      if (card) cards.push(card);
    }
    return renderPdfReport(model, {
      font,
      timeZone: this.deps.config.reports.timeZone,
      siteName: this.deps.config.reports.siteName,
      images,
      cards,
    });
  }

  async fhir(model: ReportModel, profile: FhirProfile = this.deps.config.fhir.profile): Promise<Bundle> {
    const images = await this.#images(model, MAX_FHIR_MEDIA, { maxSide: 1024, format: 'jpeg' });
    return buildFhirBundle(model, {
      profile,
      identifierSystem: this.deps.config.fhir.identifierSystem,
      jlac10Code: this.deps.config.fhir.jlac10Code,
      images,
    });
  }

  csv(model: ReportModel, kind: 'analyses' | 'detections' = 'analyses'): string {
    return kind === 'analyses' ? renderAnalysesCsv(model) : renderDetectionsCsv(model);
  }

  json(model: ReportModel): ReportJson {
    return {
      subject: model.subject,
      status: model.status,
      generatedAt: model.generatedAt,
      specimen: model.specimen,
      signOff: model.signOff,
      pooled: model.pooled,
      excluded: model.excluded,
      engines: model.engines,
      fields: model.fields.map((f) => ({
        name: f.name,
        status: f.status,
        revision: f.revision,
        imageRetained: f.stored.imageKey !== null,
        imagePurgedAt: f.stored.imagePurgedAt,
        analysis: f.stored.result,
        reviewed: { detections: f.detections, summary: f.summary },
        changes: f.changes,
        reviewers: f.reviewers,
        signOff: f.signOff,
      })),
    };
  }

  /** The annotated PNG of one field: boxes, labels, legend and scale bar. */
  async fieldPng(analysisId: string, maxSide = 2048): Promise<{ png: Buffer; retained: boolean }> {
    const model = await this.deps.specimens.reportForAnalysis(analysisId);
    const image = await renderFieldImage(model.fields[0], this.deps.blobs, {
      maxSide,
      limits: this.deps.config.intake,
      boxLabels: true,
    });
    return { png: image.png, retained: image.retained };
  }
}
