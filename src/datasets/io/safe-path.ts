/**
 * Dataset files name other files (image paths in COCO and VoTT, label files beside images). A name
 * must never reach outside the dataset's folder: `../../etc/passwd`, absolute paths, drive letters,
 * NUL bytes and symbolic links that leave the folder are all refused with ERR_DATASET_PATH.
 */
import { realpath } from 'node:fs/promises';
import { isAbsolute, join, normalize, relative, resolve, sep } from 'node:path';
import { AppError } from '../../errors.js';

/**
 * Normalises a dataset-relative path to forward slashes, refusing anything that could escape.
 * `where` names the file and line or record, for the error message.
 *
 * @example
 * normaliseRelativePath('images\\a.jpg', 'coco.json image 3'); // 'images/a.jpg'
 * normaliseRelativePath('../secret.jpg', 'coco.json image 3'); // throws ERR_DATASET_PATH
 */
export function normaliseRelativePath(name: string, where: string): string {
  const unslashed = name.replace(/\\/g, '/');
  if (
    unslashed.length === 0 ||
    unslashed.includes('\0') ||
    unslashed.startsWith('/') ||
    /^[a-zA-Z]:/.test(unslashed) ||
    isAbsolute(unslashed)
  ) {
    throw new AppError(
      'ERR_DATASET_PATH',
      `${where}: "${printable(name)}" is not a relative path inside the dataset`,
    );
  }
  const parts = unslashed.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.some((p) => p === '..'))
    throw new AppError(
      'ERR_DATASET_PATH',
      `${where}: "${printable(name)}" points outside the dataset folder`,
    );
  return parts.join('/');
}

/** Resolves a dataset-relative path under `root`, following symbolic links, and refuses escapes. */
export async function resolveInside(root: string, relPath: string, where: string): Promise<string> {
  const rel = normaliseRelativePath(relPath, where);
  const full = resolve(root, rel);
  const realRoot = await realpath(root);
  let realFull: string;
  try {
    realFull = await realpath(full);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT')
      throw new AppError('ERR_DATASET_IMAGE_MISSING', `${where}: ${rel} does not exist`);
    throw err;
  }
  const back = relative(realRoot, realFull);
  if (back.startsWith('..') || isAbsolute(back) || back.split(sep).includes('..'))
    throw new AppError('ERR_DATASET_PATH', `${where}: ${rel} links outside the dataset folder`);
  return normalize(join(realRoot, back));
}

/** Shortens and de-controls a name for an error line. */
export function printable(name: string): string {
  // eslint-disable-next-line no-control-regex
  const clean = name.replace(/[\u0000-\u001f\u007f]/g, '?');
  return clean.length > 120 ? `${clean.slice(0, 117)}...` : clean;
}
