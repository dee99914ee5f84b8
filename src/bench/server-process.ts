/**
 * A `gramscope serve` child process for service benchmarks, so the load generator (this process)
 * and the server never share a CPU budget or an event loop. Runs the built CLI (bin/gramscope.js).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../app/paths.js';

export interface BenchServer {
  child: ChildProcess;
  url: string;
  /** Milliseconds from spawn to the "ready" banner. */
  readyMs: number;
  startedAt: number;
  rssMb: () => number;
  stop(): Promise<number | null>;
}

export function readRssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0);
  return kb / 1024;
}

export async function startBenchServer(
  dataDir: string,
  env: Record<string, string> = {},
): Promise<BenchServer> {
  const startedAt = performance.now();
  const child = spawn(
    process.execPath,
    [path.join(packageRoot(), 'bin', 'gramscope.js'), 'serve', '--port', '0', '--data', dataDir],
    {
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '/tmp',
        GRAMSCOPE_LOG_LEVEL: 'warn',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start: ${out.slice(-500)}`)), 60_000);
    const onData = (d: Buffer): void => {
      out += d.toString();
      const m = /Open (http:\/\/\S+) in a browser/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1].replace('localhost', '127.0.0.1'));
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited with ${code}: ${out.slice(-500)}`));
    });
  });
  const readyMs = performance.now() - startedAt;
  child.stdout.resume();
  child.stderr.resume();
  return {
    child,
    url,
    readyMs,
    startedAt,
    rssMb: () => readRssMb(child.pid!),
    async stop() {
      if (child.exitCode !== null) return child.exitCode;
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      child.kill('SIGTERM');
      return exited;
    },
  };
}

/** A multipart body carrying one image in the field `image`. */
export function multipartBody(
  image: Uint8Array,
  filename = 'field.jpg',
): { body: Buffer; contentType: string } {
  const boundary = `gramscope-bench-${Math.random().toString(16).slice(2)}`;
  return {
    body: Buffer.concat([
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="image"; filename="${filename}"\r\nContent-Type: image/jpeg\r\n\r\n`,
      ),
      image,
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]),
    contentType: `multipart/form-data; boundary=${boundary}`,
  };
}
