/**
 * Reads an image file's size from its header without decoding pixels, for dataset tools that must
 * turn normalised YOLO coordinates into pixels. Orientation 5–8 swaps the axes, as Ultralytics does.
 */
import sharp from 'sharp';
import { AppError } from '../errors.js';

export interface ImageProbe {
  width: number;
  height: number;
  format: string;
}

/**
 * Probes an image file; throws ERR_IMAGE_CORRUPT naming `where` when it is not a readable image.
 *
 * @example
 * await probeImageFile('dataset/images/a.jpg', 'images/a.jpg'); // { width: 2048, height: 1536, format: 'jpeg' }
 */
export async function probeImageFile(path: string, where: string): Promise<ImageProbe> {
  try {
    const meta = await sharp(path, { limitInputPixels: false }).metadata();
    const swap = meta.orientation !== undefined && meta.orientation >= 5 && meta.orientation <= 8;
    const width = meta.width ?? 0;
    const height = meta.height ?? 0;
    if (width <= 0 || height <= 0) throw new Error('no dimensions');
    return { width: swap ? height : width, height: swap ? width : height, format: meta.format ?? 'unknown' };
  } catch (err) {
    throw new AppError('ERR_IMAGE_CORRUPT', `${where} is not a readable image`, { cause: err });
  }
}
