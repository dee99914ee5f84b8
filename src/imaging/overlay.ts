/**
 * Annotated images: boxes drawn into the pixels (so they survive any viewer) and a legend with
 * counts composited as SVG text. Colours are per morphotype and shared with the web app.
 */
import sharp from 'sharp';
import type { Detection } from '../domain/analysis-result.js';
import type { RasterImage } from '../domain/raster.js';
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
}

/**
 * Returns a PNG of the field with every detection boxed in its morphotype's colour.
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
  let image = sharp(copy.data, { raw: { width: raster.width, height: raster.height, channels: 3 } });
  if (options.title !== undefined) {
    const font = Math.max(12, Math.round(Math.min(raster.width, 2400) / 60));
    const lines = [...counts.entries()].sort((a, b) => b[1].n - a[1].n);
    const legendHeight = Math.round(font * 1.5 * (lines.length + 1) + font);
    const legendWidth = Math.min(raster.width, Math.round(font * 24));
    const rows = lines
      .map(([name, { n, colour }], i) => {
        const y = Math.round(font * 1.5 * (i + 2));
        return `<rect x="${font / 2}" y="${y - font * 0.8}" width="${font}" height="${font}" fill="rgb(${colour.join(',')})"/><text x="${font * 2}" y="${y}">${escapeXml(name)}: ${n}</text>`;
      })
      .join('');
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${legendWidth}" height="${legendHeight}"><rect width="100%" height="100%" fill="white" fill-opacity="0.85"/><g font-family="sans-serif" font-size="${font}" fill="black"><text x="${font / 2}" y="${Math.round(font * 1.3)}" font-weight="bold">${escapeXml(options.title)}</text>${rows}</g></svg>`;
    if (legendHeight < raster.height) {
      image = sharp(await image.png().toBuffer(), {
        limitInputPixels: raster.width * raster.height + 1,
      }).composite([
        { input: Buffer.from(svg), top: 0, left: 0, limitInputPixels: legendWidth * legendHeight + 1 },
      ]);
    }
  }
  if (options.maxSide && Math.max(raster.width, raster.height) > options.maxSide) {
    image = sharp(await image.png().toBuffer(), {
      limitInputPixels: raster.width * raster.height + 1,
    }).resize(options.maxSide, options.maxSide, { fit: 'inside' });
  }
  return image.png().toBuffer();
}
