/** Test images made on the spot: valid ones of each format, and hostile ones of each kind. */
import { crc32, deflateSync } from 'node:zlib';
import sharp from 'sharp';

export async function solidImage(
  format: 'png' | 'jpeg' | 'tiff' | 'webp',
  width = 64,
  height = 48,
  colour = { r: 240, g: 230, b: 235 },
): Promise<Buffer> {
  const img = sharp({ create: { width, height, channels: 3, background: colour } });
  return img.toFormat(format).toBuffer();
}

function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

/** A structurally valid PNG whose header declares a huge size (a decompression bomb's shape). */
export function pngDeclaring(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.alloc(1024))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

export const SVG = Buffer.from(
  '<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>',
);

export const TEXT = Buffer.from('this is not an image, whatever its name says\n'.repeat(20));

/** A JPEG cut off halfway through its entropy-coded data. */
export async function truncatedJpeg(): Promise<Buffer> {
  const noise = Buffer.alloc(256 * 256 * 3);
  for (let i = 0; i < noise.length; i++) noise[i] = (i * 7919) % 251;
  const full = await sharp(noise, { raw: { width: 256, height: 256, channels: 3 } })
    .jpeg({ quality: 90 })
    .toBuffer();
  return full.subarray(0, Math.floor(full.length / 2));
}

/** A JPEG stored landscape with EXIF orientation 6 (display rotated 90° clockwise). */
export async function rotatedJpeg(width = 80, height = 40): Promise<Buffer> {
  const data = Buffer.alloc(width * height * 3, 200);
  // A dark mark in the top-left corner of the stored pixels.
  for (let y = 0; y < 8; y++)
    for (let x = 0; x < 8; x++) data.fill(10, (y * width + x) * 3, (y * width + x) * 3 + 3);
  return sharp(data, { raw: { width, height, channels: 3 } })
    .jpeg()
    .withMetadata({ orientation: 6, exif: { IFD0: { ImageDescription: 'Patient Jane Doe 1970-01-01' } } })
    .toBuffer();
}
