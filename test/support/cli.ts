/**
 * Runs the CLI from its sources in a child process, as a user would run `gramscope`, or in this
 * process through the commands' own registration (faster, and errors arrive as thrown values).
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { vi } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runCli(
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number; input?: string } = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], {
      cwd: options.cwd ?? ROOT,
      env: { ...process.env, GRAMSCOPE_DATA: undefined, ...options.env },
      stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    if (options.input !== undefined) child.stdin!.end(options.input);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/**
 * Parses `args` with a program holding only the commands that `register` adds, and returns what
 * they wrote on stdout. Commander's exit is turned into a throw, so a refused command rejects.
 * With `quietStderr`, notes and progress on stderr are swallowed too.
 */
export async function invokeCommands(
  register: (program: Command) => void,
  args: readonly string[],
  options: { quietStderr?: boolean } = {},
): Promise<string> {
  const program = new Command('gramscope').exitOverride();
  register(program);
  const chunks: string[] = [];
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    chunks.push(String(chunk));
    return true;
  });
  const err = options.quietStderr ? vi.spyOn(process.stderr, 'write').mockImplementation(() => true) : null;
  try {
    await program.parseAsync(['node', 'gramscope', ...args]);
  } finally {
    out.mockRestore();
    err?.mockRestore();
  }
  return chunks.join('');
}
