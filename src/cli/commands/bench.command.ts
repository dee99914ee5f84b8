import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { meetsTarget, type BenchFigure } from '../../bench/bench.js';
import { SCENARIOS } from '../../bench/scenarios.js';
import { parseNumberOption, usageError } from '../output.js';

interface BenchOptions {
  only?: string;
  budget?: string;
  json?: string;
  markdown?: string;
  list?: boolean;
}

export function registerBench(program: Command): void {
  program
    .command('bench')
    .description('Measure speed and memory against the targets of SPEC §3 (a benchmark, not a test)')
    .option('--only <names>', 'comma-separated scenario names')
    .option('--budget <seconds>', 'time budget per scenario', '60')
    .option('--json <file>', 'write all figures as JSON')
    .option('--markdown <file>', 'write a Markdown table (for the README status table)')
    .option('--list', 'list scenarios and exit')
    .action(async (options: BenchOptions) => {
      process.exitCode = await bench(options);
    });
}

/** 1, 5 and 15-minute load averages, and the cores they compare with. */
function formatLoad(): string {
  return `${loadavg()
    .map((l) => l.toFixed(1))
    .join(' / ')} (${availableParallelism()} cores)`;
}

function formatValue(f: BenchFigure): string {
  const v =
    Math.abs(f.value) >= 100
      ? f.value.toFixed(0)
      : Math.abs(f.value) >= 10
        ? f.value.toFixed(1)
        : f.value.toFixed(3);
  return `${v} ${f.unit}`.trim();
}

async function bench(options: BenchOptions): Promise<number> {
  if (options.list) {
    for (const s of SCENARIOS) process.stdout.write(`${s.name}\t${s.description}\n`);
    return 0;
  }
  const wanted = options.only
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const unknown = wanted?.filter((w) => !SCENARIOS.some((s) => s.name === w)) ?? [];
  if (unknown.length)
    throw usageError(`unknown scenario(s): ${unknown.join(', ')}; see gramscope bench --list`);
  const scenarios = SCENARIOS.filter((s) => !wanted || wanted.includes(s.name));
  if (scenarios.length === 0) throw usageError('no bench scenarios are registered');
  const budgetSeconds = parseNumberOption('--budget', options.budget ?? '60', { min: 1, max: 3600 });

  const rows: { scenario: string; figure: BenchFigure; ok: boolean | null }[] = [];
  let failures = 0;
  for (const scenario of scenarios) {
    const workDir = await mkdtemp(path.join(tmpdir(), `gramscope-bench-${scenario.name}-`));
    process.stderr.write(`bench: ${scenario.name} — ${scenario.description}\n`);
    // Other work on the machine changes wall times, not CPU times: record how busy it was.
    process.stderr.write(`  load average at start: ${formatLoad()}\n`);
    try {
      const figures = await scenario.run({
        budgetSeconds,
        workDir,
        log: (line) => process.stderr.write(`  ${line}\n`),
      });
      for (const figure of figures) {
        const ok = meetsTarget(figure);
        if (ok === false) failures += 1;
        rows.push({ scenario: scenario.name, figure, ok });
        const target = figure.target
          ? ` (target ${figure.target.op} ${figure.target.value} ${figure.unit}: ${ok ? 'met' : 'MISSED'})`
          : '';
        process.stdout.write(
          `${figure.key}\t${formatValue(figure)}${target}${figure.note ? `\t${figure.note}` : ''}\n`,
        );
      }
    } catch (err) {
      failures += 1;
      process.stdout.write(`${scenario.name}\tFAILED: ${err instanceof Error ? err.message : String(err)}\n`);
    } finally {
      process.stderr.write(`  load average at end: ${formatLoad()}\n`);
      await rm(workDir, { recursive: true, force: true });
    }
  }
  const machine = `${process.platform} ${process.arch}, Node ${process.versions.node}, ${new Date().toISOString().slice(0, 10)}, load average ${formatLoad()} at the end`;
  if (options.json) {
    await writeFile(
      options.json,
      `${JSON.stringify({ machine, figures: rows.map((r) => ({ scenario: r.scenario, ...r.figure, met: r.ok })) }, null, 2)}\n`,
    );
  }
  if (options.markdown) {
    const lines = ['| figure | value | target | met |', '|---|---|---|---|'];
    for (const r of rows) {
      const target = r.figure.target
        ? `${r.figure.target.op} ${r.figure.target.value} ${r.figure.unit}`
        : '—';
      lines.push(
        `| ${r.figure.key} | ${formatValue(r.figure)} | ${target} | ${r.ok === null ? '—' : r.ok ? 'yes' : '**no**'} |`,
      );
    }
    await writeFile(options.markdown, `${lines.join('\n')}\n\n_${machine}_\n`);
  }
  return failures > 0 ? 1 : 0;
}
