/**
 * Model files on disk, under `<data directory>/models`, named by their sha256: paths are generated
 * here, never taken from a user's file name, and a file is written to a temporary name first and
 * renamed into place, so a failed or concurrent upload never leaves a half-written model behind.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { AppError } from '../errors.js';

const SHA256 = /^[0-9a-f]{64}$/;
/** Hashing 8 MB takes ~15 ms; between slices the event loop serves other requests. */
const HASH_SLICE = 8 * 1024 * 1024;

/**
 * The sha256 of a buffer, hashed a slice at a time so a large model (hundreds of MB, most of a second
 * to hash) never holds the event loop for long: live streams and other requests go on meanwhile.
 */
export async function sha256InSlices(bytes: Uint8Array): Promise<string> {
  const hash = createHash('sha256');
  for (let offset = 0; offset < bytes.length; offset += HASH_SLICE) {
    if (offset > 0) await new Promise<void>((resolve) => setImmediate(resolve));
    hash.update(bytes.subarray(offset, offset + HASH_SLICE));
  }
  return hash.digest('hex');
}

export class ModelFileStore {
  readonly dir: string;

  constructor(dir: string) {
    this.dir = path.resolve(dir);
  }

  pathFor(sha256: string): string {
    if (!SHA256.test(sha256))
      throw new AppError('ERR_MODEL_HASH_MISMATCH', 'A model card records an invalid sha256');
    return path.join(this.dir, `${sha256}.onnx`);
  }

  /**
   * Stores the bytes under their sha256 and returns it; `created` is false when the same file was
   * already stored.
   *
   * @example
   * const { sha256 } = await files.put(bytes);
   */
  async put(bytes: Uint8Array): Promise<{ sha256: string; path: string; created: boolean }> {
    const sha256 = await sha256InSlices(bytes);
    const target = this.pathFor(sha256);
    await mkdir(this.dir, { recursive: true, mode: 0o750 });
    if (await this.exists(sha256)) return { sha256, path: target, created: false };
    const temp = path.join(this.dir, `.upload-${randomUUID()}.tmp`);
    try {
      await writeFile(temp, bytes, { mode: 0o640, flag: 'wx' });
      await rename(temp, target);
    } catch (err) {
      await rm(temp, { force: true });
      throw err;
    }
    return { sha256, path: target, created: true };
  }

  async exists(sha256: string): Promise<boolean> {
    try {
      return (await stat(this.pathFor(sha256))).isFile();
    } catch {
      return false;
    }
  }

  /** Recomputes the stored file's sha256 (streamed), or null when the file is missing. */
  async hash(sha256: string): Promise<string | null> {
    if (!(await this.exists(sha256))) return null;
    const hash = createHash('sha256');
    for await (const chunk of createReadStream(this.pathFor(sha256))) hash.update(chunk as Buffer);
    return hash.digest('hex');
  }

  async remove(sha256: string): Promise<void> {
    await rm(this.pathFor(sha256), { force: true });
  }
}
