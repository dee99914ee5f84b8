import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { Value } from '@sinclair/typebox/value';
import { AnalysisResultSchema } from '../../src/domain/analysis-result.js';
import { runCli } from '../support/cli.js';
import { synthFieldJpeg } from '../support/fields.js';
import { TEXT } from '../support/images.js';

describe('gramscope CLI', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'gramscope-cli-'));
    await writeFile(path.join(dir, 'b-field.jpg'), await synthFieldJpeg(3, { labels: ['s_aureus', 'rbc'] }));
    await writeFile(
      path.join(dir, 'a-field.jpg'),
      await synthFieldJpeg(4, { labels: ['enterobacterales', 'rbc'] }),
    );
    await writeFile(path.join(dir, 'not-an-image.png'), TEXT);
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('prints one SPEC §2 result per line in input order, and writes overlays', async () => {
    const overlay = path.join(dir, 'overlays');
    const files = [path.join(dir, 'b-field.jpg'), path.join(dir, 'a-field.jpg')];
    const res = await runCli(['analyze', ...files, '--json', '--um-per-px', '0.1', '--overlay', overlay]);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    const lines = res.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => l.file)).toEqual(files);
    for (const line of lines) {
      const { file: _file, ...result } = line;
      expect(Value.Check(AnalysisResultSchema, result)).toBe(true);
    }
    expect((lines[0].image as { scaleSource: string }).scaleSource).toBe('option');
    const written = (await readdir(overlay)).sort();
    expect(written).toEqual(['a-field.overlay.png', 'b-field.overlay.png']);
    const meta = await sharp(path.join(overlay, 'b-field.overlay.png')).metadata();
    expect([meta.width, meta.height]).toEqual([640, 480]);
  });

  it('reports a bad file in one line with its code, keeps going, and exits non-zero', async () => {
    const res = await runCli([
      'analyze',
      path.join(dir, 'not-an-image.png'),
      path.join(dir, 'a-field.jpg'),
      '--csv',
      '-q',
    ]);
    expect(res.code).toBe(3);
    expect(res.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(/not-an-image\.png: ERR_IMAGE_TYPE: /),
    ]);
    const rows = res.stdout.trim().split('\n');
    expect(rows[0]).toMatch(/^file,id,width,height,engine,finding/);
    expect(rows).toHaveLength(2);
  });

  it('refuses usage errors in one line with exit code 2', async () => {
    const missing = await runCli(['analyze', path.join(dir, 'nope.jpg')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^gramscope: ERR_USAGE: No such file or folder: .*nope\.jpg\n$/);
    const badScale = await runCli(['analyze', dir, '--um-per-px', 'abc']);
    expect(badScale.code).toBe(2);
    expect(badScale.stderr).toContain('--um-per-px must be a number');
  });

  it('refuses to serve beyond loopback without an identity provider', async () => {
    const res = await runCli(['serve', '--host', '0.0.0.0', '--port', '0', '--data', dir]);
    expect(res.code).toBe(78);
    expect(res.stderr).toMatch(/^gramscope: ERR_CONFIG_UNSAFE_BIND: Refusing to listen on 0\.0\.0\.0/);
    expect(res.stderr.split('\n').filter(Boolean)).toHaveLength(1);
  });

  it('names every invalid setting and exits 78', async () => {
    const res = await runCli(['serve', '--data', dir], {
      env: { GRAMSCOPE_PORT: 'http', GRAMSCOPE_LOG_LEVEL: 'loud' },
    });
    expect(res.code).toBe(78);
    expect(res.stderr).toContain('GRAMSCOPE_PORT');
    expect(res.stderr).toContain('GRAMSCOPE_LOG_LEVEL');
  });
});
