/** Encoding of generated images (crops, report thumbnails); sharp stays inside src/imaging. */
import sharp from 'sharp';
import type { RasterImage } from '../domain/raster.js';

export interface EncodeOptions {
  format: 'png' | 'jpeg';
  /** Scale to fit within this many pixels on the longer side (never enlarges unless `exact`). */
  maxSide?: number;
  /** Scale to exactly `maxSide` x `maxSide` (classification crops), enlarging if needed. */
  exact?: boolean;
  quality?: number;
}

/**
 * Encodes a raster, optionally resized.
 *
 * @example
 * await encodeRaster(crop, { format: 'png', maxSide: 299, exact: true });
 */
export async function encodeRaster(raster: RasterImage, options: EncodeOptions): Promise<Buffer> {
  let image = sharp(raster.data, { raw: { width: raster.width, height: raster.height, channels: 3 } });
  if (options.maxSide) {
    image = options.exact
      ? image.resize(options.maxSide, options.maxSide, { fit: 'fill', kernel: 'lanczos3' })
      : image.resize(options.maxSide, options.maxSide, { fit: 'inside', withoutEnlargement: true });
  }
  return options.format === 'png'
    ? image.png({ compressionLevel: 6 }).toBuffer()
    : image.jpeg({ quality: options.quality ?? 85 }).toBuffer();
}

/** Re-encodes an encoded image (e.g. an overlay PNG) as JPEG, to keep self-contained reports small. */
export async function reencodeJpeg(image: Buffer, quality = 80): Promise<Buffer> {
  return sharp(image, { limitInputPixels: 100_000_000 }).jpeg({ quality }).toBuffer();
}
