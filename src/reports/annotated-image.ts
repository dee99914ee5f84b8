/**
 * The annotated picture of one field: its retained image with the reviewed boxes, labels, legend and
 * scale bar — or, when images are not retained, the boxes on a neutral canvas with a note saying so.
 */
import type { IntakeLimits } from '../imaging/intake.js';
import { decodeImage } from '../imaging/intake.js';
import { createNeutralCanvas, renderOverlay } from '../imaging/overlay.js';
import type { BlobStore } from '../store/blob-store.js';
import type { ReportField } from './specimen.service.js';

export const NOT_RETAINED_NOTE =
  'Field image not retained (GRAMSCOPE_RETAIN_IMAGES off): boxes drawn on a blank canvas';
export const PURGED_IMAGE_NOTE =
  'Field image deleted at the end of its retention period: boxes drawn on a blank canvas';
export const MISSING_IMAGE_NOTE = 'Field image missing from storage: boxes drawn on a blank canvas';

export interface FieldImage {
  /** PNG, or JPEG when asked for. */
  png: Buffer;
  contentType: 'image/png' | 'image/jpeg';
  /** False when the boxes are drawn on a blank canvas. */
  retained: boolean;
  width: number;
  height: number;
}

export interface FieldImageOptions {
  maxSide: number;
  limits: IntakeLimits;
  /** Label and score beside each box (for single-field exports; too small on thumbnails). */
  boxLabels?: boolean;
  format?: 'png' | 'jpeg';
}

/**
 * @example
 * const { png } = await renderFieldImage(field, ctx.blobs, { maxSide: 1600, limits: config.intake });
 */
export async function renderFieldImage(
  field: ReportField,
  blobs: BlobStore,
  options: FieldImageOptions,
): Promise<FieldImage> {
  const { result } = field.stored;
  const bytes = field.stored.imageKey ? await blobs.get(field.stored.imageKey) : null;
  let raster;
  let note: string | undefined;
  if (bytes) {
    raster = (await decodeImage(bytes, options.limits, { maxSide: options.maxSide })).raster;
  } else {
    const f = Math.min(1, options.maxSide / Math.max(result.image.width, result.image.height));
    raster = createNeutralCanvas(
      Math.max(1, Math.round(result.image.width * f)),
      Math.max(1, Math.round(result.image.height * f)),
    );
    note = field.stored.imageKey
      ? MISSING_IMAGE_NOTE
      : field.stored.imagePurgedAt
        ? PURGED_IMAGE_NOTE
        : NOT_RETAINED_NOTE;
  }
  // Boxes are in original-image pixels; the raster may be smaller.
  const factor = raster.width / result.image.width;
  const detections = field.detections.map((d) => ({
    ...d,
    box: d.box.map((v) => v * factor) as [number, number, number, number],
  }));
  const mpp = result.image.micronsPerPixel;
  const png = await renderOverlay(raster, detections, {
    title: `${field.name}: ${field.summary.finding.en}`,
    micronsPerPixel: mpp === null ? null : mpp / factor,
    scaleEstimated: result.image.scaleSource === 'estimated',
    boxLabels: options.boxLabels ?? false,
    format: options.format ?? 'png',
    ...(note ? { note } : {}),
  });
  return {
    png,
    contentType: options.format === 'jpeg' ? 'image/jpeg' : 'image/png',
    retained: !!bytes,
    width: raster.width,
    height: raster.height,
  };
}
