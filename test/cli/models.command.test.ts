import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerModels } from '../../src/cli/commands/models.command.js';
import { buildConstantDetector } from '../../src/models/builder/exact-models.js';
import { invokeCommands } from '../support/cli.js';

const run = promisify(execFile);
let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'gramscope-models-cli-'));
  const { bytes } = buildConstantDetector({
    layout: 'yolov8',
    classes: ['Staphylococcus aureus', 'spore'],
    rows: [[8, 8, 4, 4, 0.9, 0.1]],
    inputWidth: 32,
    inputHeight: 32,
  });
  await writeFile(join(tmp, 'det.onnx'), bytes);
  await writeFile(join(tmp, 'card.yaml'), 'version: "2"\nvalidation:\n  metrics: { mAP50: 0.7 }\n');
  await writeFile(join(tmp, 'bad.onnx'), 'this is not an ONNX model, only text');
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

const invoke = (args: string[]): Promise<string> => invokeCommands(registerModels, args);

describe('gramscope models', () => {
  it('adds, lists, shows, verifies and removes a model', async () => {
    const data = join(tmp, 'data');
    const added = JSON.parse(
      await invoke([
        'models',
        'add',
        join(tmp, 'det.onnx'),
        '--name',
        'Det',
        '--card',
        join(tmp, 'card.yaml'),
        '-d',
        data,
        '--json',
      ]),
    );
    expect(added).toMatchObject({
      id: 'det-2',
      version: '2',
      active: true,
      unmappedClasses: ['spore'],
      validation: { metrics: { mAP50: 0.7 } },
      format: { layout: 'yolov8' },
    });
    const listed = JSON.parse(await invoke(['models', 'list', '-d', data, '--json']));
    expect(listed.map((m: { id: string; active: boolean }) => [m.id, m.active])).toEqual([['det-2', true]]);
    expect(await invoke(['models', 'list', '-d', data])).toMatch(
      /^\* det-2\tonnx-detector\tDet 2\tyolov8 32x32\t2 classes; unmapped: spore/,
    );
    expect(JSON.parse(await invoke(['models', 'show', 'det-2', '-d', data])).sha256).toBe(added.sha256);
    expect(await invoke(['models', 'verify', '-d', data])).toBe('det-2\tok\n');
    // A second registration of the same file, then activation, roll back and deactivation.
    await invoke(['models', 'add', join(tmp, 'det.onnx'), '--id', 'det-3', '-d', data, '--json']);
    expect(await invoke(['models', 'activate', 'det-3', '-d', data])).toBe(
      'det-3 is now the active onnx-detector model (was det-2)\n',
    );
    expect(await invoke(['models', 'rollback', 'onnx-detector', '-d', data])).toBe(
      'det-2 is again the active onnx-detector model (was det-3)\n',
    );
    expect(await invoke(['models', 'deactivate', 'onnx-detector', '-d', data])).toBe(
      'onnx-detector has no active model (was det-2)\n',
    );
    const history = JSON.parse(await invoke(['models', 'history', 'onnx-detector', '-d', data, '--json']));
    expect(
      history.map((h: { action: string; modelId: string | null; by: string }) => [h.action, h.modelId, h.by]),
    ).toEqual([
      ['deactivate', null, 'cli'],
      ['rollback', 'det-2', 'cli'],
      ['activate', 'det-3', 'cli'],
      ['activate', 'det-2', 'cli'],
    ]);
    await expect(invoke(['models', 'rollback', 'morphology', '-d', data])).rejects.toThrow(
      /engine must be one of/,
    );
    expect(await invoke(['models', 'remove', 'det-3', '-d', data])).toBe('removed det-3\n');
    await invoke(['models', 'activate', 'det-2', '-d', data]);
    await expect(invoke(['models', 'remove', 'det-2', '-d', data])).rejects.toMatchObject({
      code: 'ERR_CONFLICT',
    });
    expect(await invoke(['models', 'remove', 'det-2', '--force', '-d', data])).toBe('removed det-2\n');
    expect(await invoke(['models', 'list', '-d', data])).toMatch(/^no models/);
  });

  it('refuses a corrupt file with one line and the input exit code', async () => {
    const err = await run(
      'npx',
      ['tsx', 'src/cli/main.ts', 'models', 'add', join(tmp, 'bad.onnx'), '-d', join(tmp, 'data2')],
      {
        cwd: process.cwd(),
      },
    ).catch((e: { code: number; stderr: string }) => e);
    expect((err as { code: number }).code).toBe(3);
    const lines = (err as { stderr: string }).stderr.split('\n').filter((l) => l.startsWith('gramscope:'));
    expect(lines).toEqual(['gramscope: ERR_MODEL_INVALID: The model file is not a valid ONNX protobuf']);
  });
});
