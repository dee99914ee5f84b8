import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDataset, writeDataset } from '../../../src/datasets/formats/dataset-io.js';
import type { Dataset } from '../../../src/datasets/formats/dataset.js';
import { writeSynthDataset } from '../../../src/datasets/synth/synth-dataset.service.js';

let tmp: string;
let synth: string;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'gramscope-convert-'));
  synth = join(tmp, 'synth');
  await writeSynthDataset({
    out: synth,
    count: 4,
    seed: 21,
    width: 320,
    height: 240,
    format: 'png',
    mixedRate: 0.5,
  });
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

const byStem = (d: Dataset): Map<string, Dataset['images'][number]> =>
  new Map(d.images.map((img) => [img.file.slice(img.file.lastIndexOf('/') + 1), img]));

/** Largest corner error between two datasets, matching images by file name and boxes by order. */
function maxBoxError(a: Dataset, b: Dataset): number {
  const bm = byStem(b);
  let worst = 0;
  for (const [name, img] of byStem(a)) {
    const other = bm.get(name);
    expect(other, name).toBeDefined();
    expect(other!.annotations.map((x) => x.label)).toEqual(img.annotations.map((x) => x.label));
    img.annotations.forEach((ann, i) => {
      for (let k = 0; k < 4; k++)
        worst = Math.max(worst, Math.abs(ann.box[k] - other!.annotations[i].box[k]));
    });
  }
  return worst;
}

describe('dataset convert round trips', () => {
  it('VoTT → YOLO → COCO → VoTT keeps every box within 0.5 px and every label', async () => {
    const vott = await loadDataset(join(synth, 'vott.json'));
    expect(vott.format).toBe('vott');
    const total = vott.dataset.images.reduce((s, i) => s + i.annotations.length, 0);
    expect(total).toBeGreaterThan(50);

    await writeDataset(vott.dataset, 'yolo', join(tmp, 'yolo'));
    const yolo = await loadDataset(join(tmp, 'yolo'));
    expect(yolo.format).toBe('yolo');
    await writeDataset(yolo.dataset, 'coco', join(tmp, 'coco'));
    const coco = await loadDataset(join(tmp, 'coco'));
    expect(coco.format).toBe('coco');
    await writeDataset(coco.dataset, 'vott', join(tmp, 'vott'), { name: 'round-trip' });
    const back = await loadDataset(join(tmp, 'vott', 'round-trip-export.json'));

    const error = maxBoxError(vott.dataset, back.dataset);
    expect(error).toBeLessThan(0.5);
    expect(back.dataset.images.reduce((s, i) => s + i.annotations.length, 0)).toBe(total);
    // Against the generator's own truth too.
    const truth = await loadDataset(join(synth, 'coco.json'));
    expect(maxBoxError(truth.dataset, back.dataset)).toBeLessThan(0.5);
  });

  it('writes the Ultralytics layout with splits and the TAXONOMY class list', async () => {
    const coco = await loadDataset(join(synth, 'coco.json'));
    const withSplits = {
      ...coco.dataset,
      images: coco.dataset.images.map((img, i) => ({
        ...img,
        split: i === 0 ? ('val' as const) : ('train' as const),
      })),
    };
    await writeDataset(withSplits, 'yolo', join(tmp, 'ultra'));
    const yaml = await readFile(join(tmp, 'ultra', 'data.yaml'), 'utf8');
    expect(yaml).toContain('train: images/train');
    expect(yaml).toContain('val: images/val');
    expect(yaml).toContain('16: rbc');
    const again = await loadDataset(join(tmp, 'ultra'));
    expect(again.dataset.images.filter((i) => i.split === 'val')).toHaveLength(1);
    expect(maxBoxError(coco.dataset, again.dataset)).toBeLessThan(0.01);
  });

  it('keeps labels it cannot map under their own names and reports them', async () => {
    const coco = await loadDataset(join(synth, 'coco.json'));
    const renamed: Dataset = {
      ...coco.dataset,
      labels: [...coco.dataset.labels, 'spore'],
      images: coco.dataset.images.map((img) => ({
        ...img,
        annotations: img.annotations.map((a, i) => (i === 0 ? { ...a, label: 'spore' } : a)),
      })),
    };
    await writeDataset(renamed, 'vott', join(tmp, 'unknown'), { name: 'u' });
    const back = await loadDataset(join(tmp, 'unknown', 'u-export.json'));
    expect(back.report.unknownLabels).toEqual({ spore: 4 });
    expect(back.dataset.labels.at(-1)).toBe('spore');
    await writeDataset(back.dataset, 'yolo', join(tmp, 'unknown-yolo'));
    const yolo = await loadDataset(join(tmp, 'unknown-yolo'));
    expect(yolo.report.unknownLabels).toEqual({ spore: 4 });
    expect(yolo.dataset.images.flatMap((i) => i.annotations).filter((a) => a.label === 'spore')).toHaveLength(
      4,
    );
  });

  it('maps source class names onto TAXONOMY keys', async () => {
    const coco = await loadDataset(join(synth, 'coco.json'));
    const named: Dataset = {
      ...coco.dataset,
      labels: ['Staphylococcus aureus', '赤血球'],
      images: [
        {
          ...coco.dataset.images[0],
          annotations: [
            { box: [10, 10, 20, 20], label: 'Staphylococcus aureus' },
            { box: [30, 30, 90, 90], label: '赤血球' },
          ],
        },
      ],
    };
    await writeDataset(named, 'vott', join(tmp, 'named'), { name: 'n' });
    const back = await loadDataset(join(tmp, 'named', 'n-export.json'));
    expect(back.dataset.images[0].annotations.map((a) => a.label)).toEqual(['s_aureus', 'rbc']);
    expect(back.report.mappedLabels).toEqual({ 'Staphylococcus aureus': 's_aureus', 赤血球: 'rbc' });
    expect(back.report.unknownLabels).toEqual({});
  });
});
