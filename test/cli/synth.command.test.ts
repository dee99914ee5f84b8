import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseLabelList, registerSynthCommand } from '../../src/cli/commands/synth.command.js';
import { invokeCommands } from '../support/cli.js';

const run = promisify(execFile);
let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'gramscope-synth-cli-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

const invoke = (args: string[]): Promise<string> => invokeCommands(registerSynthCommand, args);

describe('gramscope synth', () => {
  it('writes the dataset and prints a JSON summary with --json', async () => {
    const out = join(tmp, 'ds');
    const stdout = await invoke([
      'synth',
      '--out',
      out,
      '--count',
      '2',
      '--seed',
      '7',
      '--width',
      '200',
      '--height',
      '160',
      '--labels',
      'S. aureus,rbc',
      '--quiet',
      '--json',
    ]);
    const summary = JSON.parse(stdout);
    expect(summary.fields).toBe(2);
    expect(Object.keys(summary.byLabel).sort()).toEqual(['rbc', 's_aureus']);
    const manifest = JSON.parse(await readFile(join(out, 'synth.json'), 'utf8'));
    expect(manifest.options.labels).toEqual(['s_aureus', 'rbc']);
  });

  it('maps label names and aliases, and refuses unknown ones', () => {
    expect(parseLabelList('Staphylococcus aureus, 赤血球 ,gbs')).toEqual(['s_aureus', 'rbc', 'gbs']);
    expect(() => parseLabelList('spore')).toThrow(/unknown label "spore"/);
  });

  it('fails with one line and a usage exit code on bad flags', async () => {
    const err = await run(
      'npx',
      ['tsx', 'src/cli/main.ts', 'synth', '--out', join(tmp, 'x'), '--count', 'many'],
      {
        cwd: process.cwd(),
      },
    ).catch((e: { code: number; stderr: string }) => e);
    expect((err as { code: number }).code).toBe(2);
    const lines = (err as { stderr: string }).stderr.split('\n').filter((l) => l.startsWith('gramscope:'));
    expect(lines).toEqual(['gramscope: ERR_USAGE: --count must be an integer ≥ 1 ≤ 100000, got "many"']);
  });
});
