/** Small checks for untrusted annotation JSON: each failure names the file and the record. */
import { AppError } from '../../errors.js';

export type Json = Record<string, unknown>;

export const isRecord = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

export function invalid(where: string, what: string): AppError {
  return new AppError('ERR_DATASET_INVALID', `${where}: ${what}`);
}

export function expectRecord(v: unknown, where: string): Json {
  if (!isRecord(v)) throw invalid(where, 'must be an object');
  return v;
}

export function expectArray(v: unknown, where: string): unknown[] {
  if (!Array.isArray(v)) throw invalid(where, 'must be an array');
  return v;
}

export function expectString(v: unknown, where: string): string {
  if (typeof v !== 'string' || v.length === 0) throw invalid(where, 'must be a non-empty string');
  return v;
}

export function expectFinite(v: unknown, where: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw invalid(where, 'must be a finite number');
  return v;
}

export function expectPositiveInt(v: unknown, where: string, max = 1_000_000): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0 || v > max)
    throw invalid(where, `must be a whole number from 1 to ${max}`);
  return v;
}

/** An id as COCO and VoTT use them: a number or a string, compared as text. */
export function expectId(v: unknown, where: string): string {
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  if (typeof v === 'string' && v.length > 0 && v.length <= 256) return v;
  throw invalid(where, 'must be a number or a short string');
}

/** Tolerance for boxes that overhang the image edge (annotation tools round outwards). */
export const EDGE_TOLERANCE_PX = 1;

/**
 * Checks a pixel box against its image and clamps the tolerated overhang; a box further outside or
 * with no area is an error.
 */
export function checkBox(
  box: [number, number, number, number],
  width: number,
  height: number,
  where: string,
): [number, number, number, number] {
  const [x1, y1, x2, y2] = box;
  if (!(x2 > x1) || !(y2 > y1)) throw invalid(where, `box [${box.join(', ')}] has no area`);
  const t = EDGE_TOLERANCE_PX;
  if (x1 < -t || y1 < -t || x2 > width + t || y2 > height + t)
    throw invalid(
      where,
      `box [${box.map((v) => Math.round(v * 100) / 100).join(', ')}] lies outside the ${width}x${height} image`,
    );
  return [Math.max(0, x1), Math.max(0, y1), Math.min(width, x2), Math.min(height, y2)];
}
