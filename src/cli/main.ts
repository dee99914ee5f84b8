/**
 * The `gramscope` command line. Each command lives in commands/<name>.command.ts and registers
 * itself; this file only wires them up and turns errors into one line and an exit code.
 */
import { Command, CommanderError } from 'commander';
import { packageVersion } from '../app/paths.js';
import { registerCommands } from './commands/index.js';
import { failAndExit } from './output.js';

export function buildProgram(): Command {
  const program = new Command('gramscope')
    .description('Gram-stain micrograph analysis: detections, Gram finding and differential')
    .version(packageVersion(), '-V, --version')
    .showHelpAfterError('(run gramscope --help for usage)')
    .exitOverride();
  registerCommands(program);
  return program;
}

export async function main(argv: readonly string[] = process.argv): Promise<void> {
  const program = buildProgram();
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
