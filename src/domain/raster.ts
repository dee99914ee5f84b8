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
