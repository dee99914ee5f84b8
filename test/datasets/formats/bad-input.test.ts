import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDataset, writeDataset } from '../../../src/datasets/formats/dataset-io.js';
import { parseYoloLabels } from '../../../src/datasets/formats/yolo.js';
import { locateJsonError, parseJsonText } from '../../../src/datasets/io/read-json.js';
import { normaliseRelativePath } from '../../../src/datasets/io/safe-path.js';
import { writeSynthDataset } from '../../../src/datasets/synth/synth-dataset.service.js';
import { DEFAULT_DATASET_LIMITS } from '../../../src/datasets/io/limits.js';

const run = promisify(execFile);
let tmp: string;
let synth: string;
let coco: {
  images: Record<string, unknown>[];
  annotations: Record<string, unknown>[];
  categories: unknown[];
};
let vott: { assets: Record<string, { asset: Record<string, unknown>; regions: Record<string, unknown>[] }> };

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'gramscope-bad-'));
  synth = join(tmp, 'synth');
  await writeSynthDataset({ out: synth, count: 2, seed: 4, width: 200, height: 150, format: 'png' });
  coco = JSON.parse(await readFile(join(synth, 'coco.json'), 'utf8'));
  vott = JSON.parse(await readFile(join(synth, 'vott.json'), 'utf8'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

/** A copy of the synthetic dataset with one annotation file replaced. */
async function variant(name: string, file: string, content: string): Promise<string> {
  const dir = join(tmp, name);
  await cp(synth, dir, { recursive: true });
  await writeFile(join(dir, file), content);
  return dir;
}

const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

describe('malformed JSON', () => {
  it('names file, line and column of a syntax error', () => {
    expect(() => parseJsonText('{\n  "images": [1, 2,]\n}', 'coco.json')).toThrow(
      /^coco\.json:2:19: not valid JSON \(unexpected "\]"\)$/,
    );
    expect(() => parseJsonText('{"a": 1,}', 'x.json')).toThrow(/x\.json:1:9: .*property name/);
    expect(() => parseJsonText('', 'empty.json')).toThrow(/empty\.json:1:1: .*end of file/);
    expect(() => parseJsonText('{"a": "b\n"}', 'ctl.json')).toThrow(/ctl\.json:1:9: .*control character/);
    expect(locateJsonError('{"a": [1, {"b": null}]}')).toBeNull();
  });

  it('refuses a truncated COCO file with one error naming it', async () => {
    const text = JSON.stringify(coco);
    const dir = await variant('truncated', 'coco.json', text.slice(0, text.length / 2));
    await expect(loadDataset(dir)).rejects.toMatchObject({
      code: 'ERR_DATASET_INVALID',
      message: expect.stringMatching(/^coco\.json:1:\d+: not valid JSON/) as unknown as string,
    });
  });

  it('refuses COCO records of the wrong shape, naming the record', async () => {
    const cases: [string, (d: typeof coco) => void, RegExp][] = [
      ['no-images', (d) => delete (d as Partial<typeof coco>).images, /"images": must be an array/],
      ['bad-width', (d) => (d.images[0].width = -5), /images\[0\]\.width: must be a whole number/],
      ['orphan', (d) => (d.annotations[0].image_id = 999), /annotation id 1: refers to image 999/],
      ['category', (d) => (d.annotations[0].category_id = 99), /refers to category 99/],
      ['outside', (d) => (d.annotations[0].bbox = [190, 10, 50, 5]), /lies outside the 200x150 image/],
      ['nan', (d) => (d.annotations[0].bbox = [1, 2, 'x', 4]), /bbox\[2\]: must be a finite number/],
      ['empty-box', (d) => (d.annotations[0].bbox = [1, 2, 0, 4]), /has no area/],
    ];
    for (const [name, mutate, pattern] of cases) {
      const doc = clone(coco);
      mutate(doc);
      const dir = await variant(`coco-${name}`, 'coco.json', JSON.stringify(doc));
      await expect(loadDataset(dir), name).rejects.toMatchObject({
        code: 'ERR_DATASET_INVALID',
        message: expect.stringMatching(pattern) as unknown as string,
      });
    }
  });

  it('refuses VoTT exports without assets or with untagged regions', async () => {
    await expect(
      loadDataset(await variant('vott-empty', 'vott.json', '{"name": "x"}'), { format: 'vott' }),
    ).rejects.toMatchObject({
      code: 'ERR_DATASET_INVALID',
      message: expect.stringContaining('"assets": must be an object') as unknown as string,
    });
    const doc = clone(vott);
    Object.values(doc.assets)[0].regions[0].tags = [];
    await expect(
      loadDataset(join(await variant('vott-untagged', 'vott.json', JSON.stringify(doc)), 'vott.json')),
    ).rejects.toMatchObject({
      code: 'ERR_DATASET_INVALID',
      message: expect.stringMatching(/region 0: has no tag/) as unknown as string,
    });
  });
});

describe('YOLO label lines', () => {
  it('names file and line for every kind of bad line', () => {
    const bad: [string, RegExp][] = [
      ['17 0.5 0.5 0.1 0.1', /labels\/a\.txt:2: class 17 is out of range \(0\.\.16\)/],
      ['-1 0.5 0.5 0.1 0.1', /class -1 is out of range/],
      ['0 1.5 0.5 0.1 0.1', /coordinate 1\.5 is outside 0\.\.1/],
      ['0 0.5 0.5 0.1', /expected "class cx cy w h" \(5 numbers\) or a polygon, found 4 numbers/],
      ['0 0.5 0.5 abc 0.1', /"abc" is not a number/],
      ['0 0.95 0.5 0.2 0.1', /box extends outside the image/],
      ['0 0.5 0.5 0 0.1', /width and height must be positive/],
      ['1.5 0.5 0.5 0.1 0.1', /class 1\.5 is out of range/],
    ];
    for (const [line, pattern] of bad)
      expect(
        () => parseYoloLabels(`0 0.5 0.5 0.1 0.1\n${line}\n`, 'labels/a.txt', 100, 100, 17),
        line,
      ).toThrow(pattern);
    expect(parseYoloLabels('3 0.1 0.1 0.3 0.1 0.2 0.4\n\n', 'p.txt', 100, 100, 17)).toEqual([
      { classIndex: 3, box: [10, 10, 30, 40] },
    ]);
  });

  it('refuses a label file with a bad line inside a dataset', async () => {
    const dir = join(tmp, 'yolo-bad');
    await cp(synth, dir, { recursive: true });
    await rm(join(dir, 'coco.json'));
    const label = (await readdir(join(dir, 'labels')))[0];
    await writeFile(join(dir, 'labels', label), '0 0.5 0.5 0.1 0.1\n42 0.5 0.5 0.1 0.1\n');
    await expect(loadDataset(dir, { format: 'yolo' })).rejects.toMatchObject({
      code: 'ERR_DATASET_INVALID',
      message: `labels/${label}:2: class 42 is out of range (0..16)`,
    });
  });
});

describe('paths and files', () => {
  it('refuses names that leave the dataset folder', () => {
    for (const name of [
      '../secret.jpg',
      'images/../../x.jpg',
      '/etc/passwd',
      'C:\\Windows\\x.jpg',
      '..\\x.jpg',
      'a\0b.jpg',
    ])
      expect(() => normaliseRelativePath(name, 'coco.json images[0].file_name'), name).toThrow(
        expect.objectContaining({ code: 'ERR_DATASET_PATH' }),
      );
    expect(normaliseRelativePath('images\\a.jpg', 'x')).toBe('images/a.jpg');
  });

  it('refuses traversal in COCO and VoTT files and symbolic links out of the folder', async () => {
    const doc = clone(coco);
    doc.images[0].file_name = '../../../../etc/passwd';
    await expect(
      loadDataset(await variant('trav-coco', 'coco.json', JSON.stringify(doc))),
    ).rejects.toMatchObject({
      code: 'ERR_DATASET_PATH',
      message: expect.stringContaining('coco.json images[0].file_name') as unknown as string,
    });
    const v = clone(vott);
    Object.values(v.assets)[0].asset.name = '../outside.png';
    await expect(
      loadDataset(join(await variant('trav-vott', 'vott.json', JSON.stringify(v)), 'vott.json')),
    ).rejects.toMatchObject({
      code: 'ERR_DATASET_PATH',
    });
    const dir = join(tmp, 'symlinked');
    await cp(synth, dir, { recursive: true });
    await writeFile(join(tmp, 'outside.png'), 'not yours');
    const first = String(coco.images[0].file_name);
    await rm(join(dir, first));
    await symlink(join(tmp, 'outside.png'), join(dir, first));
    const loaded = await loadDataset(dir);
    await expect(writeDataset(loaded.dataset, 'yolo', join(tmp, 'symlinked-out'))).rejects.toMatchObject({
      code: 'ERR_DATASET_PATH',
      message: expect.stringContaining('links outside the dataset folder') as unknown as string,
    });
  });

  it('reports a missing image and leaves no output behind', async () => {
    const dir = join(tmp, 'missing');
    await cp(synth, dir, { recursive: true });
    await rm(join(dir, String(coco.images[1].file_name)));
    const loaded = await loadDataset(dir);
    const out = join(tmp, 'missing-out');
    await expect(writeDataset(loaded.dataset, 'yolo', out)).rejects.toMatchObject({
      code: 'ERR_DATASET_IMAGE_MISSING',
      message: expect.stringContaining(String(coco.images[1].file_name)) as unknown as string,
    });
    expect(
      (await readdir(tmp)).filter((n) => n.startsWith('missing-out') || n.startsWith('.missing-out')),
    ).toEqual([]);
    // A VoTT export whose image is missing is refused on reading, naming the asset.
    const v = clone(vott);
    Object.values(v.assets)[0].asset.name = 'nowhere.png';
    Object.values(v.assets)[0].asset.path = 'file:C:/Users/annotator/nowhere.png';
    await expect(
      loadDataset(join(await variant('vott-missing', 'vott.json', JSON.stringify(v)), 'vott.json')),
    ).rejects.toMatchObject({
      code: 'ERR_DATASET_IMAGE_MISSING',
    });
  });

  it('refuses inputs above the limits before reading them whole', async () => {
    const limits = { ...DEFAULT_DATASET_LIMITS, maxJsonBytes: 1000 };
    await expect(loadDataset(join(synth, 'coco.json'), { limits })).rejects.toMatchObject({
      code: 'ERR_DATASET_TOO_LARGE',
    });
    await expect(
      loadDataset(synth, { format: 'yolo', limits: { ...DEFAULT_DATASET_LIMITS, maxFiles: 1 } }),
    ).rejects.toMatchObject({
      code: 'ERR_DATASET_TOO_LARGE',
    });
    await expect(
      loadDataset(join(synth, 'coco.json'), { limits: { ...DEFAULT_DATASET_LIMITS, maxAnnotations: 3 } }),
    ).rejects.toMatchObject({ code: 'ERR_DATASET_TOO_LARGE' });
  });

  it('refuses to write into a non-empty folder and leaves it untouched', async () => {
    const out = join(tmp, 'occupied');
    await mkdir(out);
    await writeFile(join(out, 'precious.txt'), 'keep');
    const loaded = await loadDataset(synth);
    await expect(writeDataset(loaded.dataset, 'coco', out)).rejects.toMatchObject({
      code: 'ERR_OUTPUT_EXISTS',
    });
    expect(await readdir(out)).toEqual(['precious.txt']);
  });
});

describe('the CLI on bad input', () => {
  it('prints one line with the code, file and line, and exits non-zero', async () => {
    const dir = await variant('cli-bad', 'coco.json', '{"images": [}');
    const out = join(tmp, 'cli-out');
    const err = await run(
      'npx',
      ['tsx', 'src/cli/main.ts', 'dataset', 'convert', '--in', dir, '--to', 'yolo', '--out', out],
      {
        cwd: process.cwd(),
      },
    ).catch((e: { code: number; stderr: string }) => e);
    expect((err as { code: number }).code).toBe(3);
    const lines = (err as { stderr: string }).stderr.split('\n').filter((l) => l.startsWith('gramscope:'));
    expect(lines).toEqual([
      'gramscope: ERR_DATASET_INVALID: coco.json:1:13: not valid JSON (unexpected "}")',
    ]);
    expect((await readdir(tmp)).some((n) => n.includes('cli-out'))).toBe(false);
  });
});
