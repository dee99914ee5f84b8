/**
 * A `gramscope serve` child process for service benchmarks, so the load generator (this process)
 * and the server never share a CPU budget or an event loop. Runs the built CLI (bin/gramscope.js).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../app/paths.js';

/**
 * glibc allocator settings of the container image (deploy/Dockerfile, checked by a test), so the
 * benchmarked server allocates as a deployed one does; both only take effect at process start.
 */
export const IMAGE_MALLOC_ENV: Readonly<Record<string, string>> = {
  MALLOC_ARENA_MAX: '2',
  MALLOC_MMAP_THRESHOLD_: '1048576',
};

export interface BenchServer {
  child: ChildProcess;
  url: string;
  /** Milliseconds from spawn to the "ready" banner. */
  readyMs: number;
  startedAt: number;
  rssMb: () => number;
  /** CPU milliseconds the server process has used so far, all threads (user + system). */
  cpuMs: () => number;
  stop(): Promise<number | null>;
}

export function readRssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0);
  return kb / 1024;
}

/** CPU time of a process, all its threads, from /proc (clock ticks are 1/100 s on Linux). */
export function readCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name, which may itself contain spaces or parentheses.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
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
        ...IMAGE_MALLOC_ENV,
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
    cpuMs: () => readCpuMs(child.pid!),
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
