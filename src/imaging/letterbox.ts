/**
 * Letterbox geometry and tensor packing for detector and classifier inputs. Pure (no sharp), so the
 * inference workers can pack tensors themselves. The geometry follows Ultralytics' LetterBox: scale to
 * fit, then pad with grey 114 — to the full square for fixed-size models, or only up to a multiple of
 * the stride for models with dynamic axes ("rectangular inference": a 4:3 field runs at 640x480).
 */

export interface Letterbox {
  /** Size of the image being letterboxed. */
  readonly sourceWidth: number;
  readonly sourceHeight: number;
  /** Size after scaling, before padding. */
  readonly resizedWidth: number;
  readonly resizedHeight: number;
  readonly padLeft: number;
  readonly padTop: number;
  /** Size of the model input (the padded image). */
  readonly width: number;
  readonly height: number;
}

export interface LetterboxTarget {
  /** The model's input size (fixed models) or the export `imgsz` (dynamic models). */
  readonly width: number;
  readonly height: number;
  /** Pad only to a multiple of `stride` (models with dynamic height and width). */
  readonly rectangular: boolean;
  readonly stride: number;
  /** Enlarge images smaller than the target (Ultralytics' default is to allow it). */
  readonly scaleUp?: boolean;
}

/** Python's round(): halves go to the even neighbour, so sizes match Ultralytics to the pixel. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * @example
 * computeLetterbox(2048, 1536, { width: 640, height: 640, rectangular: true, stride: 32 });
 * // { resizedWidth: 640, resizedHeight: 480, padLeft: 0, padTop: 0, width: 640, height: 480, … }
 */
export function computeLetterbox(
  sourceWidth: number,
  sourceHeight: number,
  target: LetterboxTarget,
): Letterbox {
  if (!(sourceWidth > 0 && sourceHeight > 0)) throw new RangeError('letterbox of an empty image');
  let r = Math.min(target.height / sourceHeight, target.width / sourceWidth);
  if (target.scaleUp === false) r = Math.min(r, 1);
  const resizedWidth = Math.max(1, roundHalfEven(sourceWidth * r));
  const resizedHeight = Math.max(1, roundHalfEven(sourceHeight * r));
  let dw = target.width - resizedWidth;
  let dh = target.height - resizedHeight;
  if (target.rectangular) {
    dw %= target.stride;
    dh %= target.stride;
  }
  const padLeft = Math.max(0, roundHalfEven(dw / 2 - 0.1));
  const padTop = Math.max(0, roundHalfEven(dh / 2 - 0.1));
  return {
    sourceWidth,
    sourceHeight,
    resizedWidth,
    resizedHeight,
    padLeft,
    padTop,
    width: resizedWidth + dw,
    height: resizedHeight + dh,
  };
}

/** Maps a box from model-input pixels back to source pixels. */
export function unletterboxBox(
  lb: Letterbox,
  x1: number,
  y1: number,
  x2: number,
  y2: number,
): [number, number, number, number] {
  const sx = lb.resizedWidth / lb.sourceWidth;
  const sy = lb.resizedHeight / lb.sourceHeight;
  return [(x1 - lb.padLeft) / sx, (y1 - lb.padTop) / sy, (x2 - lb.padLeft) / sx, (y2 - lb.padTop) / sy];
}

export interface PackOptions {
  /** Channel order the model expects. */
  readonly channelOrder?: 'rgb' | 'bgr';
  /** Planar NCHW (PyTorch, Ultralytics) or interleaved NHWC (Keras/TensorFlow exports). */
  readonly tensorLayout?: 'nchw' | 'nhwc';
  /** Per-channel normalisation after scaling to 0..1 (in the model's channel order): (x - mean) / std. */
  readonly mean?: readonly [number, number, number];
  readonly std?: readonly [number, number, number];
  /** Grey padding value, 0..255. */
  readonly padValue?: number;
}

function channelTables(options: PackOptions): Float32Array[] {
  const mean = options.mean ?? [0, 0, 0];
  const std = options.std ?? [1, 1, 1];
  return [0, 1, 2].map((c) => {
    const lut = new Float32Array(256);
    for (let v = 0; v < 256; v++) lut[v] = (v / 255 - mean[c]) / std[c];
    return lut;
  });
}

/**
 * Writes an RGB image of the letterbox's resized size into a float tensor of the letterbox's full size,
 * padding the borders. `out` (length ≥ 3·width·height at `offset`) lets callers reuse one buffer and
 * pack a batch.
 *
 * @example
 * const tensor = packLetterboxed(rgb, lb); // Float32Array of 3 * lb.width * lb.height, CHW, 0..1
 */
export function packLetterboxed(
  rgb: Uint8Array,
  lb: Letterbox,
  options: PackOptions = {},
  out?: Float32Array,
  offset = 0,
): Float32Array {
  const { width, height, resizedWidth: rw, resizedHeight: rh, padLeft, padTop } = lb;
  if (rgb.length < rw * rh * 3)
    throw new RangeError(`image has ${rgb.length} bytes, expected ${rw * rh * 3}`);
  const plane = width * height;
  const tensor = out ?? new Float32Array(plane * 3);
  if (tensor.length < offset + plane * 3) throw new RangeError('tensor buffer too small');
  const luts = channelTables(options);
  // Source channel feeding each model channel.
  const order = options.channelOrder === 'bgr' ? [2, 1, 0] : [0, 1, 2];
  const pad = options.padValue ?? 114;
  const padded = rw !== width || rh !== height;
  if (options.tensorLayout === 'nhwc') {
    for (let y = 0; y < height; y++) {
      const sy = y - padTop;
      for (let x = 0; x < width; x++) {
        const sx = x - padLeft;
        const o = offset + (y * width + x) * 3;
        const inside = sy >= 0 && sy < rh && sx >= 0 && sx < rw;
        const i = (sy * rw + sx) * 3;
        for (let c = 0; c < 3; c++) tensor[o + c] = luts[c][inside ? rgb[i + order[c]] : pad];
      }
    }
    return tensor;
  }
  const [l0, l1, l2] = luts;
  const [s0, s1, s2] = order;
  if (padded)
    for (let c = 0; c < 3; c++) tensor.fill(luts[c][pad], offset + c * plane, offset + (c + 1) * plane);
  // One pass over the interleaved pixels writing the three planes: each byte is read once, in order.
  for (let y = 0; y < rh; y++) {
    let o = offset + (y + padTop) * width + padLeft;
    const end = o + rw;
    let i = y * rw * 3;
    for (; o < end; o++, i += 3) {
      tensor[o] = l0[rgb[i + s0]];
      tensor[o + plane] = l1[rgb[i + s1]];
      tensor[o + 2 * plane] = l2[rgb[i + s2]];
    }
  }
  return tensor;
}
