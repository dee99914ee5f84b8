/**
 * The `gramscope` command line. Each command lives in commands/<name>.command.ts and registers
 * itself; this file only wires them up and turns errors into one line and an exit code.
 */
import { Command, CommanderError } from 'commander';
import { packageVersion } from '../app/paths.js';
import { registerCommands } from './commands/index.js';
import { failAndExit } from './output.js';

/** `args`: the command line after the executable and script, to load only the command named. */
export async function buildProgram(args: readonly string[] = []): Promise<Command> {
  const program = new Command('gramscope')
    .description('Gram-stain micrograph analysis: detections, Gram finding and differential')
    .version(packageVersion(), '-V, --version')
    .showHelpAfterError('(run gramscope --help for usage)')
    .exitOverride();
  await registerCommands(program, args);
  return program;
}

export async function main(argv: readonly string[] = process.argv): Promise<void> {
  const program = await buildProgram(argv.slice(2));
  try {
    await program.parseAsync([...argv]);
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version output are not failures; commander has already printed its message.
      process.exitCode = err.exitCode === 0 ? 0 : 2;
      return;
    }
    failAndExit(err);
  }
}

await main();
