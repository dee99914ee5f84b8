/**
 * The PDF report (pdfkit): ids and times, engine and model, the finding in Japanese and English,
 * counts, differential with evidence, review and sign-off, the decision-support disclaimer, then the
 * fields with annotated thumbnails. A "PRELIMINARY / 仮報告" watermark crosses every page until a
 * reviewer signs off. One embedded Japanese-capable font is used for all text.
 */
import type { EngineInfo } from '../domain/analysis-result.js';
import { LABELS, MORPHOTYPES, isLabelKey } from '../domain/taxonomy.js';
import { AppError } from '../errors.js';
import type { FieldImage } from './annotated-image.js';
import type { ModelCard } from '../models/model-card.js';
import type { ReportFont } from './fonts.js';
import type { ReportModel } from './specimen.service.js';

export const DISCLAIMER_EN =
  'Decision support only. gramscope suggests a Gram finding and a ranked differential from images; it does not identify organisms. ' +
  'Results are preliminary until a qualified reviewer signs them off, and must be confirmed by culture and the laboratory’s own methods.';
export const DISCLAIMER_JA =
  '本結果は診療支援のための参考情報であり、菌種を同定するものではありません。有資格者による確認（承認）までは仮報告です。培養検査および検査室の標準法で確認してください。';

export interface PdfReportOptions {
  font: ReportFont;
  /** IANA zone for printed times; '' for the machine zone. */
  timeZone: string;
  siteName: string;
  /** One entry per field (same order); null where no thumbnail is drawn. */
  images: readonly (FieldImage | null)[];
  /** Cards of the models that produced the fields, when still registered (printed in short). */
  cards?: readonly ModelCard[];
}

/** A card field cut to a readable length for the report (the full card is one request away). */
const excerpt = (text: string, max = 320): string => {
  const t = text.replace(/\s+/g, ' ').trim();
  return t.length > max ? `${t.slice(0, max - 1)}…` : t || '—';
};

const PAGE = { width: 595.28, height: 841.89, margin: 42 } as const;
const CONTENT_WIDTH = PAGE.width - 2 * PAGE.margin;
const BOTTOM = PAGE.height - PAGE.margin - 18;

/** Formats an ISO time in the report's zone as "2026-03-01 09:30:00 JST". */
export function formatReportTime(iso: string, timeZone: string): string {
  let fmt: Intl.DateTimeFormat;
  try {
    fmt = new Intl.DateTimeFormat('en-CA', {
      ...(timeZone ? { timeZone } : {}),
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
      timeZoneName: 'short',
    });
  } catch (err) {
    throw new AppError('ERR_CONFIG_INVALID', `GRAMSCOPE_REPORT_TIMEZONE "${timeZone}" is not a time zone`, {
      cause: err,
    });
  }
  const p = Object.fromEntries(fmt.formatToParts(new Date(iso)).map((x) => [x.type, x.value]));
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second} ${p.timeZoneName ?? ''}`.trim();
}

export function describeEngine(e: EngineInfo): string {
  const model = e.model
    ? `model ${e.model.name} version ${e.model.version} (id ${e.model.id}, sha256 ${e.model.sha256.slice(0, 16)}…)`
    : 'no trained model (classical image analysis)';
  return `engine ${e.name} version ${e.version}; ${model}`;
}

const labelNames = (label: string): { en: string; ja: string } =>
  isLabelKey(label) ? { en: LABELS[label].en, ja: LABELS[label].ja } : { en: label, ja: label };

/**
 * @example
 * const pdf = await renderPdfReport(model, { font: findJapaneseFont(''), timeZone: 'Asia/Tokyo', siteName: '', images });
 */
export async function renderPdfReport(model: ReportModel, options: PdfReportOptions): Promise<Buffer> {
  const time = (iso: string): string => formatReportTime(iso, options.timeZone);
  const final = model.status === 'final';
  // pdfkit and its font engine are large; a server that never prints a report never loads them.
  const { default: PDFDocument } = await import('pdfkit');
  const doc = new PDFDocument({
    size: 'A4',
    margin: PAGE.margin,
    bufferPages: true,
    info: {
      Title: `Gram stain report ${model.subject.id}`,
      Author: options.siteName || 'gramscope',
      Creator: 'gramscope',
      CreationDate: new Date(model.generatedAt),
    },
  });
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  doc.registerFont('body', options.font.path, options.font.face ?? '');
  doc.font('body');

  const ensure = (height: number): void => {
    if (doc.y + height > BOTTOM) doc.addPage();
  };
  const heading = (text: string): void => {
    ensure(40);
    doc.moveDown(0.6).fontSize(12).fillColor('#1f3b57').text(text, PAGE.margin, doc.y).fillColor('black');
    doc
      .moveTo(PAGE.margin, doc.y + 1)
      .lineTo(PAGE.margin + CONTENT_WIDTH, doc.y + 1)
      .strokeColor('#9db3c8')
      .lineWidth(0.6)
      .stroke();
    doc.moveDown(0.3);
  };
  /** A simple table: columns as fractions of the width; rows wrap and break across pages. */
  const table = (
    widths: readonly number[],
    header: readonly string[],
    rows: readonly string[][],
    size = 8.5,
  ): void => {
    const xs = widths.reduce<number[]>(
      (acc, _w, i) => [...acc, i === 0 ? PAGE.margin : acc[i - 1] + widths[i - 1] * CONTENT_WIDTH],
      [],
    );
    const draw = (cells: readonly string[], bold: boolean): void => {
      doc.fontSize(size);
      const heights = cells.map((c, i) => doc.heightOfString(c, { width: widths[i] * CONTENT_WIDTH - 4 }));
      const h = Math.max(...heights) + 3;
      ensure(h);
      const y = doc.y;
      if (bold)
        doc
          .rect(PAGE.margin, y - 1, CONTENT_WIDTH, h)
          .fill('#eef3f7')
          .fillColor('black');
      cells.forEach((c, i) => doc.text(c, xs[i], y, { width: widths[i] * CONTENT_WIDTH - 4 }));
      doc.x = PAGE.margin;
      doc.y = y + h;
    };
    draw(header, true);
    for (const row of rows) draw(row, false);
  };
  const pairs = (items: readonly [string, string][]): void => {
    doc.fontSize(9);
    for (const [k, v] of items) {
      const h = Math.max(doc.heightOfString(v, { width: CONTENT_WIDTH * 0.68 }), 11);
      ensure(h);
      const y = doc.y;
      doc
        .fillColor('#555555')
        .text(k, PAGE.margin, y, { width: CONTENT_WIDTH * 0.3 })
        .fillColor('black');
      doc.text(v, PAGE.margin + CONTENT_WIDTH * 0.32, y, { width: CONTENT_WIDTH * 0.68 });
      doc.x = PAGE.margin;
      doc.y = y + h + 1;
    }
  };

  // Header and status.
  doc.fontSize(17).text('Gram stain report  グラム染色報告書', PAGE.margin, PAGE.margin);
  if (options.siteName) doc.fontSize(9).fillColor('#555555').text(options.siteName).fillColor('black');
  doc.moveDown(0.4);
  const statusText = final
    ? 'FINAL — reviewed and signed off  確定報告'
    : 'PRELIMINARY — not signed off by a reviewer  仮報告（未確定）';
  const statusY = doc.y;
  doc.rect(PAGE.margin, statusY, CONTENT_WIDTH, 22).fill(final ? '#e3f1e5' : '#fdecea');
  doc
    .fillColor(final ? '#1e5a2a' : '#9b1c1c')
    .fontSize(11)
    .text(statusText, PAGE.margin + 8, statusY + 6);
  doc.fillColor('black');
  doc.y = statusY + 30;

  const specimen = model.specimen;
  pairs([
    ['Specimen ID  検体ID', specimen?.id ?? model.fields[0]?.stored.result.specimen ?? '—'],
    ['Accession  受付番号', specimen?.accession ?? '—'],
    [
      'Specimen  検体種別',
      specimen?.type === 'other'
        ? 'Other specimen  その他検体'
        : 'Positive blood culture  血液培養陽性ボトル',
    ],
    ['Collected  採取日時', specimen?.collectedAt ? time(specimen.collectedAt) : '—'],
    ['Report subject  報告対象', `${model.subject.type} ${model.subject.id}`],
    [
      'Fields  視野数',
      `${model.fields.length}${model.excluded.length ? ` (${model.excluded.length} not assessable: ${model.excluded.join(', ')})` : ''}`,
    ],
    ['First field analysed  初回解析', model.fields[0] ? time(model.fields[0].stored.result.createdAt) : '—'],
    ['Report generated  作成日時', time(model.generatedAt)],
  ]);

  heading('Finding  所見');
  doc.fontSize(15).text(model.pooled.finding.en, { width: CONTENT_WIDTH });
  doc.fontSize(15).text(model.pooled.finding.ja, { width: CONTENT_WIDTH });
  const rbc = model.pooled.counts.rbc ?? 0;
  doc
    .moveDown(0.3)
    .fontSize(9)
    .text(
      `Gram-positive organisms ${model.pooled.gram.positive} · Gram-negative organisms ${model.pooled.gram.negative} · Red cells ${rbc} — pooled over ${model.fields.length - model.excluded.length} field(s)`,
    );

  heading('Morphotypes  形態別集計');
  if (model.pooled.morphotypes.length === 0) doc.fontSize(9).text('No organisms detected  菌体を認めず');
  else
    table(
      [0.42, 0.34, 0.12, 0.12],
      ['Morphotype', '形態', 'Count', 'Share'],
      model.pooled.morphotypes.map((m) => [
        MORPHOTYPES[m.morphotype].en,
        MORPHOTYPES[m.morphotype].ja,
        String(m.count),
        `${Math.round(m.share * 100)}%`,
      ]),
    );

  heading('Differential (decision support)  鑑別候補（参考）');
  if (model.pooled.differential.length === 0) doc.fontSize(9).text('No differential: no organisms to weigh.');
  else
    table(
      [0.05, 0.22, 0.2, 0.08, 0.45],
      ['#', 'Organism', '菌名', 'Score', 'Evidence'],
      model.pooled.differential.slice(0, 10).map((d, i) => {
        const n = labelNames(d.label);
        return [String(i + 1), n.en, n.ja, d.score.toFixed(2), d.evidence ?? ''];
      }),
      8,
    );

  heading('Engine and model  解析エンジン・モデル');
  pairs(
    model.engines.map((e, i) => [
      `Engine ${model.engines.length > 1 ? i + 1 : ''}`.trim(),
      describeEngine(e),
    ]),
  );
  for (const card of options.cards ?? []) {
    const metrics = Object.entries(card.validation.metrics)
      .map(([k, v]) => `${k} ${Number(v.toFixed(4))}`)
      .join(', ');
    pairs([
      [`Model card  モデルカード`, `${card.name} ${card.version} (${card.id})`],
      ['Intended use  使用目的', excerpt(card.intendedUse)],
      ['Training data  学習データ', excerpt(card.training.description)],
      ['Validation  検証', `${excerpt(card.validation.description, 240)}${metrics ? ` — ${metrics}` : ''}`],
    ]);
  }
  pairs([
    [
      'Model card',
      model.engines.some((e) => e.model)
        ? 'The full model card (training data, intended use, validation) is served at /api/v1/models/{id}.'
        : 'Classical morphology: stain separation, segmentation, size and shape in μm, arrangement. No trained weights.',
    ],
    [
      'Scale  スケール',
      [
        ...new Set(
          model.fields.map(
            (f) =>
              `${f.stored.result.image.micronsPerPixel ?? '?'} μm/px (${f.stored.result.image.scaleSource})`,
          ),
        ),
      ].join('; '),
    ],
  ]);

  heading('Review and sign-off  確認・承認');
  const corrected = model.fields.filter(
    (f) =>
      f.revision > 0 && (f.changes.moved || f.changes.relabelled || f.changes.deleted || f.changes.added),
  );
  const reviewers = [...new Map(model.fields.flatMap((f) => f.reviewers).map((r) => [r.id, r])).values()];
  pairs([
    ['Status  状態', final ? 'final  確定' : 'preliminary  仮'],
    ['Reviewed by  確認者', reviewers.length ? reviewers.map((r) => r.name).join(', ') : '—'],
    [
      'Corrections  修正',
      corrected.length
        ? corrected
            .map(
              (f) =>
                `${f.name}: ${f.changes.moved} moved, ${f.changes.relabelled} relabelled, ${f.changes.deleted} deleted, ${f.changes.added} added`,
            )
            .join('; ')
        : 'none — engine output as analysed',
    ],
    ['Signed off by  承認者', model.signOff ? model.signOff.by.name : '— (not signed off  未承認)'],
    ['Signed off at  承認日時', model.signOff ? time(model.signOff.at) : '—'],
    [
      'Second factor  二要素認証',
      model.signOff
        ? model.signOff.method === 'single-user'
          ? 'single-user mode: no identity provider configured, signer not verified'
          : model.signOff.method
        : '—',
    ],
    ...(model.signOff?.comment ? ([['Comment  コメント', model.signOff.comment]] as [string, string][]) : []),
  ]);

  heading('Disclaimer  注意事項');
  doc.fontSize(8.5).text(DISCLAIMER_EN, { width: CONTENT_WIDTH });
  doc.moveDown(0.2).text(DISCLAIMER_JA, { width: CONTENT_WIDTH });

  // Fields: a table, then the annotated thumbnails two per row.
  doc.addPage();
  heading('Fields  視野');
  table(
    [0.06, 0.25, 0.17, 0.32, 0.1, 0.1],
    ['', 'Analysis', 'Analysed', 'Finding', 'Organisms', 'Status'],
    model.fields.map((f) => [
      f.name,
      f.stored.result.id,
      time(f.stored.result.createdAt),
      `${f.summary.finding.en}\n${f.summary.finding.ja}`,
      String(f.summary.gram.positive + f.summary.gram.negative),
      `${f.status}${f.revision ? ` r${f.revision}` : ''}`,
    ]),
  );
  const shown = model.fields.map((f, i) => ({ f, img: options.images[i] ?? null })).filter((x) => x.img);
  if (shown.length < model.fields.length)
    doc
      .moveDown(0.3)
      .fontSize(8)
      .text(`${model.fields.length - shown.length} field(s) without a thumbnail in this report.`);
  const blank = shown.filter((x) => !x.img!.retained);
  if (blank.length > 0)
    doc
      .moveDown(0.3)
      .fontSize(8)
      .fillColor('#664d03')
      .text(
        blank.every((x) => x.f.stored.imagePurgedAt)
          ? 'Some field images were deleted at the end of their retention period: their boxes are drawn on a blank canvas.'
          : 'Some field images were not retained (GRAMSCOPE_RETAIN_IMAGES off) or have been deleted after their retention period: their boxes are drawn on a blank canvas.',
      )
      .fillColor('black');
  const cellW = (CONTENT_WIDTH - 12) / 2;
  const cellH = 220;
  for (let i = 0; i < shown.length; i += 2) {
    ensure(cellH + 30);
    const y = doc.y + 6;
    for (let k = 0; k < 2 && i + k < shown.length; k++) {
      const { f, img } = shown[i + k];
      const x = PAGE.margin + k * (cellW + 12);
      doc.image(img!.png, x, y, { fit: [cellW, cellH], align: 'center' });
      const mpp = f.stored.result.image.micronsPerPixel;
      doc
        .fontSize(7.5)
        .text(
          `${f.name} · ${f.stored.result.image.width}×${f.stored.result.image.height} px · ${mpp ?? '?'} μm/px (${f.stored.result.image.scaleSource}) · ${f.detections.length} boxes${img!.retained ? '' : ' · image not retained'}`,
          x,
          y + cellH + 3,
          { width: cellW },
        );
    }
    doc.x = PAGE.margin;
    doc.y = y + cellH + 26;
  }

  // Footer and watermark on every page.
  const range = doc.bufferedPageRange();
  for (let p = range.start; p < range.start + range.count; p++) {
    doc.switchToPage(p);
    doc
      .fontSize(7)
      .fillColor('#777777')
      .text(
        `gramscope · ${model.subject.type} ${model.subject.id} · ${final ? 'FINAL' : 'PRELIMINARY'} · generated ${time(model.generatedAt)} · page ${p - range.start + 1} of ${range.count}`,
        PAGE.margin,
        PAGE.height - PAGE.margin - 8,
        { width: CONTENT_WIDTH, align: 'center', lineBreak: false },
      )
      .fillColor('black');
    if (!final) {
      doc.save();
      doc.rotate(-35, { origin: [PAGE.width / 2, PAGE.height / 2] });
      doc
        .fontSize(54)
        .fillColor('#c62828')
        .fillOpacity(0.13)
        .text('PRELIMINARY 仮報告', 0, PAGE.height / 2 - 30, {
          width: PAGE.width,
          align: 'center',
          lineBreak: false,
        });
      doc.restore();
      doc.fillOpacity(1).fillColor('black');
    }
  }
  doc.end();
  return done;
}
