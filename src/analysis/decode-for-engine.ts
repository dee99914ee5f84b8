/**
 * Decodes a field at the size its engine will use: an engine that only needs, say, a 640-pixel
 * side (a detector in whole-image mode) gets the image decoded at reduced size — JPEG shrink-on-load
 * decodes at 1/2, 1/4 or 1/8 scale directly — instead of full size and then resized. analyzeField
 * maps boxes back to original pixels.
 */
import type { Engine } from '../engines/engine.js';
import {
  decodeImage,
  inspectImage,
  type DecodeOptions,
  type DecodedImage,
  type IntakeLimits,
} from '../imaging/intake.js';

/**
 * @example
 * const decoded = await decodeForEngine(bytes, config.intake, engine, scale.micronsPerPixel);
 */
export async function decodeForEngine(
  bytes: Uint8Array,
  limits: IntakeLimits,
  engine: Pick<Engine, 'preferredDecodeSide'>,
  micronsPerPixel: number | null,
  options: DecodeOptions = {},
): Promise<DecodedImage> {
  if (options.maxSide || !engine.preferredDecodeSide) return decodeImage(bytes, limits, options);
  const header = await inspectImage(bytes, limits);
  const swapped = header.orientation !== undefined && header.orientation >= 5 && header.orientation <= 8;
  const width = swapped ? header.height : header.width;
  const height = swapped ? header.width : header.height;
  const maxSide = engine.preferredDecodeSide(width, height, micronsPerPixel);
  // Linear resampling: what detectors were trained with (Ultralytics resizes bilinearly), and cheaper.
  return decodeImage(bytes, limits, maxSide ? { kernel: 'linear', ...options, maxSide } : options);
}
