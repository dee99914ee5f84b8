/**
 * Image intake: the only module that decodes untrusted image bytes. Checks run cheapest first:
 * byte size, magic bytes, then the header's pixel count, and only then a bounded, timed decode.
 */
import { createHash } from 'node:crypto';
import sharp, { type Metadata, type OutputInfo } from 'sharp';
import { AppError } from '../errors.js';
import { createRaster, type RasterImage } from '../domain/raster.js';

// libvips caches decoded images by default; a server decoding untrusted uploads must not hold them.
sharp.cache(false);

export type ImageFormat = 'jpeg' | 'png' | 'tiff' | 'webp';

export interface IntakeLimits {
  maxBytes: number;
  maxPixels: number;
  decodeTimeoutMs: number;
}

export const DEFAULT_INTAKE_LIMITS: IntakeLimits = {
  maxBytes: 40 * 1024 * 1024,
  maxPixels: 50_000_000,
  decodeTimeoutMs: 15_000,
};

export interface DecodedImage {
  raster: RasterImage;
  format: ImageFormat;
  sha256: string;
  /** Size of the stored file before EXIF orientation was applied. */
  originalWidth: number;
  originalHeight: number;
  decodeMs: number;
}

const startsWith = (buf: Uint8Array, bytes: readonly number[], offset = 0): boolean =>
  buf.length >= offset + bytes.length && bytes.every((b, i) => buf[offset + i] === b);

/**
 * Identifies an image by its leading bytes; names and declared content types are never trusted.
 *
 * @example
 * sniffImageFormat(Buffer.from([0xff, 0xd8, 0xff, 0xe0])); // 'jpeg'
 */
export function sniffImageFormat(buf: Uint8Array): ImageFormat | null {
  if (startsWith(buf, [0xff, 0xd8, 0xff])) return 'jpeg';
  if (startsWith(buf, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'png';
  if (startsWith(buf, [0x49, 0x49, 0x2a, 0x00]) || startsWith(buf, [0x4d, 0x4d, 0x00, 0x2a])) return 'tiff';
  if (startsWith(buf, [0x52, 0x49, 0x46, 0x46]) && startsWith(buf, [0x57, 0x45, 0x42, 0x50], 8))
    return 'webp';
  return null;
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new AppError('ERR_IMAGE_TIMEOUT')), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function corrupt(cause: unknown): AppError {
  return new AppError('ERR_IMAGE_CORRUPT', undefined, { cause });
}

/** Orientations 5–8 swap width and height when applied. */
const swapsAxes = (orientation: number | undefined): boolean =>
  orientation !== undefined && orientation >= 5 && orientation <= 8;

export interface ImageHeader {
  format: ImageFormat;
  width: number;
  height: number;
  orientation: number | undefined;
}

/** Validates size, type and declared dimensions without decoding pixels. */
export async function inspectImage(
  buf: Uint8Array,
  limits: IntakeLimits = DEFAULT_INTAKE_LIMITS,
): Promise<ImageHeader> {
  if (buf.length === 0) throw new AppError('ERR_IMAGE_MISSING', 'The image file is empty');
  if (buf.length > limits.maxBytes) {
    throw new AppError('ERR_IMAGE_TOO_LARGE', `The image file is larger than ${limits.maxBytes} bytes`);
  }
  const format = sniffImageFormat(buf);
  if (!format) throw new AppError('ERR_IMAGE_TYPE');
  let meta: Metadata;
  try {
    meta = await withTimeout(sharp(buf, { limitInputPixels: false }).metadata(), limits.decodeTimeoutMs);
  } catch (err) {
    if (err instanceof AppError) throw err;
    throw corrupt(err);
  }
  const width = meta.width ?? 0;
  const height = meta.height ?? 0;
  // The container must agree with the magic bytes: a TIFF wrapper around something else is refused.
  if (meta.format !== format && !(format === 'tiff' && meta.format === 'tiff')) {
    throw new AppError(
      'ERR_IMAGE_TYPE',
      `The file claims to be ${format} but decodes as ${meta.format ?? 'unknown'}`,
    );
  }
  if (width <= 0 || height <= 0 || width * height > limits.maxPixels) {
    throw new AppError(
      'ERR_IMAGE_DIMENSIONS',
      `The image is ${width}x${height} pixels; at most ${limits.maxPixels} pixels are accepted`,
      { details: { width, height, maxPixels: limits.maxPixels } },
    );
  }
  return { format, width, height, orientation: meta.orientation };
}

export interface DecodeOptions {
  /** Downscale so neither side exceeds this (shrink-on-load for JPEG). */
  maxSide?: number;
  /** Resampling for `maxSide` (default lanczos3); detectors use linear, as Ultralytics does. */
  kernel?: 'linear' | 'lanczos3';
}

/**
 * Validates and decodes untrusted image bytes into an RGB raster with EXIF orientation applied and
 * all metadata dropped. Throws AppError with an ERR_IMAGE_* code for every kind of bad input.
 *
 * @example
 * const { raster } = await decodeImage(await readFile('field.jpg'));
 */
export async function decodeImage(
  buf: Uint8Array,
  limits: IntakeLimits = DEFAULT_INTAKE_LIMITS,
  options: DecodeOptions = {},
): Promise<DecodedImage> {
  const started = performance.now();
  const header = await inspectImage(buf, limits);
  let pipeline = sharp(buf, { limitInputPixels: limits.maxPixels, failOn: 'truncated', pages: 1 })
    .rotate()
    .removeAlpha()
    .toColourspace('srgb');
  if (options.maxSide) {
    pipeline = pipeline.resize(options.maxSide, options.maxSide, {
      fit: 'inside',
      withoutEnlargement: true,
      kernel: options.kernel ?? 'lanczos3',
    });
  }
  let decoded: { data: Buffer; info: OutputInfo };
  try {
    decoded = await withTimeout(pipeline.raw().toBuffer({ resolveWithObject: true }), limits.decodeTimeoutMs);
  } catch (err) {
    if (err instanceof AppError) throw err;
    throw corrupt(err);
  }
  const { data, info } = decoded;
  if (info.channels !== 3) throw corrupt(new Error(`decoded to ${info.channels} channels`));
  const swapped = swapsAxes(header.orientation);
  return {
    raster: createRaster(
      info.width,
      info.height,
      new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
    ),
    format: header.format,
    sha256: createHash('sha256').update(buf).digest('hex'),
    originalWidth: swapped ? header.height : header.width,
    originalHeight: swapped ? header.width : header.height,
    decodeMs: performance.now() - started,
  };
}

/** Encodes a raster as PNG (lossless; used for overlays, samples and retained images). */
export async function encodePng(raster: RasterImage): Promise<Buffer> {
  return sharp(raster.data, { raw: { width: raster.width, height: raster.height, channels: 3 } })
    .png({ compressionLevel: 6 })
    .toBuffer();
}

/** Encodes a raster as JPEG without metadata. */
export async function encodeJpeg(raster: RasterImage, quality = 90): Promise<Buffer> {
  return sharp(raster.data, { raw: { width: raster.width, height: raster.height, channels: 3 } })
    .jpeg({ quality, mozjpeg: false })
    .toBuffer();
}
