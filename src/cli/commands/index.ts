import type { Command } from 'commander';

type Register = (program: Command) => void;

/**
 * Every command, in help order, loaded on demand: `gramscope serve` loads the server and nothing
 * of the dataset tools, benchmarks (onnxruntime) or report printing. Cold start is a requirement
 * (SPEC §3), and each command's module graph is large.
 */
const COMMANDS: ReadonlyArray<readonly [name: string, load: () => Promise<Register>]> = [
  ['serve', async () => (await import('./serve.command.js')).registerServe],
  ['audit', async () => (await import('./audit.command.js')).registerAudit],
  ['analyze', async () => (await import('./analyze.command.js')).registerAnalyze],
  ['bench', async () => (await import('./bench.command.js')).registerBench],
  ['synth', async () => (await import('./synth.command.js')).registerSynthCommand],
  ['normalize', async () => (await import('./normalize.command.js')).registerNormalize],
  ['report', async () => (await import('./report.command.js')).registerReport],
  ['dataset', async () => (await import('./dataset.command.js')).registerDatasetCommand],
  ['eval', async () => (await import('./eval.command.js')).registerEvalCommand],
  ['backup', async () => (await import('./backup.command.js')).registerBackup],
  ['restore', async () => (await import('./restore.command.js')).registerRestore],
  ['retention', async () => (await import('./retention.command.js')).registerRetention],
  ['models', async () => (await import('./models.command.js')).registerModels],
  // One module registers both `users` and `tokens`.
  ['users', async () => (await import('./users.command.js')).registerUsers],
  ['tokens', async () => (await import('./users.command.js')).registerUsers],
];

/**
 * Registers the command named on the command line, or all of them when none is named or the name
 * is unknown (help, and commander's "did you mean" need the full list).
 */
export async function registerCommands(program: Command, args: readonly string[] = []): Promise<void> {
  const named = args.find((a) => !a.startsWith('-'));
  const wanted = COMMANDS.filter(([name]) => name === named);
  // A module that registers several commands is loaded once and registers them once.
  const registers = new Set<Register>();
  for (const [, load] of wanted.length > 0 ? wanted : COMMANDS) registers.add(await load());
  for (const register of registers) register(program);
}
