/** Expands the files and folders named on the command line into image files, in a stable order. */
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { AppError } from '../errors.js';

const IMAGE_EXTENSIONS = new Set(['.jpg', '.jpeg', '.png', '.tif', '.tiff', '.webp']);

/**
 * Files keep the order given; a folder contributes its images (recursively) sorted by path.
 * A name that does not exist is a usage error, reported before any work starts.
 */
export async function expandImageInputs(inputs: readonly string[], maxFiles = 100_000): Promise<string[]> {
  const files: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) =>
      a.name.localeCompare(b.name),
    );
    for (const entry of entries) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) await walk(full);
      else if (entry.isFile() && IMAGE_EXTENSIONS.has(path.extname(entry.name).toLowerCase()))
        files.push(full);
      if (files.length > maxFiles)
        throw new AppError('ERR_USAGE', `More than ${maxFiles} images; split the run`);
    }
  };
  for (const input of inputs) {
    let info;
    try {
      info = await stat(input);
    } catch {
      throw new AppError('ERR_USAGE', `No such file or folder: ${input}`);
    }
    if (info.isDirectory()) await walk(input);
    else files.push(input);
  }
  return files;
}

/** An image file's bytes, refused before reading when it is larger than the intake allows. */
export async function readImageFile(file: string, maxBytes: number): Promise<Buffer> {
  if ((await stat(file)).size > maxBytes)
    throw new AppError('ERR_IMAGE_TOO_LARGE', `larger than ${maxBytes} bytes`);
  return readFile(file);
}
