/**
 * Output folders appear complete or not at all: commands write into a hidden staging folder beside
 * the target and rename it into place only after every file is written. A failure (bad input, a
 * full disk, Ctrl-C) leaves no half-written dataset that looks finished.
 */
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { AppError } from '../../errors.js';

export interface StagingOptions {
  /** Replace an existing non-empty output folder (only after the new one is complete). */
  force?: boolean;
}

async function isEmptyOrMissing(dir: string): Promise<'missing' | 'empty' | 'file' | 'full'> {
  try {
    const s = await stat(dir);
    if (!s.isDirectory()) return 'file';
    return (await readdir(dir)).length === 0 ? 'empty' : 'full';
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
    throw err;
  }
}

/** Refuses early (before any work) when the output folder cannot be used. */
export async function checkOutputDir(out: string, options: StagingOptions = {}): Promise<void> {
  const state = await isEmptyOrMissing(resolve(out));
  if (state === 'file') throw new AppError('ERR_OUTPUT_EXISTS', `${out} exists and is not a folder`);
  if (state === 'full' && !options.force)
    throw new AppError(
      'ERR_OUTPUT_EXISTS',
      `${out} already exists and is not empty (use --force to replace it)`,
    );
}

/**
 * Runs `write` against a fresh staging folder and moves it to `out` when it succeeds.
 *
 * @example
 * await writeAtomically('out/dataset', async (dir) => { await writeFile(join(dir, 'data.yaml'), yaml); });
 */
export async function writeAtomically<T>(
  out: string,
  write: (stagingDir: string) => Promise<T>,
  options: StagingOptions = {},
): Promise<T> {
  const target = resolve(out);
  await checkOutputDir(target, options);
  const parent = dirname(target);
  await mkdir(parent, { recursive: true });
  const staging = join(parent, `.${basename(target)}.partial-${randomBytes(4).toString('hex')}`);
  await mkdir(staging);
  const cleanup = (): void => {
    // Ctrl-C: remove the partial output synchronously, then exit as an interrupted process would.
    rmSync(staging, { recursive: true, force: true });
    process.exit(130);
  };
  process.once('SIGINT', cleanup);
  try {
    const result = await write(staging);
    const state = await isEmptyOrMissing(target);
    if (state === 'empty') await rm(target, { recursive: true });
    if (state === 'full') {
      const old = `${staging}.old`;
      await rename(target, old);
      await rename(staging, target);
      await rm(old, { recursive: true, force: true });
    } else {
      await rename(staging, target);
    }
    return result;
  } catch (err) {
    await rm(staging, { recursive: true, force: true });
    throw err;
  } finally {
    process.removeListener('SIGINT', cleanup);
  }
}

/** Writes one file so that it appears complete or not at all (temporary name, then rename). */
export async function writeFileAtomically(path: string, data: string | Uint8Array): Promise<void> {
  const target = resolve(path);
  await mkdir(dirname(target), { recursive: true });
  const temp = join(dirname(target), `.${basename(target)}.partial-${randomBytes(4).toString('hex')}`);
  try {
    await writeFile(temp, data);
    await rename(temp, target);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
}
