import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerDatasetCommand } from '../../src/cli/commands/dataset.command.js';
import { registerEvalCommand } from '../../src/cli/commands/eval.command.js';
import { writeSynthDataset } from '../../src/datasets/synth/synth-dataset.service.js';
import { invokeCommands } from '../support/cli.js';

let tmp: string;
let data: string;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'gramscope-cli-ds-'));
  data = join(tmp, 'data');
  await writeSynthDataset({
    out: data,
    count: 4,
    seed: 8,
    width: 320,
    height: 240,
    fieldsPerSpecimen: 2,
    format: 'png',
  });
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

const invoke = (args: string[]): Promise<string> =>
  invokeCommands(
    (program) => {
      registerDatasetCommand(program);
      registerEvalCommand(program);
    },
    args,
    { quietStderr: true },
  );

describe('gramscope dataset and eval commands', () => {
  it('converts, crops and splits with JSON summaries', async () => {
    const converted = JSON.parse(
      await invoke([
        'dataset',
        'convert',
        '--in',
        join(data, 'vott.json'),
        '--to',
        'yolo',
        '--out',
        join(tmp, 'y'),
        '--json',
        '--quiet',
      ]),
    );
    expect(converted).toMatchObject({ format: 'yolo', from: 'vott', images: 4 });
    expect(await readdir(join(tmp, 'y'))).toEqual(expect.arrayContaining(['data.yaml', 'images', 'labels']));

    const crops = JSON.parse(
      await invoke([
        'dataset',
        'crops',
        '--data',
        data,
        '--out',
        join(tmp, 'c'),
        '--random',
        '5',
        '--json',
        '--quiet',
      ]),
    );
    expect(crops.crops + crops.skippedOrganisms).toBe(20);

    const split = JSON.parse(
      await invoke([
        'dataset',
        'split',
        '--data',
        data,
        '--out',
        join(tmp, 's'),
        '--ratios',
        '0.5,0.5',
        '--seed',
        '2',
        '--json',
        '--quiet',
      ]),
    );
    expect(split.specimens).toBe(2);
    expect(split.splits.train.specimens + split.splits.val.specimens).toBe(2);
    await expect(
      invoke(['dataset', 'split', '--data', data, '--out', join(tmp, 's2'), '--ratios', '0.5,0.6']),
    ).rejects.toMatchObject({
      code: 'ERR_USAGE',
    });
  });

  it('evaluates with the default engine and writes JSON and HTML reports', async () => {
    const line = await invoke([
      'eval',
      '--data',
      data,
      '--workers',
      '1',
      '--level',
      'morphotype',
      '--json',
      join(tmp, 'r.json'),
      '--html',
      join(tmp, 'r.html'),
      '--quiet',
    ]);
    expect(line).toMatch(/^mAP@0\.5 \d\.\d{3}, mAP@0\.5:0\.95 \d\.\d{3}, Gram .* on 4 fields in/);
    const report = JSON.parse(await readFile(join(tmp, 'r.json'), 'utf8'));
    expect(report.engine.name).toBe('morphology');
    expect(report.level).toBe('morphotype');
    expect(report.images).toHaveLength(4);
    expect(await readFile(join(tmp, 'r.html'), 'utf8')).toContain('gramscope validation report');
    await expect(invoke(['eval', '--data', data, '--level', 'species'])).rejects.toMatchObject({
      code: 'ERR_USAGE',
    });
    await expect(
      invoke(['eval', '--data', data, '--engine', 'nonesuch', '--workers', '1']),
    ).rejects.toMatchObject({
      code: 'ERR_ENGINE_UNKNOWN',
    });
  });
});
