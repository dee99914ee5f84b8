import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cropClassOf, writeCrops } from '../../src/datasets/crops/crops.service.js';
import { loadDataset } from '../../src/datasets/formats/dataset-io.js';
import { assignSplits, specimenOf, splitDataset } from '../../src/datasets/split/split.service.js';
import { writeSynthDataset } from '../../src/datasets/synth/synth-dataset.service.js';
import { decodeImage } from '../../src/imaging/intake.js';

let tmp: string;
let synth: string;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'gramscope-crops-'));
  synth = join(tmp, 'synth');
  await writeSynthDataset({
    out: synth,
    count: 12,
    seed: 5,
    width: 320,
    height: 240,
    format: 'png',
    fieldsPerSpecimen: 2,
    labels: ['s_aureus', 'enterobacterales', 'gn_cocci', 'listeria', 'rbc'],
    mixedRate: 0,
  });
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe('dataset crops', () => {
  it('maps morphotypes onto the reference system’s five classes', () => {
    expect(cropClassOf({ box: [0, 0, 1, 1], label: 's_aureus' })).toBe('gp_coccus');
    expect(cropClassOf({ box: [0, 0, 1, 1], label: 'haemophilus' })).toBe('gn_rod');
    expect(cropClassOf({ box: [0, 0, 1, 1], label: 'bacillus' })).toBe('gp_rod');
    expect(cropClassOf({ box: [0, 0, 1, 1], label: 'gn_cocci' })).toBe('gn_coccus');
    expect(cropClassOf({ box: [0, 0, 1, 1], label: 'candida' })).toBeNull();
    expect(cropClassOf({ box: [0, 0, 1, 1], label: 'rbc' })).toBeNull();
  });

  it('cuts 10 µm crops around organisms, one folder per class, plus background', async () => {
    const { dataset } = await loadDataset(synth);
    const out = join(tmp, 'crops');
    const summary = await writeCrops(dataset, {
      out,
      mode: 'around',
      sizeUm: 10,
      backgroundRatio: 0.5,
      seed: 3,
    });
    expect((await readdir(out)).sort()).toEqual(
      ['background', 'crops.json', 'gn_coccus', 'gn_rod', 'gp_coccus', 'gp_rod', 'manifest.csv'].sort(),
    );
    expect(summary.byClass.gp_coccus).toBeGreaterThan(0);
    expect(summary.byClass.gn_rod).toBeGreaterThan(0);
    expect(summary.byClass.background).toBeGreaterThan(0);
    expect(summary.cropPx).toEqual({ '100': 12 });
    const first = (await readdir(join(out, 'gn_rod')))[0];
    const decoded = await decodeImage(await readFile(join(out, 'gn_rod', first)));
    expect([decoded.raster.width, decoded.raster.height]).toEqual([100, 100]);
    const manifest = (await readFile(join(out, 'manifest.csv'), 'utf8')).trim().split('\n');
    expect(manifest).toHaveLength(summary.crops + 1);
  });

  it('tiles a grid and resizes crops', async () => {
    const { dataset } = await loadDataset(synth);
    const summary = await writeCrops(dataset, {
      out: join(tmp, 'grid'),
      mode: 'grid',
      sizeUm: 8,
      resizePx: 32,
    });
    // 320x240 at 0.1 µm/px in 80 px tiles: 4 x 3 per image.
    expect(summary.crops + summary.skippedOrganisms).toBe(12 * 12);
    const dir = join(tmp, 'grid', 'background');
    const file = (await readdir(dir))[0];
    const decoded = await decodeImage(await readFile(join(dir, file)));
    expect(decoded.raster.width).toBe(32);
  });
});

describe('dataset split', () => {
  it('derives specimens from names and keeps every specimen in one split', async () => {
    expect(specimenOf('images/sp0003_f02.jpg', undefined)).toBe('sp0003');
    expect(specimenOf('x/patient-7.jpg', undefined, /^patient-(\d+)/)).toBe('7');
    expect(specimenOf('a.jpg', 'S-12')).toBe('S-12');
    const { dataset } = await loadDataset(synth);
    const out = join(tmp, 'split');
    const summary = await splitDataset(dataset, { out, ratios: [0.5, 0.25, 0.25], seed: 9 });
    expect(summary.specimens).toBe(6);
    expect(summary.splits.train.images + summary.splits.val.images + summary.splits.test.images).toBe(12);
    const manifest = JSON.parse(await readFile(join(out, 'split-manifest.json'), 'utf8'));
    const splitOf = new Map<string, string>();
    for (const img of manifest.images) {
      expect(splitOf.get(img.specimen) ?? img.split).toBe(img.split);
      splitOf.set(img.specimen, img.split);
      expect(img.file.startsWith(`images/${img.split}/`)).toBe(true);
    }
    const reread = await loadDataset(out, { format: 'yolo' });
    expect(new Set(reread.dataset.images.map((i) => i.split))).toEqual(new Set(['train', 'val', 'test']));
    const coco = await loadDataset(join(out, 'coco.json'));
    expect(coco.dataset.images.every((i) => i.split && i.specimen)).toBe(true);
  });

  it('meets the ratios and stratifies by dominant label', () => {
    const specimens = Array.from({ length: 100 }, (_, i) => ({
      specimen: `s${i}`,
      images: 1 + (i % 3),
      stratum: i % 2 ? 's_aureus' : 'enterobacterales',
    }));
    const a = assignSplits(specimens, [0.8, 0.1, 0.1], 1);
    expect(assignSplits(specimens, [0.8, 0.1, 0.1], 1)).toEqual(a);
    const images = { train: 0, val: 0, test: 0 };
    const byStratum = new Map<string, Set<string>>();
    for (const s of specimens) {
      const split = a.get(s.specimen)!;
      images[split] += s.images;
      if (!byStratum.has(s.stratum)) byStratum.set(s.stratum, new Set());
      byStratum.get(s.stratum)!.add(split);
    }
    const total = images.train + images.val + images.test;
    expect(images.train / total).toBeCloseTo(0.8, 1);
    expect(images.val / total).toBeCloseTo(0.1, 1);
    for (const splits of byStratum.values()) expect(splits).toEqual(new Set(['train', 'val', 'test']));
  });
});
