import { describe, expect, it } from 'vitest';
import sharp from 'sharp';
import {
  decodeImage,
  inspectImage,
  sniffImageFormat,
  encodePng,
  type IntakeLimits,
} from '../../src/imaging/intake.js';
import { AppError } from '../../src/errors.js';
import { SVG, TEXT, pngDeclaring, rotatedJpeg, solidImage, truncatedJpeg } from '../support/images.js';

const limits: IntakeLimits = { maxBytes: 5 * 1024 * 1024, maxPixels: 40_000_000, decodeTimeoutMs: 10_000 };

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    return (err as AppError).code;
  }
  throw new Error('expected a rejection');
}

describe('sniffImageFormat', () => {
  it.each(['png', 'jpeg', 'tiff', 'webp'] as const)('recognises %s by its magic bytes', async (format) => {
    expect(sniffImageFormat(await solidImage(format))).toBe(format);
  });

  it('refuses SVG, text and empty input', () => {
    expect(sniffImageFormat(SVG)).toBeNull();
    expect(sniffImageFormat(TEXT)).toBeNull();
    expect(sniffImageFormat(new Uint8Array())).toBeNull();
  });
});

describe('decodeImage', () => {
  it.each(['png', 'jpeg', 'tiff', 'webp'] as const)('decodes %s to an RGB raster', async (format) => {
    const decoded = await decodeImage(await solidImage(format, 64, 48, { r: 200, g: 100, b: 50 }), limits);
    expect(decoded.format).toBe(format);
    expect(decoded.raster.width).toBe(64);
    expect(decoded.raster.height).toBe(48);
    expect(decoded.raster.data.length).toBe(64 * 48 * 3);
    // Lossy formats move colours a little.
    expect(Math.abs(decoded.raster.data[0] - 200)).toBeLessThan(8);
    expect(Math.abs(decoded.raster.data[2] - 50)).toBeLessThan(8);
    expect(decoded.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('applies EXIF orientation and reports the displayed size', async () => {
    const decoded = await decodeImage(await rotatedJpeg(80, 40), limits);
    expect([decoded.raster.width, decoded.raster.height]).toEqual([40, 80]);
    expect([decoded.originalWidth, decoded.originalHeight]).toEqual([40, 80]);
    // Orientation 6 moves the stored top-left mark to the top-right.
    const { data, width } = decoded.raster;
    expect(data[(2 * width + (width - 3)) * 3]).toBeLessThan(60);
    expect(data[(2 * width + 2) * 3]).toBeGreaterThan(150);
  });

  it('drops metadata: a re-encoded field carries no EXIF', async () => {
    const decoded = await decodeImage(await rotatedJpeg(), limits);
    const meta = await sharp(await encodePng(decoded.raster)).metadata();
    expect(meta.exif).toBeUndefined();
    expect(meta.orientation).toBeUndefined();
  });

  it('refuses a text file named .png with ERR_IMAGE_TYPE', async () => {
    expect(await codeOf(decodeImage(TEXT, limits))).toBe('ERR_IMAGE_TYPE');
  });

  it('refuses SVG with ERR_IMAGE_TYPE', async () => {
    expect(await codeOf(decodeImage(SVG, limits))).toBe('ERR_IMAGE_TYPE');
  });

  it('refuses a truncated JPEG with ERR_IMAGE_CORRUPT', async () => {
    expect(await codeOf(decodeImage(await truncatedJpeg(), limits))).toBe('ERR_IMAGE_CORRUPT');
  });

  it('refuses a PNG declaring 50000x50000 before decoding, fast', async () => {
    const started = performance.now();
    expect(await codeOf(decodeImage(pngDeclaring(50_000, 50_000), limits))).toBe('ERR_IMAGE_DIMENSIONS');
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('refuses files over the byte limit before looking inside', async () => {
    const big = Buffer.concat([await solidImage('png'), Buffer.alloc(2048)]);
    expect(await codeOf(decodeImage(big, { ...limits, maxBytes: 1024 }))).toBe('ERR_IMAGE_TOO_LARGE');
  });

  it('refuses empty input with ERR_IMAGE_MISSING', async () => {
    expect(await codeOf(decodeImage(Buffer.alloc(0), limits))).toBe('ERR_IMAGE_MISSING');
  });

  it('refuses a PNG signature followed by garbage', async () => {
    const bad = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), TEXT]);
    expect(await codeOf(decodeImage(bad, limits))).toBe('ERR_IMAGE_CORRUPT');
  });

  it('downscales on request', async () => {
    const decoded = await decodeImage(await solidImage('jpeg', 400, 300), limits, { maxSide: 100 });
    expect([decoded.raster.width, decoded.raster.height]).toEqual([100, 75]);
    expect([decoded.originalWidth, decoded.originalHeight]).toEqual([400, 300]);
  });

  it('inspects headers without decoding', async () => {
    expect(await inspectImage(await solidImage('webp', 30, 20), limits)).toMatchObject({
      format: 'webp',
      width: 30,
      height: 20,
    });
  });
});
