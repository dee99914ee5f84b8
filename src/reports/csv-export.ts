/**
 * CSV exports: one row per field (analyses) or per detection. Every cell is quoted, and text that a
 * spreadsheet would run as a formula (= + - @, tab, CR) is prefixed with an apostrophe (OWASP CSV
 * injection guidance), so an exported file can be opened safely.
 */
import type { ReportModel } from './specimen.service.js';

/** Quotes a cell and neutralises formula triggers in text cells. Numbers are written as numbers. */
export function csvCell(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined) return '""';
  if (typeof value === 'number' || typeof value === 'boolean') return `"${String(value)}"`;
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return `"${safe.replace(/"/g, '""')}"`;
}

const row = (cells: readonly (string | number | boolean | null | undefined)[]): string =>
  cells.map(csvCell).join(',');

export const ANALYSES_CSV_HEADER = [
  'specimen',
  'accession',
  'field',
  'analysis_id',
  'created_at',
  'status',
  'revision',
  'engine',
  'engine_version',
  'model',
  'model_version',
  'width',
  'height',
  'microns_per_pixel',
  'scale_source',
  'image_retained',
  'assessable',
  'finding_en',
  'finding_ja',
  'gram_positive',
  'gram_negative',
  'red_cells',
  'detections',
  'top_label',
  'top_score',
] as const;

export const DETECTIONS_CSV_HEADER = [
  'specimen',
  'field',
  'analysis_id',
  'index',
  'origin',
  'x1',
  'y1',
  'x2',
  'y2',
  'label',
  'morphotype',
  'gram',
  'score',
] as const;

/** One row per field, with its reviewed summary. Lines end with CRLF (RFC 4180). */
export function renderAnalysesCsv(model: ReportModel): string {
  const lines = [row(ANALYSES_CSV_HEADER)];
  for (const f of model.fields) {
    const r = f.stored.result;
    const top = f.summary.differential[0];
    lines.push(
      row([
        model.specimen?.id ?? r.specimen,
        model.specimen?.accession ?? null,
        f.name,
        r.id,
        r.createdAt,
        f.status,
        f.revision,
        r.engine.name,
        r.engine.version,
        r.engine.model?.name ?? null,
        r.engine.model?.version ?? null,
        r.image.width,
        r.image.height,
        r.image.micronsPerPixel,
        r.image.scaleSource,
        f.stored.imageKey !== null,
        f.summary.assessable,
        f.summary.finding.en,
        f.summary.finding.ja,
        f.summary.gram.positive,
        f.summary.gram.negative,
        f.summary.counts.rbc ?? 0,
        f.detections.length,
        top?.label ?? null,
        top?.score ?? null,
      ]),
    );
  }
  return `${lines.join('\r\n')}\r\n`;
}

/** One row per reviewed detection; `origin` is the engine detection index, empty when a reviewer added it. */
export function renderDetectionsCsv(model: ReportModel): string {
  const lines = [row(DETECTIONS_CSV_HEADER)];
  for (const f of model.fields) {
    f.detections.forEach((d, i) => {
      lines.push(
        row([
          model.specimen?.id ?? f.stored.result.specimen,
          f.name,
          f.stored.result.id,
          i,
          d.from,
          d.box[0],
          d.box[1],
          d.box[2],
          d.box[3],
          d.label,
          d.morphotype,
          d.gram,
          d.score,
        ]),
      );
    });
  }
  return `${lines.join('\r\n')}\r\n`;
}
