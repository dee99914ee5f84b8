/**
 * Classification crops of a physical size, as the reference system's earlier model used: square
 * crops (10 µm by default) sorted into gp_rod, gn_rod, gp_coccus, gn_coccus and background, one folder
 * per class, with a manifest tying every crop to its source image and position.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cropRaster } from '../../domain/raster.js';
import { isLabelKey, isMorphotypeKey, LABELS, type MorphotypeKey } from '../../domain/taxonomy.js';
import type { Box } from '../../domain/geometry.js';
import { AppError } from '../../errors.js';
import { encodeRaster } from '../../imaging/encode.js';
import { decodeImage } from '../../imaging/intake.js';
import { stemOf, type Dataset, type DatasetAnnotation } from '../formats/dataset.js';
import { resolveInside } from '../io/safe-path.js';
import { writeAtomically } from '../io/staging.js';
import { createRng } from '../synth/prng.js';

export const CROP_CLASSES = ['gp_rod', 'gn_rod', 'gp_coccus', 'gn_coccus', 'background'] as const;
export type CropClass = (typeof CROP_CLASSES)[number];
export const CROP_MODES = ['around', 'grid', 'random'] as const;
export type CropMode = (typeof CROP_MODES)[number];

const CLASS_OF_MORPHOTYPE: Readonly<Record<MorphotypeKey, CropClass | null>> = {
  gpc_clusters: 'gp_coccus',
  gpc_chains: 'gp_coccus',
  gpc_pairs: 'gp_coccus',
  gpc: 'gp_coccus',
  gpr: 'gp_rod',
  gnr: 'gn_rod',
  gncb: 'gn_rod',
  gnc: 'gn_coccus',
  // Yeast and host cells are not among the reference system's five classes.
  yeast: null,
  rbc: null,
};

/**
 * The crop class of one annotation, from its morphotype attribute or its label's typical morphotype;
 * null for yeast, red cells and unmapped labels.
 *
 * @example
 * cropClassOf({ box: [0, 0, 1, 1], label: 'enterobacterales' }); // 'gn_rod'
 */
export function cropClassOf(a: DatasetAnnotation): CropClass | null {
  const m = a.attributes?.morphotype;
  if (m && isMorphotypeKey(m)) return CLASS_OF_MORPHOTYPE[m];
  return isLabelKey(a.label) ? CLASS_OF_MORPHOTYPE[LABELS[a.label].morphotype] : null;
}

export interface CropOptions {
  out: string;
  mode: CropMode;
  sizeUm: number;
  /** Scale for images whose dataset does not record one. */
  micronsPerPixel?: number;
  randomPerImage?: number;
  backgroundRatio?: number;
  resizePx?: number;
  seed?: number;
  force?: boolean;
  onProgress?: (done: number, total: number) => void;
}

export interface CropRecord {
  file: string;
  class: CropClass;
  source: string;
  box: Box;
}

export interface CropSummary {
  out: string;
  crops: number;
  byClass: Record<CropClass, number>;
  /** Organisms with no crop class (yeast, unmapped labels). */
  skippedOrganisms: number;
  cropPx: Record<string, number>;
}

const centre = (b: Box): [number, number] => [(b[0] + b[2]) / 2, (b[1] + b[3]) / 2];
const overlaps = (a: Box, b: Box): boolean => a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3];

/** Majority class of the organisms whose centres lie in the crop; background when none. */
function classOfRegion(region: Box, annotations: readonly DatasetAnnotation[]): CropClass | null {
  const counts = new Map<CropClass, number>();
  let organisms = 0;
  for (const a of annotations) {
    const [cx, cy] = centre(a.box);
    if (cx < region[0] || cx >= region[2] || cy < region[1] || cy >= region[3]) continue;
    const cls = cropClassOf(a);
    if (a.label === 'rbc') continue;
    organisms++;
    if (cls) counts.set(cls, (counts.get(cls) ?? 0) + 1);
  }
  if (organisms === 0) return 'background';
  if (counts.size === 0) return null;
  return [...counts.entries()].sort(
    (x, y) => y[1] - x[1] || CROP_CLASSES.indexOf(x[0]) - CROP_CLASSES.indexOf(y[0]),
  )[0][0];
}

/**
 * Cuts crops from every image of a dataset and writes them, one folder per class.
 *
 * @example
 * await writeCrops(dataset, { out: 'crops', mode: 'around', sizeUm: 10, micronsPerPixel: 0.1 });
 */
export async function writeCrops(dataset: Dataset, options: CropOptions): Promise<CropSummary> {
  const byClass = Object.fromEntries(CROP_CLASSES.map((c) => [c, 0])) as Record<CropClass, number>;
  const cropPx: Record<string, number> = {};
  for (const img of dataset.images) {
    const mpp = img.micronsPerPixel ?? options.micronsPerPixel;
    if (!mpp)
      throw new AppError(
        'ERR_USAGE',
        `${img.file} has no recorded scale; pass --um-per-px so a ${options.sizeUm} µm crop has a size in pixels`,
      );
    const px = Math.round(options.sizeUm / mpp);
    if (px < 4)
      throw new AppError('ERR_USAGE', `a ${options.sizeUm} µm crop is only ${px} px at ${mpp} µm/px`);
    cropPx[String(px)] = (cropPx[String(px)] ?? 0) + 1;
  }
  let skippedOrganisms = 0;
  const records: CropRecord[] = [];
  const names = new Set<string>();
  return writeAtomically(
    options.out,
    async (dir) => {
      for (const c of CROP_CLASSES) await mkdir(join(dir, c), { recursive: true });
      for (const [index, img] of dataset.images.entries()) {
        const rng = createRng(`${options.seed ?? 1}:crops:${index}`);
        const mpp = img.micronsPerPixel ?? options.micronsPerPixel!;
        const size = Math.round(options.sizeUm / mpp);
        const path = await resolveInside(dataset.root, img.file, `image ${index + 1}`);
        const { raster } = await decodeImage(await readFile(path));
        if (size > raster.width || size > raster.height) {
          options.onProgress?.(index + 1, dataset.images.length);
          continue;
        }
        const regions: { box: Box; cls: CropClass }[] = [];
        const place = (x: number, y: number): Box => {
          const cx = Math.round(Math.min(Math.max(x - size / 2, 0), raster.width - size));
          const cy = Math.round(Math.min(Math.max(y - size / 2, 0), raster.height - size));
          return [cx, cy, cx + size, cy + size];
        };
        const organisms = img.annotations.filter((a) => a.label !== 'rbc');
        if (options.mode === 'around') {
          for (const a of organisms) {
            const cls = cropClassOf(a);
            if (!cls) {
              skippedOrganisms++;
              continue;
            }
            const [x, y] = centre(a.box);
            // One crop per neighbourhood: an organism already near the middle of a crop of its class is covered.
            const covered = regions.some((r) => {
              const [rx, ry] = centre(r.box);
              return r.cls === cls && Math.abs(rx - x) < size / 4 && Math.abs(ry - y) < size / 4;
            });
            if (covered) continue;
            const jitter = size * 0.15;
            regions.push({ box: place(x + rng.range(-jitter, jitter), y + rng.range(-jitter, jitter)), cls });
          }
          const wanted = Math.round(
            (options.backgroundRatio ?? 1) * Math.max(regions.length, organisms.length === 0 ? 1 : 0),
          );
          for (let k = 0, tries = 0; k < wanted && tries < wanted * 40; tries++) {
            const box = place(rng.range(0, raster.width), rng.range(0, raster.height));
            if (organisms.some((a) => overlaps(a.box, box))) continue;
            regions.push({ box, cls: 'background' });
            k++;
          }
        } else {
          const candidates: Box[] = [];
          if (options.mode === 'grid') {
            for (let y = 0; y + size <= raster.height; y += size)
              for (let x = 0; x + size <= raster.width; x += size)
                candidates.push([x, y, x + size, y + size]);
          } else {
            for (let k = 0; k < (options.randomPerImage ?? 10); k++)
              candidates.push(place(rng.range(0, raster.width), rng.range(0, raster.height)));
          }
          for (const box of candidates) {
            const cls = classOfRegion(box, img.annotations);
            if (cls) regions.push({ box, cls });
            else skippedOrganisms++;
          }
        }
        for (const r of regions) {
          const crop = cropRaster(raster, r.box[0], r.box[1], size, size);
          const bytes = await encodeRaster(crop, {
            format: 'png',
            ...(options.resizePx !== undefined && { maxSide: options.resizePx, exact: true }),
          });
          let file = `${r.cls}/${stemOf(img.file)}_${r.box[0]}_${r.box[1]}.png`;
          for (let k = 2; names.has(file); k++)
            file = `${r.cls}/${stemOf(img.file)}_${r.box[0]}_${r.box[1]}_${k}.png`;
          names.add(file);
          await writeFile(join(dir, file), bytes);
          byClass[r.cls]++;
          records.push({ file, class: r.cls, source: img.file, box: r.box });
        }
        options.onProgress?.(index + 1, dataset.images.length);
      }
      const csv = [
        'file,class,source,x1,y1,x2,y2',
        ...records.map((r) => [r.file, r.class, JSON.stringify(r.source), ...r.box].join(',')),
      ];
      await writeFile(join(dir, 'manifest.csv'), `${csv.join('\n')}\n`);
      const summary: CropSummary = {
        out: options.out,
        crops: records.length,
        byClass,
        skippedOrganisms,
        cropPx,
      };
      await writeFile(
        join(dir, 'crops.json'),
        `${JSON.stringify({ ...summary, sizeUm: options.sizeUm, mode: options.mode, classes: CROP_CLASSES }, null, 1)}\n`,
      );
      return summary;
    },
    { force: options.force ?? false },
  );
}
