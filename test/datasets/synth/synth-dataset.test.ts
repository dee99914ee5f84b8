import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { writeSynthDataset } from '../../../src/datasets/synth/synth-dataset.service.js';
import { LABEL_KEYS } from '../../../src/domain/taxonomy.js';
import { decodeImage } from '../../../src/imaging/intake.js';
import { AppError } from '../../../src/errors.js';

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'gramscope-synth-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

async function hashTree(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const full = join(entry.parentPath, entry.name);
    out[full.slice(dir.length)] = createHash('sha256')
      .update(await readFile(full))
      .digest('hex');
  }
  return out;
}

const small = { count: 3, width: 256, height: 192 } as const;

describe('writeSynthDataset', () => {
  it('writes YOLO, COCO and VoTT with the same boxes, and data.yaml lists the 17 labels in order', async () => {
    const out = join(tmp, 'a');
    const summary = await writeSynthDataset({ out, seed: 7, ...small, format: 'png', sites: 2 });
    expect(summary.fields).toBe(3);
    const yaml = parse(await readFile(join(out, 'data.yaml'), 'utf8'));
    expect(yaml.nc).toBe(17);
    expect(Object.keys(yaml.names).map(Number)).toEqual([...LABEL_KEYS.keys()]);
    expect(Object.values(yaml.names)).toEqual([...LABEL_KEYS]);
    expect(yaml.train).toBe('images');

    const coco = JSON.parse(await readFile(join(out, 'coco.json'), 'utf8'));
    expect(coco.categories.map((c: { name: string }) => c.name)).toEqual([...LABEL_KEYS]);
    expect(coco.images).toHaveLength(3);
    expect(coco.annotations.length).toBe(summary.objects);
    expect(coco.annotations[0].attributes.morphotype).toBeTypeOf('string');

    const vott = JSON.parse(await readFile(join(out, 'vott.json'), 'utf8'));
    interface Asset {
      asset: { path: string };
      regions: {
        tags: string[];
        boundingBox: { left: number; top: number; width: number; height: number };
      }[];
    }
    const assets = Object.values<Asset>(vott.assets);
    expect(assets).toHaveLength(3);

    for (const img of coco.images) {
      const anns = coco.annotations.filter((a: { image_id: number }) => a.image_id === img.id);
      const stem = img.file_name.replace(/^images\//, '').replace(/\.png$/, '');
      const lines = (await readFile(join(out, 'labels', `${stem}.txt`), 'utf8')).trim().split('\n');
      expect(lines).toHaveLength(anns.length);
      const vottAsset = assets.find((a) => a.asset.path === img.file_name)!;
      expect(vottAsset.regions).toHaveLength(anns.length);
      anns.forEach((a: { category_id: number; bbox: number[] }, i: number) => {
        const [cls, cx, cy, w, h] = lines[i].split(' ').map(Number);
        expect(cls).toBe(a.category_id - 1);
        expect(Math.abs((cx - w / 2) * img.width - a.bbox[0])).toBeLessThan(0.01);
        expect(Math.abs((cy - h / 2) * img.height - a.bbox[1])).toBeLessThan(0.01);
        expect(Math.abs(w * img.width - a.bbox[2])).toBeLessThan(0.01);
        expect(Math.abs(h * img.height - a.bbox[3])).toBeLessThan(0.01);
        const r = vottAsset.regions[i];
        expect(r.tags).toEqual([LABEL_KEYS[a.category_id - 1]]);
        expect(r.boundingBox.left).toBeCloseTo(a.bbox[0], 2);
        expect(r.boundingBox.width).toBeCloseTo(a.bbox[2], 2);
      });
      const decoded = await decodeImage(await readFile(join(out, img.file_name)));
      expect([decoded.raster.width, decoded.raster.height]).toEqual([256, 192]);
    }
  });

  it('is byte-for-byte reproducible for a seed', async () => {
    await writeSynthDataset({ out: join(tmp, 'r1'), seed: 11, ...small, sites: 3 });
    await writeSynthDataset({ out: join(tmp, 'r2'), seed: 11, ...small, sites: 3 });
    await writeSynthDataset({ out: join(tmp, 'r3'), seed: 12, ...small, sites: 3 });
    const h1 = await hashTree(join(tmp, 'r1'));
    expect(await hashTree(join(tmp, 'r2'))).toEqual(h1);
    const h3 = await hashTree(join(tmp, 'r3'));
    expect(h3['/images/sp0001_f01.jpg']).not.toBe(h1['/images/sp0001_f01.jpg']);
  });

  it('groups fields into specimens that share their organisms', async () => {
    const out = join(tmp, 'spec');
    await writeSynthDataset({
      out,
      seed: 3,
      count: 6,
      width: 200,
      height: 150,
      fieldsPerSpecimen: 3,
      labels: ['cons', 'gbs', 'haemophilus', 'rbc'],
    });
    const manifest = JSON.parse(await readFile(join(out, 'synth.json'), 'utf8'));
    const files = manifest.fields.map((f: { file: string }) => f.file);
    expect(files).toEqual([
      'images/sp0001_f01.jpg',
      'images/sp0001_f02.jpg',
      'images/sp0001_f03.jpg',
      'images/sp0002_f01.jpg',
      'images/sp0002_f02.jpg',
      'images/sp0002_f03.jpg',
    ]);
    const bySpecimen = new Map<string, string>();
    for (const f of manifest.fields) {
      const key = JSON.stringify(f.labels);
      expect(bySpecimen.get(f.specimen) ?? key).toBe(key);
      bySpecimen.set(f.specimen, key);
      for (const l of f.labels) expect(['cons', 'gbs', 'haemophilus', 'rbc']).toContain(l);
    }
  });

  it('refuses a non-empty output folder and leaves it untouched', async () => {
    const out = join(tmp, 'taken');
    await mkdir(out);
    await writeFile(join(out, 'keep.txt'), 'mine');
    await expect(writeSynthDataset({ out, seed: 1, ...small })).rejects.toMatchObject({
      code: 'ERR_OUTPUT_EXISTS',
    });
    expect(await readdir(out)).toEqual(['keep.txt']);
    expect((await readdir(tmp)).filter((n) => n.includes('partial'))).toEqual([]);
  });

  it('leaves no partial folder when it fails midway', async () => {
    const out = join(tmp, 'fails');
    const failing = writeSynthDataset({ out, seed: 1, ...small }, (done) => {
      if (done === 2) throw new AppError('ERR_INTERNAL', 'simulated failure');
    });
    await expect(failing).rejects.toThrow('simulated failure');
    expect((await readdir(tmp)).filter((n) => n.includes('fails'))).toEqual([]);
  });
});
