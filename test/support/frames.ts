import sharp from 'sharp';

/**
 * A tiny PNG the spin test engine works on for `ms` milliseconds (10 ms steps): 16 pixels wide,
 * red channel of the first pixel = ms / 10.
 */
export async function spinFrame(ms: number, height = 12): Promise<Buffer> {
  const data = Buffer.alloc(16 * height * 3, 128);
  data[0] = Math.min(255, Math.round(ms / 10));
  return sharp(data, { raw: { width: 16, height, channels: 3 } })
    .png()
    .toBuffer();
}
