/**
 * Annotated images: boxes drawn into the pixels (so they survive any viewer) and a legend with
 * counts composited as SVG text. Colours are per morphotype and shared with the web app.
 */
import sharp from 'sharp';
import type { Detection } from '../domain/analysis-result.js';
import { createRaster, type RasterImage } from '../domain/raster.js';
import { MORPHOTYPES, type MorphotypeKey } from '../domain/taxonomy.js';

export const MORPHOTYPE_COLOURS: Readonly<Record<MorphotypeKey, readonly [number, number, number]>> = {
  gpc_clusters: [0, 114, 178],
  gpc_chains: [86, 180, 233],
  gpc_pairs: [0, 158, 115],
  gpc: [40, 80, 160],
  gpr: [204, 121, 167],
  gnr: [213, 94, 0],
  gncb: [230, 159, 0],
  gnc: [240, 228, 66],
  yeast: [117, 112, 179],
  rbc: [150, 150, 150],
};
const UNKNOWN_COLOUR = [255, 0, 255] as const;

function drawRect(
  raster: RasterImage,
  box: readonly number[],
  colour: readonly number[],
  thickness: number,
): void {
  const { width, height, data } = raster;
  const x1 = Math.max(0, Math.floor(box[0]));
  const y1 = Math.max(0, Math.floor(box[1]));
  const x2 = Math.min(width - 1, Math.ceil(box[2]));
  const y2 = Math.min(height - 1, Math.ceil(box[3]));
  if (x2 < x1 || y2 < y1) return;
  const paint = (x: number, y: number): void => {
    const i = (y * width + x) * 3;
    data[i] = colour[0]!;
    data[i + 1] = colour[1]!;
    data[i + 2] = colour[2]!;
  };
  for (let t = 0; t < thickness; t++) {
    for (let x = x1; x <= x2; x++) {
      if (y1 + t <= y2) paint(x, y1 + t);
      if (y2 - t >= y1) paint(x, y2 - t);
    }
    for (let y = y1; y <= y2; y++) {
      if (x1 + t <= x2) paint(x1 + t, y);
      if (x2 - t >= x1) paint(x2 - t, y);
    }
  }
}

const escapeXml = (s: string): string =>
  s.replace(
    /[<>&'"]/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]!,
  );

export interface OverlayOptions {
  /** Draw a legend with per-morphotype counts and this title (e.g. the finding sentence). */
  title?: string;
  /** Longest side of the output; larger images are scaled down (boxes scale with them). */
  maxSide?: number;
  /** Micrometres per pixel of the raster; draws a scale bar when known. */
  micronsPerPixel?: number | null;
  /** Marks the scale bar as estimated rather than calibrated. */
  scaleEstimated?: boolean;
  /** Write each box's label and score beside it (skipped above `maxBoxLabels` boxes, where they would hide the field). */
  boxLabels?: boolean;
  maxBoxLabels?: number;
  /** A banner along the bottom edge, e.g. that the field image was not retained. */
  note?: string;
  /** Output format; JPEG (quality 85) keeps embedded copies small, e.g. in FHIR Media. */
  format?: 'png' | 'jpeg';
}

const SCALE_STEPS_UM = [0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500] as const;

/**
 * The scale-bar length: the largest round number of micrometres no longer than a fifth of the width.
 *
 * @example
 * chooseScaleBar(0.1, 2000); // { um: 20, px: 200 }
 */
export function chooseScaleBar(micronsPerPixel: number, width: number): { um: number; px: number } {
  const maxUm = (width / 5) * micronsPerPixel;
  const um = [...SCALE_STEPS_UM].reverse().find((s) => s <= maxUm) ?? SCALE_STEPS_UM[0];
  return { um, px: um / micronsPerPixel };
}

/**
 * A light grey field of the given size: the honest background for boxes whose image was not kept.
 */
export function createNeutralCanvas(width: number, height: number): RasterImage {
  return createRaster(width, height, new Uint8Array(width * height * 3).fill(236));
}

/**
 * Splits text into lines of at most `maxChars` characters at spaces (a word longer than a line is
 * cut), so a long finding or note stays inside its box on small fields instead of running off.
 */
export function wrapText(text: string, maxChars: number): string[] {
  const limit = Math.max(8, Math.floor(maxChars));
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    for (let w = word; w.length > 0;) {
      const room = line ? limit - line.length - 1 : limit;
      if (w.length <= room) {
        line = line ? `${line} ${w}` : w;
        w = '';
      } else if (line) {
        lines.push(line);
        line = '';
      } else {
        lines.push(w.slice(0, limit));
        w = w.slice(limit);
      }
    }
  }
  if (line) lines.push(line);
  return lines;
}

/** Average advance of a sans-serif glyph, as a share of the font size (for wrapping). */
const CHAR_WIDTH = 0.56;

function buildSvgOverlay(
  raster: RasterImage,
  detections: readonly Detection[],
  counts: Map<string, { n: number; colour: readonly number[] }>,
  options: OverlayOptions,
): string | null {
  const { width, height } = raster;
  const font = Math.max(12, Math.round(Math.min(width, 2400) / 60));
  const parts: string[] = [];
  if (options.boxLabels && detections.length <= (options.maxBoxLabels ?? 400)) {
    const small = Math.max(9, Math.round(font * 0.6));
    for (const d of detections) {
      const colour = d.morphotype ? MORPHOTYPE_COLOURS[d.morphotype] : UNKNOWN_COLOUR;
      const x = Math.max(0, Math.min(width - small * 4, d.box[0]));
      const y = d.box[1] > small * 1.2 ? d.box[1] - 3 : Math.min(height - 2, d.box[3] + small);
      parts.push(
        `<text x="${x.toFixed(1)}" y="${y.toFixed(1)}" font-size="${small}" fill="rgb(${colour.join(',')})" stroke="white" stroke-width="${(small / 6).toFixed(1)}" paint-order="stroke">${escapeXml(`${d.label} ${d.score.toFixed(2)}`)}</text>`,
      );
    }
  }
  if (options.title !== undefined) {
    const lines = [...counts.entries()].sort((a, b) => b[1].n - a[1].n);
    const legendWidth = Math.min(width, Math.round(font * 24));
    // Bold glyphs are wider: a little more room per character than the rows need.
    const titleLines = wrapText(options.title, (legendWidth - font) / (font * CHAR_WIDTH * 1.08));
    const legendHeight = Math.round(font * 1.5 * (lines.length + titleLines.length) + font);
    if (legendHeight < height) {
      const top = font * 1.5 * (titleLines.length - 1);
      const rows = lines
        .map(([name, { n, colour }], i) => {
          const y = Math.round(top + font * 1.5 * (i + 2));
          return `<rect x="${font / 2}" y="${y - font * 0.8}" width="${font}" height="${font}" fill="rgb(${colour.join(',')})"/><text x="${font * 2}" y="${y}">${escapeXml(name)}: ${n}</text>`;
        })
        .join('');
      const title = titleLines
        .map(
          (l, i) =>
            `<text x="${font / 2}" y="${Math.round(font * 1.3 + font * 1.5 * i)}" font-weight="bold">${escapeXml(l)}</text>`,
        )
        .join('');
      parts.push(
        `<rect width="${legendWidth}" height="${legendHeight}" fill="white" fill-opacity="0.85"/><g font-size="${font}" fill="black">${title}${rows}</g>`,
      );
    }
  }
  const noteLines = options.note ? wrapText(options.note, (width - font) / (font * CHAR_WIDTH)) : [];
  const noteHeight = noteLines.length ? Math.round(font * (0.6 + 1.25 * noteLines.length)) : 0;
  if (options.micronsPerPixel && options.micronsPerPixel > 0) {
    const bar = chooseScaleBar(options.micronsPerPixel, width);
    const barHeight = Math.max(4, Math.round(font / 3));
    const x2 = width - font;
    const x1 = x2 - bar.px;
    const y = height - noteHeight - font;
    const label = `${bar.um} µm${options.scaleEstimated ? ' (estimated scale)' : ''}`;
    const boxWidth = Math.max(bar.px, label.length * font * 0.55) + font;
    parts.push(
      `<rect x="${(x2 - boxWidth + font / 2).toFixed(1)}" y="${y - font * 1.6}" width="${boxWidth.toFixed(1)}" height="${font * 1.6 + barHeight + font / 3}" fill="white" fill-opacity="0.85"/>`,
      `<rect x="${x1.toFixed(1)}" y="${y}" width="${bar.px.toFixed(1)}" height="${barHeight}" fill="black"/>`,
      `<text x="${x2}" y="${y - font * 0.4}" font-size="${font}" text-anchor="end" fill="black">${escapeXml(label)}</text>`,
    );
  }
  if (options.note) {
    parts.push(
      `<rect x="0" y="${height - noteHeight}" width="${width}" height="${noteHeight}" fill="rgb(255,243,205)"/>`,
      ...noteLines.map(
        (l, i) =>
          `<text x="${font / 2}" y="${Math.round(height - noteHeight + font * (1.1 + 1.25 * i))}" font-size="${font}" fill="rgb(102,77,3)">${escapeXml(l)}</text>`,
      ),
    );
  }
  if (parts.length === 0) return null;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><g font-family="sans-serif">${parts.join('')}</g></svg>`;
}

/**
 * Returns a PNG of the field with every detection boxed in its morphotype's colour, and optionally a
 * legend with counts, box labels, a scale bar and a note.
 *
 * @example
 * await writeFile('field.overlay.png', await renderOverlay(raster, result.detections, { title: result.summary.finding.en }));
 */
export async function renderOverlay(
  raster: RasterImage,
  detections: readonly Detection[],
  options: OverlayOptions = {},
): Promise<Buffer> {
  const copy: RasterImage = { ...raster, data: new Uint8Array(raster.data) };
  const thickness = Math.max(1, Math.round(Math.max(raster.width, raster.height) / 700));
  const counts = new Map<string, { n: number; colour: readonly number[] }>();
  for (const d of detections) {
    const colour = d.morphotype ? MORPHOTYPE_COLOURS[d.morphotype] : UNKNOWN_COLOUR;
    drawRect(copy, d.box, colour, thickness);
    const name = d.morphotype ? MORPHOTYPES[d.morphotype].en : d.label;
    counts.set(name, { n: (counts.get(name)?.n ?? 0) + 1, colour });
  }
  const limit = raster.width * raster.height + 1;
  let image = sharp(copy.data, { raw: { width: raster.width, height: raster.height, channels: 3 } });
  const svg = buildSvgOverlay(raster, detections, counts, options);
  if (svg) {
    image = sharp(await image.png().toBuffer(), { limitInputPixels: limit }).composite([
      { input: Buffer.from(svg), top: 0, left: 0, limitInputPixels: limit },
    ]);
  }
  if (options.maxSide && Math.max(raster.width, raster.height) > options.maxSide) {
    image = sharp(await image.png().toBuffer(), { limitInputPixels: limit }).resize(
      options.maxSide,
      options.maxSide,
      { fit: 'inside' },
    );
  }
  return options.format === 'jpeg' ? image.jpeg({ quality: 85 }).toBuffer() : image.png().toBuffer();
}
