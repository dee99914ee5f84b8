/**
 * Runs deploy/Dockerfile's steps on this machine, without Docker: each stage gets a folder standing
 * for its root filesystem, COPY copies, RUN runs (system package installs are skipped: the host
 * has them), and the runtime stage's ENTRYPOINT + CMD is started with its ENV and its HEALTHCHECK
 * polled, then stopped with its STOPSIGNAL. It prints the size of what the image adds to the base.
 *
 *   npm run verify:image            (keeps nothing; --keep leaves the folders for inspection)
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const keep = process.argv.includes('--keep');

interface Instruction {
  op: string;
  args: string;
}

/** Instructions with continuation lines joined and comments dropped. */
export function parseDockerfile(text: string): Instruction[] {
  const out: Instruction[] = [];
  let current = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!current && (line === '' || line.startsWith('#'))) continue;
    if (current && line.startsWith('#')) continue;
    if (line.endsWith('\\')) {
      current += `${line.slice(0, -1)} `;
      continue;
    }
    current += line;
    const m = /^(\w+)\s+([\s\S]*)$/.exec(current.trim());
    if (m) out.push({ op: m[1].toUpperCase(), args: m[2].trim() });
    current = '';
  }
  return out;
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

function envPairs(args: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const m of args.matchAll(/(\w+)=("[^"]*"|\S+)/g)) env[m[1]] = m[2].replace(/^"|"$/g, '');
  return env;
}

interface Stage {
  name: string;
  dir: string;
  cwd: string;
  env: Record<string, string>;
  entrypoint: string[];
  cmd: string[];
  healthcheck: string[];
  stopSignal: NodeJS.Signals;
}

async function main(): Promise<void> {
  const work = mkdtempSync(path.join(tmpdir(), 'gramscope-image-'));
  const instructions = parseDockerfile(readFileSync(path.join(root, 'deploy/Dockerfile'), 'utf8'));
  const args: Record<string, string> = {};
  const stages: Stage[] = [];
  const subst = (s: string): string => s.replace(/\$\{(\w+)\}/g, (_, k: string) => args[k] ?? '');
  const inStage = (stage: Stage, p: string): string =>
    path.join(stage.dir, path.isAbsolute(p) ? p : path.join(stage.cwd, p));
  let stage: Stage | undefined;
  for (const { op, args: rawArgs } of instructions) {
    const a = subst(rawArgs);
    const s = stage;
    switch (op) {
      case 'ARG': {
        const [k, v] = a.split('=');
        if (k && v !== undefined) args[k] = v;
        break;
      }
      case 'FROM': {
        const name = /\bAS\s+(\S+)/i.exec(a)?.[1] ?? `stage${stages.length}`;
        stage = {
          name,
          dir: path.join(work, name),
          cwd: '/',
          env: {},
          entrypoint: [],
          cmd: [],
          healthcheck: [],
          stopSignal: 'SIGTERM',
        };
        mkdirSync(stage.dir, { recursive: true });
        stages.push(stage);
        console.log(`== stage ${name} (base ${a.split(/\s+/)[0]})`);
        break;
      }
      case 'WORKDIR':
        s!.cwd = path.posix.resolve(s!.cwd, a);
        mkdirSync(path.join(s!.dir, s!.cwd), { recursive: true });
        break;
      case 'ENV':
        Object.assign(s!.env, envPairs(a));
        break;
      case 'COPY': {
        const parts = a.split(/\s+/);
        const from = parts.find((p) => p.startsWith('--from='))?.slice(7);
        const paths = parts.filter((p) => !p.startsWith('--'));
        const dest = paths.pop()!;
        for (const src of paths) {
          const source = from
            ? path.join(stages.find((x) => x.name === from)!.dir, src)
            : path.join(root, src);
          const target =
            dest.endsWith('/') || paths.length > 1
              ? path.join(inStage(s!, dest), path.basename(src))
              : inStage(s!, dest);
          const sourceIsDir = existsSync(source) && spawnSync('test', ['-d', source]).status === 0;
          cpSync(source, sourceIsDir && dest.endsWith('/') && !from ? inStage(s!, dest) : target, {
            recursive: true,
            filter: (f) => !f.includes(`${path.sep}node_modules${path.sep}`) || !!from,
          });
        }
        console.log(`COPY ${a}`);
        break;
      }
      case 'RUN':
        if (/\bapt-get\b/.test(a)) {
          console.log(`RUN (skipped, the host has these system packages): ${a}`);
          break;
        }
        console.log(`RUN ${a}`);
        execFileSync('bash', ['-euo', 'pipefail', '-c', a], {
          cwd: path.join(s!.dir, s!.cwd),
          stdio: 'inherit',
          env: { ...process.env, ...s!.env },
        });
        break;
      case 'ENTRYPOINT':
        s!.entrypoint = JSON.parse(a) as string[];
        break;
      case 'CMD':
        s!.cmd = JSON.parse(a) as string[];
        break;
      case 'HEALTHCHECK':
        s!.healthcheck = JSON.parse(a.slice(a.indexOf('CMD') + 3).trim()) as string[];
        break;
      case 'STOPSIGNAL':
        s!.stopSignal = a as NodeJS.Signals;
        break;
      case 'USER':
      case 'EXPOSE':
      case 'VOLUME':
      case 'LABEL':
        break;
      default:
        throw new Error(`the dry run does not understand ${op}`);
    }
  }
  const runtime = stages.at(-1)!;
  const added = execFileSync('du', ['-sm', runtime.dir]).toString().split('\t')[0];
  const modules = execFileSync('du', ['-sm', path.join(runtime.dir, 'app/node_modules')])
    .toString()
    .split('\t')[0];
  console.log(`== the runtime stage adds ${added} MB to its base image (node_modules ${modules} MB)`);

  const port = await freePort();
  const env = {
    ...process.env,
    ...runtime.env,
    // No identity provider here: the image's 0.0.0.0 would (rightly) be refused, so loopback.
    GRAMSCOPE_HOST: '127.0.0.1',
    GRAMSCOPE_PORT: String(port),
    GRAMSCOPE_DATA: path.join(runtime.dir, runtime.env.GRAMSCOPE_DATA ?? '/var/lib/gramscope'),
  };
  const [command, ...rest] = [...runtime.entrypoint, ...runtime.cmd];
  const started = performance.now();
  const child = spawn(command === 'node' ? process.execPath : command, rest, {
    cwd: path.join(runtime.dir, runtime.cwd),
    env,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  let healthy = false;
  for (let i = 0; i < 120 && !healthy; i++) {
    await new Promise((r) => setTimeout(r, 250));
    const [hc, ...hcArgs] = runtime.healthcheck;
    healthy = spawnSync(hc === 'node' ? process.execPath : hc, hcArgs, { env }).status === 0;
  }
  console.log(
    healthy
      ? `== HEALTHCHECK passed ${Math.round(performance.now() - started)} ms after start`
      : '== HEALTHCHECK never passed',
  );
  child.kill(runtime.stopSignal);
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  console.log(`== stopped with ${runtime.stopSignal}: exit code ${code}`);
  if (!keep) rmSync(work, { recursive: true, force: true });
  else console.log(`kept ${work}`);
  process.exitCode = healthy && code === 0 ? 0 : 1;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) await main();
