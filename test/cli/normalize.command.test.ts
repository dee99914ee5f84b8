import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerNormalize } from '../../src/cli/commands/normalize.command.js';
import { renderField } from '../../src/datasets/synth/index.js';
import { createRaster } from '../../src/domain/raster.js';
import { decodeImage, encodeJpeg, encodePng } from '../../src/imaging/intake.js';
import { invokeCommands, runCli } from '../support/cli.js';

let tmp: string;
let fields: string;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'gramscope-normalize-cli-'));
  fields = join(tmp, 'fields');
  await mkdir(fields);
  for (const site of [1, 3]) {
    const f = renderField({ seed: 5, width: 320, height: 240, labels: ['s_aureus', 'rbc'], site });
    await writeFile(join(fields, `site${site}.jpg`), await encodeJpeg(f.raster, 92));
  }
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe('gramscope normalize', () => {
  it('writes every field of a folder, re-coloured, at its own size, and reports the rescaling', async () => {
    const out = join(tmp, 'out');
    const stdout = await invokeCommands(registerNormalize, [
      'normalize',
      fields,
      '--out',
      out,
      '--quiet',
      '--json',
    ]);
    const lines = stdout
      .trim()
      .split('\n')
      .map(
        (l) =>
          JSON.parse(l) as {
            out: string;
            rescale: { crystalViolet: number };
            from: { crystalViolet: number[] };
          },
      );
    expect(lines.map((l) => l.out)).toEqual([join(out, 'site1.png'), join(out, 'site3.png')]);
    for (const l of lines) {
      expect(l.rescale.crystalViolet).toBeGreaterThan(0.25);
      expect(l.rescale.crystalViolet).toBeLessThan(4);
      expect(l.from.crystalViolet).toHaveLength(3);
    }
    expect((await readdir(out)).sort()).toEqual(['site1.png', 'site3.png']);
    const written = await decodeImage(await readFile(join(out, 'site3.png')));
    expect([written.raster.width, written.raster.height]).toEqual([320, 240]);
  });

  it('refuses a non-empty output folder and keeps what is in it', async () => {
    const out = join(tmp, 'kept');
    await mkdir(out);
    await writeFile(join(out, 'mine.txt'), 'keep me');
    await expect(
      invokeCommands(registerNormalize, ['normalize', fields, '--out', out, '--quiet']),
    ).rejects.toMatchObject({ code: 'ERR_OUTPUT_EXISTS' });
    expect(await readdir(out)).toEqual(['mine.txt']);
  });

  it('reports a bad file in one line, writes the others and exits non-zero', async () => {
    const mixed = join(tmp, 'mixed');
    await mkdir(mixed);
    await writeFile(join(mixed, 'a.jpg'), await readFile(join(fields, 'site1.jpg')));
    await writeFile(join(mixed, 'broken.png'), 'not an image');
    const out = join(tmp, 'mixed-out');
    const res = await runCli(['normalize', mixed, '--out', out, '--quiet']);
    expect(res.code).toBe(3);
    expect(res.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(/^gramscope: .*broken\.png: ERR_IMAGE_TYPE: /),
    ]);
    expect(res.stdout).toMatch(/^wrote 1 of 2 fields to /);
    expect(await readdir(out)).toEqual(['a.png']);
  });

  it('refuses an unknown output format and a blank reference with a usage error', async () => {
    await expect(
      invokeCommands(registerNormalize, ['normalize', fields, '--out', join(tmp, 'x'), '--format', 'gif']),
    ).rejects.toMatchObject({ code: 'ERR_USAGE' });
    const blank = join(tmp, 'blank.png');
    const raster = createRaster(200, 150);
    raster.data.fill(220);
    await writeFile(blank, await encodePng(raster));
    await expect(
      invokeCommands(registerNormalize, ['normalize', fields, '--out', join(tmp, 'y'), '--reference', blank]),
    ).rejects.toMatchObject({ code: 'ERR_USAGE', message: expect.stringMatching(/too little stain/) });
  });
});
