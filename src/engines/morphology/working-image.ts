/**
 * The working image: the field box-averaged down to a resolution where the smallest organisms
 * (0.3 µm wide coccobacilli) still span two or more pixels. Everything after intake runs on it, so
 * the cost of a field depends on its physical content, not on the camera's pixel count.
 */
import type { RasterImage } from '../../domain/raster.js';
import { FRESH_BUFFERS, type FieldBuffers } from './scratch.js';

/** Finest useful working resolution: below this, extra pixels only cost time. */
export const TARGET_MICRONS_PER_PIXEL = 0.1;
/** Working pixels above this are not worth their memory; larger fields are downscaled further. */
export const MAX_WORKING_PIXELS = 4_000_000;
/** Without a scale, fields are brought down to about this many pixels. */
const UNKNOWN_SCALE_WORKING_PIXELS = 1_600_000;

export interface WorkingImage {
  readonly width: number;
  readonly height: number;
  /** Original pixels per working pixel along each axis. */
  readonly factor: number;
  /** Interleaved RGB, 8-bit. */
  readonly rgb: Uint8Array;
}

/**
 * Chooses the integer downscale factor for a field.
 *
 * @example
 * chooseWorkingFactor(2048, 1536, 0.071); // 1
 * chooseWorkingFactor(4096, 3072, 0.035); // 2
 * chooseWorkingFactor(2048, 1536, null); // 2 (by pixel count)
 */
export function chooseWorkingFactor(width: number, height: number, micronsPerPixel: number | null): number {
  const pixels = width * height;
  let factor =
    micronsPerPixel && micronsPerPixel > 0
      ? Math.max(1, Math.floor(TARGET_MICRONS_PER_PIXEL / micronsPerPixel + 0.2))
      : Math.max(1, Math.round(Math.sqrt(pixels / UNKNOWN_SCALE_WORKING_PIXELS)));
  while (pixels / (factor * factor) > MAX_WORKING_PIXELS) factor += 1;
  // Never shrink a field below a handful of pixels.
  while (factor > 1 && (width / factor < 16 || height / factor < 16)) factor -= 1;
  return factor;
}

/** Box-averages the field by an integer factor (a copy-free view when the factor is 1). */
export function downscaleRaster(
  image: RasterImage,
  factor: number,
  buffers: FieldBuffers = FRESH_BUFFERS,
  name = 'downscale',
): WorkingImage {
  if (factor <= 1) return { width: image.width, height: image.height, factor: 1, rgb: image.data };
  const w = Math.floor(image.width / factor);
  const h = Math.floor(image.height / factor);
  const out = buffers.u8(name, w * h * 3);
  if (factor === 2) {
    // The half-resolution copy is made for every field: two rows at a time, no inner loops.
    const src = image.data;
    const stride = image.width * 3;
    for (let y = 0; y < h; y++) {
      let a = 2 * y * stride;
      let b = a + stride;
      let o = y * w * 3;
      for (let x = 0; x < w; x++, a += 6, b += 6, o += 3) {
        out[o] = (src[a] + src[a + 3] + src[b] + src[b + 3] + 2) >> 2;
        out[o + 1] = (src[a + 1] + src[a + 4] + src[b + 1] + src[b + 4] + 2) >> 2;
        out[o + 2] = (src[a + 2] + src[a + 5] + src[b + 2] + src[b + 5] + 2) >> 2;
      }
    }
    return { width: w, height: h, factor, rgb: out };
  }
  const acc = new Uint32Array(w * 3);
  const src = image.data;
  const rowStride = image.width * 3;
  const n = factor * factor;
  const half = n >> 1;
  for (let y = 0; y < h; y++) {
    acc.fill(0);
    for (let dy = 0; dy < factor; dy++) {
      let s = (y * factor + dy) * rowStride;
      for (let x = 0; x < w; x++) {
        const a = x * 3;
        let r = 0;
        let g = 0;
        let b = 0;
        for (let dx = 0; dx < factor; dx++) {
          r += src[s];
          g += src[s + 1];
          b += src[s + 2];
          s += 3;
        }
        acc[a] += r;
        acc[a + 1] += g;
        acc[a + 2] += b;
      }
    }
    const o = y * w * 3;
    for (let i = 0; i < w * 3; i++) out[o + i] = ((acc[i] + half) / n) | 0;
  }
  return { width: w, height: h, factor, rgb: out };
}

/** Box-averages a working image by a further integer factor. */
export function downscaleWorking(
  work: WorkingImage,
  step: number,
  buffers: FieldBuffers = FRESH_BUFFERS,
  name = 'downscale',
): WorkingImage {
  const down = downscaleRaster(
    { width: work.width, height: work.height, channels: 3, data: work.rgb },
    step,
    buffers,
    name,
  );
  return { ...down, factor: work.factor * step };
}
