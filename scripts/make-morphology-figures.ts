/**
 * Draws the pictures in docs/engines/morphology.md: each stage of the morphology engine on one
 * generated field (a mixed Gram-positive cocci + Gram-negative rods specimen at a drifted site),
 * cropped to the same window. Regenerate after changing the engine:
 *
 *   npx tsx scripts/make-morphology-figures.ts
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { createRaster, type RasterImage } from '../src/domain/raster.js';
import { MORPHOTYPE_COLOURS } from '../src/imaging/overlay.js';
import { encodePng } from '../src/imaging/intake.js';
import { renderField } from '../src/datasets/synth/index.js';
import { analyseField } from '../src/engines/morphology/analyse-field.js';
import { normaliseStains } from '../src/engines/morphology/normalise.js';

const OUT = 'docs/engines/img';
const CROP = { x: 420, y: 300, w: 560, h: 420 };

const field = renderField({
  seed: 4242,
  width: 1400,
  height: 1050,
  micronsPerPixel: 0.1,
  labels: ['s_aureus', 'enterobacterales', 'rbc'],
  site: 2,
  abundance: 1.6,
});
const result = analyseField(field.raster, { micronsPerPixel: 0.1, scaleSource: 'profile', keepLayers: true });
const layers = result.layers!;
const { work } = layers;

function crop(pixel: (x: number, y: number) => readonly [number, number, number]): RasterImage {
  const out = createRaster(CROP.w, CROP.h);
  for (let y = 0; y < CROP.h; y++)
    for (let x = 0; x < CROP.w; x++) out.data.set(pixel(CROP.x + x, CROP.y + y), (y * CROP.w + x) * 3);
  return out;
}
const grey = (v: number): [number, number, number] => {
  const g = Math.max(0, Math.min(255, Math.round(255 - v)));
  return [g, g, g];
};
const at = (x: number, y: number): number => y * work.width + x;

const figures: Record<string, RasterImage> = {
  '1-field': crop((x, y) => {
    const i = at(x, y) * 3;
    return [field.raster.data[i], field.raster.data[i + 1], field.raster.data[i + 2]];
  }),
  '2-optical-density': crop((x, y) => grey(layers.maps.od[at(x, y)] * 180)),
  '3-crystal-violet': crop((x, y) => {
    const v = Math.max(0, layers.maps.crystalViolet[at(x, y)]);
    const t = Math.min(1, v / 1.2);
    return [Math.round(255 - 160 * t), Math.round(255 - 215 * t), Math.round(255 - 80 * t)];
  }),
  '4-safranin': crop((x, y) => {
    const v = Math.max(0, layers.maps.safranin[at(x, y)]);
    const t = Math.min(1, v / 0.8);
    return [Math.round(255 - 40 * t), Math.round(255 - 200 * t), Math.round(255 - 120 * t)];
  }),
  '5-threshold-mask': crop((x, y) => {
    const c = layers.components.labels[(y >> 1) * (work.width >> 1) + (x >> 1)];
    return c >= 0 ? [40, 40, 40] : [250, 250, 250];
  }),
  '6-cells': crop((x, y) => {
    const c = layers.cellMap[at(x, y)];
    if (c < 0) return [250, 250, 250];
    return [((c * 97) % 200) + 30, ((c * 57) % 200) + 30, ((c * 31) % 200) + 30];
  }),
};
// The result: each cell filled with its morphotype's colour (host cells and debris left grey).
const resultPicture = crop((x, y) => {
  const c = layers.cellMap[at(x, y)];
  const i = at(x, y) * 3;
  const base: [number, number, number] = [
    field.raster.data[i],
    field.raster.data[i + 1],
    field.raster.data[i + 2],
  ];
  if (c < 0) return base.map((v) => Math.round(v * 0.35 + 255 * 0.65)) as [number, number, number];
  const cell = layers.cells[c];
  const owner = cell.mergedInto >= 0 ? layers.cells[cell.mergedInto] : cell;
  // Doubtful objects (not reported) in light grey, host material and debris in mid grey.
  if (owner.unreported) return [205, 205, 205];
  return owner.morphotype ? MORPHOTYPE_COLOURS[owner.morphotype] : [150, 150, 150];
});
figures['7-morphotypes'] = resultPicture;

// Stain normalisation: one specimen photographed at three simulated sites (top), and the same
// three fields normalised to the built-in reference (bottom).
const TILE = { x: 300, y: 200, w: 300, h: 225 };
const normalisation = createRaster(3 * TILE.w + 20, 2 * TILE.h + 10);
normalisation.data.fill(255);
[1, 2, 3].forEach((site, col) => {
  const f = renderField({
    seed: 11,
    width: 1024,
    height: 768,
    labels: ['s_aureus', 'enterobacterales', 'rbc'],
    site,
  });
  [f.raster, normaliseStains(f.raster).raster].forEach((raster, row) => {
    for (let y = 0; y < TILE.h; y++) {
      const from = ((TILE.y + y) * raster.width + TILE.x) * 3;
      const to = ((row * (TILE.h + 10) + y) * normalisation.width + col * (TILE.w + 10)) * 3;
      normalisation.data.set(raster.data.subarray(from, from + TILE.w * 3), to);
    }
  });
});
figures['8-stain-normalisation'] = normalisation;

await mkdir(OUT, { recursive: true });
for (const [name, raster] of Object.entries(figures))
  await writeFile(`${OUT}/morphology-${name}.png`, await encodePng(raster));
console.log(
  `wrote ${Object.keys(figures).length} figures; ${result.detections.length} detections, stages ${JSON.stringify(result.stages)}`,
);
console.log(JSON.stringify(result.notes));
