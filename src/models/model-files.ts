/**
 * Model files on disk, under `<data directory>/models`, named by their sha256: paths are generated
 * here, never taken from a user's file name, and a file is written to a temporary name first and
 * renamed into place, so a failed or concurrent upload never leaves a half-written model behind.
 *
 * With a shared object store (the S3 bucket of retained images), every registered file is also
 * kept there under `models/<sha256>.onnx`, and a replica that lacks a file fetches it — checking
 * its sha256 — before loading it: a model uploaded on one replica serves on all of them, and a pod
 * with an ephemeral data folder gets its models back after a restart.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { AppError } from '../errors.js';
import type { BlobStore } from '../store/blob-store.js';

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

const sharedKey = (sha256: string): string => `models/${sha256}.onnx`;

export class ModelFileStore {
  readonly dir: string;
  readonly #shared: BlobStore | null;

  constructor(dir: string, shared: BlobStore | null = null) {
    this.dir = path.resolve(dir);
    this.#shared = shared;
  }

  /** Keeps a copy of a registered file in the shared store (no-op without one). */
  async publish(sha256: string, bytes: Uint8Array): Promise<void> {
    if (!this.#shared) return;
    this.pathFor(sha256);
    await this.#shared.put(sharedKey(sha256), bytes);
  }

  /**
   * The local path of a registered file, fetched from the shared store first when this machine
   * lacks it. A fetched copy whose sha256 differs from the card's is refused and not written.
   */
  async ensureLocal(sha256: string): Promise<string> {
    const target = this.pathFor(sha256);
    if (!this.#shared || (await this.exists(sha256))) return target;
    const bytes = await this.#shared.get(sharedKey(sha256));
    if (!bytes) return target; // missing everywhere: the loader reports it
    const actual = await sha256InSlices(bytes);
    if (actual !== sha256) {
      throw new AppError(
        'ERR_MODEL_HASH_MISMATCH',
        `The shared copy of model file ${sha256.slice(0, 12)}… does not match its sha256; it was altered in the object store`,
        { details: { expected: sha256, actual } },
      );
    }
    await this.#write(target, bytes);
    return target;
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
    await this.#write(target, bytes);
    return { sha256, path: target, created: true };
  }

  async #write(target: string, bytes: Uint8Array): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o750 });
    const temp = path.join(this.dir, `.upload-${randomUUID()}.tmp`);
    try {
      await writeFile(temp, bytes, { mode: 0o640, flag: 'wx' });
      await rename(temp, target);
    } catch (err) {
      await rm(temp, { force: true });
      throw err;
    }
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

  /** Removes the file here and its shared copy. */
  async remove(sha256: string): Promise<void> {
    await rm(this.pathFor(sha256), { force: true });
    await this.#shared?.delete(sharedKey(sha256));
  }
}
