/** A decoded image: 8-bit RGB, row-major, interleaved. The form every engine receives. */
export interface RasterImage {
  readonly width: number;
  readonly height: number;
  readonly channels: 3;
  readonly data: Uint8Array;
}

export function createRaster(width: number, height: number, data?: Uint8Array): RasterImage {
  const size = width * height * 3;
  if (data && data.length !== size)
    throw new RangeError(`raster data has ${data.length} bytes, expected ${size}`);
  return { width, height, channels: 3, data: data ?? new Uint8Array(size) };
}

/**
 * Copies a rectangle out of a raster; the rectangle must lie inside it.
 *
 * @example
 * cropRaster(field, 100, 100, 64, 64).width; // 64
 */
export function cropRaster(
  source: RasterImage,
  x: number,
  y: number,
  width: number,
  height: number,
): RasterImage {
  if (x < 0 || y < 0 || width <= 0 || height <= 0 || x + width > source.width || y + height > source.height)
    throw new RangeError(
      `crop ${x},${y} ${width}x${height} lies outside the ${source.width}x${source.height} raster`,
    );
  const out = new Uint8Array(width * height * 3);
  for (let row = 0; row < height; row++) {
    const from = ((y + row) * source.width + x) * 3;
    out.set(source.data.subarray(from, from + width * 3), row * width * 3);
  }
  return createRaster(width, height, out);
}
