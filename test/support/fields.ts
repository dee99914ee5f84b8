/** Synthetic Gram-stain fields for tests, made by the project's own generator. */
import { renderField, type RenderFieldOptions } from '../../src/datasets/synth/render-field.js';
import { encodeJpeg } from '../../src/imaging/intake.js';

export async function synthFieldJpeg(
  seed: number,
  options: Partial<RenderFieldOptions> = {},
): Promise<Buffer> {
  const field = renderField({ seed, width: 640, height: 480, ...options });
  return encodeJpeg(field.raster, 90);
}
