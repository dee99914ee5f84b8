/**
 * Geometric transforms of decoded rasters for the engines: resize (libvips, off the event loop),
 * region extraction for tiles and crops. Rasters here were already validated by intake.
 */
import sharp from 'sharp';
import { createRaster, type RasterImage } from '../domain/raster.js';

export type ResizeKernel = 'nearest' | 'linear' | 'cubic' | 'lanczos3';

export interface Region {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

const asRaster = (data: Buffer, width: number, height: number): RasterImage =>
  createRaster(width, height, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));

/**
 * Resizes a raster (optionally only a region of it) to exactly `width` x `height`.
 *
 * @example
 * const small = await resizeRaster(field, 640, 480);
 */
export async function resizeRaster(
  raster: RasterImage,
  width: number,
  height: number,
  options: { region?: Region; kernel?: ResizeKernel } = {},
): Promise<RasterImage> {
  const region = options.region;
  if (!region && width === raster.width && height === raster.height) return raster;
  let pipeline = sharp(raster.data, {
    raw: { width: raster.width, height: raster.height, channels: 3 },
    limitInputPixels: raster.width * raster.height,
  });
  if (region)
    pipeline = pipeline.extract({
      left: region.x,
      top: region.y,
      width: region.width,
      height: region.height,
    });
  if (!region || region.width !== width || region.height !== height) {
    pipeline = pipeline.resize(width, height, { fit: 'fill', kernel: options.kernel ?? 'linear' });
  }
  const { data, info } = await pipeline.raw().toBuffer({ resolveWithObject: true });
  return asRaster(data, info.width, info.height);
}

/**
 * Copies a region of a raster (no resampling). Regions are clamped by the caller.
 *
 * @example
 * const tile = extractRegion(field, { x: 512, y: 0, width: 640, height: 640 });
 */
export function extractRegion(raster: RasterImage, region: Region): RasterImage {
  const { x, y, width, height } = region;
  if (x < 0 || y < 0 || width <= 0 || height <= 0 || x + width > raster.width || y + height > raster.height) {
    throw new RangeError(
      `region ${x},${y} ${width}x${height} is outside the ${raster.width}x${raster.height} raster`,
    );
  }
  if (x === 0 && y === 0 && width === raster.width && height === raster.height) return raster;
  const out = new Uint8Array(width * height * 3);
  const rowBytes = width * 3;
  for (let row = 0; row < height; row++) {
    const start = ((y + row) * raster.width + x) * 3;
    out.set(raster.data.subarray(start, start + rowBytes), row * rowBytes);
  }
  return createRaster(width, height, out);
}

/**
 * Positions of overlapping square-ish tiles covering a field: every pixel is in at least one tile,
 * neighbours overlap by at least `overlap` of the tile size, and the last tile in each row and column
 * is shifted back to end at the field's edge, so all tiles have the full size when the field allows.
 *
 * @example
 * planTiles(160, 112, 64, 0.25); // x at 0, 48, 96 and y at 0, 48: six 64x64 tiles
 */
export function planTiles(
  fieldWidth: number,
  fieldHeight: number,
  tileSize: number,
  overlap: number,
): Region[] {
  if (!(tileSize >= 1) || !(overlap >= 0 && overlap < 1)) throw new RangeError('bad tile size or overlap');
  const step = Math.max(1, Math.floor(tileSize * (1 - overlap)));
  const starts = (extent: number): number[] => {
    if (extent <= tileSize) return [0];
    const out: number[] = [];
    for (let s = 0; ; s += step) {
      if (s + tileSize >= extent) {
        out.push(extent - tileSize);
        break;
      }
      out.push(s);
    }
    return out;
  };
  const xs = starts(fieldWidth);
  const ys = starts(fieldHeight);
  const w = Math.min(tileSize, fieldWidth);
  const h = Math.min(tileSize, fieldHeight);
  return ys.flatMap((y) => xs.map((x) => ({ x, y, width: w, height: h })));
}
