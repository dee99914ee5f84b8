/**
 * YOLOv5 (v6.0+ architecture) detectors with seeded random weights, written as the graph Ultralytics'
 * export produces after BatchNorm fusion: Conv+SiLU blocks, C3, SPPF, the PAN neck and the Detect
 * head decoding boxes in input pixels, so the output is `[batch, anchors, 5 + classes]`. The weights
 * are random (an untrained model), the compute and the output layout are those of the real thing.
 */
import { createSeededRandom, type SeededRandom } from './seeded-random.js';
import { GraphBuilder, attr, type Dim } from './graph-builder.js';

export type YoloV5Variant = 'n' | 's';

/** depth_multiple and width_multiple of yolov5n.yaml / yolov5s.yaml. */
const SCALES: Readonly<Record<YoloV5Variant, { depth: number; width: number }>> = {
  n: { depth: 0.33, width: 0.25 },
  s: { depth: 0.33, width: 0.5 },
};

/** Default anchors of yolov5*.yaml for P3/8, P4/16, P5/32 (pixels, w h pairs). */
const ANCHORS: readonly (readonly number[])[] = [
  [10, 13, 16, 30, 33, 23],
  [30, 61, 62, 45, 59, 119],
  [116, 90, 156, 198, 373, 326],
];
const STRIDES = [8, 16, 32] as const;

export interface YoloV5Options {
  variant: YoloV5Variant;
  /** Class names, written to metadata as Ultralytics does. */
  classes: readonly string[];
  /** Square export size (Ultralytics `imgsz`). */
  inputSize?: number;
  /** Dynamic batch/height/width axes (Ultralytics `dynamic=True`). */
  dynamic?: boolean;
  seed?: number;
}

export interface BuiltModel {
  bytes: Uint8Array;
  parameters: number;
}

const makeDivisible = (x: number, divisor = 8): number => Math.ceil(x / divisor) * divisor;

class YoloV5Writer {
  readonly g: GraphBuilder;
  readonly #rng: SeededRandom;

  constructor(g: GraphBuilder, rng: SeededRandom) {
    this.g = g;
    this.#rng = rng;
  }

  #weights(count: number, fanIn: number): Float32Array {
    // He-style scale, damped so a deep random network stays finite (trained, BN-fused weights are tame).
    const std = Math.sqrt(1 / fanIn);
    const w = new Float32Array(count);
    for (let i = 0; i < count; i++) w[i] = this.#rng.normal() * std;
    return w;
  }

  /** Conv2d (BN folded into weights and bias) + SiLU, exported as x * sigmoid(x). */
  conv(x: string, c1: number, c2: number, k: number, s = 1, p = Math.floor(k / 2), act = true): string {
    const w = this.g.floats(this.#weights(c2 * c1 * k * k, c1 * k * k), [c2, c1, k, k], 'conv_w');
    const b = this.g.floats(new Float32Array(c2), [c2], 'conv_b');
    const y = this.g.node('Conv', [x, w, b], {
      kernel_shape: attr.ints([k, k]),
      strides: attr.ints([s, s]),
      pads: attr.ints([p, p, p, p]),
      dilations: attr.ints([1, 1]),
      group: attr.int(1),
    });
    return act ? this.g.node('Mul', [y, this.g.node('Sigmoid', [y])]) : y;
  }

  bottleneck(x: string, c: number, shortcut: boolean): string {
    const y = this.conv(this.conv(x, c, c, 1), c, c, 3);
    return shortcut ? this.g.node('Add', [x, y]) : y;
  }

  c3(x: string, c1: number, c2: number, n: number, shortcut = true): string {
    const c = Math.floor(c2 * 0.5);
    let m = this.conv(x, c1, c, 1);
    for (let i = 0; i < n; i++) m = this.bottleneck(m, c, shortcut);
    const other = this.conv(x, c1, c, 1);
    return this.conv(this.g.node('Concat', [m, other], { axis: attr.int(1) }), 2 * c, c2, 1);
  }

  sppf(x: string, c1: number, c2: number, k = 5): string {
    const c = Math.floor(c1 / 2);
    const a = this.conv(x, c1, c, 1);
    const pool = (v: string): string =>
      this.g.node('MaxPool', [v], {
        kernel_shape: attr.ints([k, k]),
        strides: attr.ints([1, 1]),
        pads: attr.ints([k >> 1, k >> 1, k >> 1, k >> 1]),
      });
    const y1 = pool(a);
    const y2 = pool(y1);
    const y3 = pool(y2);
    return this.conv(this.g.node('Concat', [a, y1, y2, y3], { axis: attr.int(1) }), c * 4, c2, 1);
  }

  upsample(x: string): string {
    return this.g.node('Resize', [x, '', this.g.floats([1, 1, 2, 2], [4], 'scales')], {
      mode: attr.string('nearest'),
      coordinate_transformation_mode: attr.string('asymmetric'),
      nearest_mode: attr.string('floor'),
    });
  }

  /**
   * One Detect level: 1x1 conv to na*(5+nc) channels, sigmoid, then xy = (2s - 0.5 + grid) * stride and
   * wh = (2s)^2 * anchor, flattened to [batch, na*ny*nx, no] in Ultralytics' (anchor, y, x) order. The
   * grid is computed from the feature map's shape so the same graph serves fixed and dynamic inputs.
   */
  detectLevel(x: string, ch: number, nc: number, stride: number, anchors: readonly number[]): string {
    const na = anchors.length / 2;
    const no = nc + 5;
    const w = this.g.floats(this.#weights(na * no * ch, ch), [na * no, ch, 1, 1], 'detect_w');
    // Ultralytics' _initialize_biases: objectness log(8 / (640 / s)^2), classes log(0.6 / (nc - 0.99)).
    const bias = new Float32Array(na * no);
    for (let a = 0; a < na; a++) {
      bias[a * no + 4] = Math.log(8 / (640 / stride) ** 2);
      for (let c = 0; c < nc; c++) bias[a * no + 5 + c] = Math.log(0.6 / (nc - 0.99));
    }
    const p = this.g.node('Conv', [x, w, this.g.floats(bias, [na * no], 'detect_b')], {
      kernel_shape: attr.ints([1, 1]),
    });
    const s = this.g.node('Sigmoid', [p]);
    const s5 = this.g.node('Reshape', [s, this.g.int64s([0, na, no, -1])]);
    const slice = (from: number, to: number): string =>
      this.g.node('Slice', [s5, this.g.int64s([from]), this.g.int64s([to]), this.g.int64s([2])]);
    const grid = this.grid(p);
    const two = this.g.scalar(2);
    const xy = this.g.node('Mul', [
      this.g.node('Add', [
        this.g.node('Sub', [this.g.node('Mul', [slice(0, 2), two]), this.g.scalar(0.5)]),
        grid,
      ]),
      this.g.scalar(stride),
    ]);
    const wh2 = this.g.node('Mul', [slice(2, 4), two]);
    const anchorGrid = new Float32Array(na * 2);
    anchorGrid.set(anchors);
    const wh = this.g.node('Mul', [
      this.g.node('Mul', [wh2, wh2]),
      this.g.floats(anchorGrid, [1, na, 2, 1], 'anchor_grid'),
    ]);
    const out = this.g.node('Concat', [xy, wh, slice(4, no)], { axis: attr.int(2) });
    const perm = this.g.node('Transpose', [out], { perm: attr.ints([0, 1, 3, 2]) });
    return this.g.node('Reshape', [perm, this.g.int64s([0, -1, no])]);
  }

  /** [1, 1, 2, ny*nx] holding (x, y) cell indices, built from the feature map's runtime shape. */
  grid(featureMap: string): string {
    const shape = this.g.node('Shape', [featureMap]);
    const hw = this.g.node('Slice', [shape, this.g.int64s([2]), this.g.int64s([4]), this.g.int64s([0])]);
    const gridShape = this.g.node('Concat', [this.g.int64s([1, 1]), hw], { axis: attr.int(0) });
    const ones = this.g.node('ConstantOfShape', [gridShape], {
      value: attr.tensor({ dtype: 'float', dims: [1], data: Float32Array.of(1) }),
    });
    const gx = this.g.node('CumSum', [ones, this.g.int64s([3], [])], { exclusive: attr.int(1) });
    const gy = this.g.node('CumSum', [ones, this.g.int64s([2], [])], { exclusive: attr.int(1) });
    const both = this.g.node('Concat', [gx, gy], { axis: attr.int(1) });
    return this.g.node('Reshape', [both, this.g.int64s([1, 1, 2, -1])]);
  }
}

/** Ultralytics' metadata string for names: a Python dict literal. */
export function formatNamesMetadata(classes: readonly string[]): string {
  const quote = (s: string): string => `'${s.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;
  return `{${classes.map((c, i) => `${i}: ${quote(c)}`).join(', ')}}`;
}

/**
 * Builds a YOLOv5n or YOLOv5s-architecture detector as ONNX bytes.
 *
 * @example
 * const { bytes } = buildYoloV5({ variant: 's', classes: LABEL_KEYS, inputSize: 640, dynamic: true });
 * await writeFile('yolov5s.onnx', bytes);
 */
export function buildYoloV5(options: YoloV5Options): BuiltModel {
  const { variant, classes } = options;
  const inputSize = options.inputSize ?? 640;
  if (inputSize % 32 !== 0) throw new RangeError('inputSize must be a multiple of 32');
  const { depth, width } = SCALES[variant];
  const ch = (c: number): number => makeDivisible(c * width);
  const n = (k: number): number => Math.max(Math.round(k * depth), 1);
  const nc = classes.length;
  const g = new GraphBuilder(`yolov5${variant}`);
  const v = new YoloV5Writer(g, createSeededRandom(options.seed ?? 5));
  const dims: Dim[] = options.dynamic ? ['batch', 3, 'height', 'width'] : [1, 3, inputSize, inputSize];
  const x = g.input('images', dims);

  // Backbone (yolov5*.yaml, v6.0).
  const c64 = ch(64);
  const c128 = ch(128);
  const c256 = ch(256);
  const c512 = ch(512);
  const c1024 = ch(1024);
  const b0 = v.conv(x, 3, c64, 6, 2, 2);
  const b1 = v.conv(b0, c64, c128, 3, 2);
  const b2 = v.c3(b1, c128, c128, n(3));
  const b3 = v.conv(b2, c128, c256, 3, 2);
  const b4 = v.c3(b3, c256, c256, n(6)); // P3
  const b5 = v.conv(b4, c256, c512, 3, 2);
  const b6 = v.c3(b5, c512, c512, n(9)); // P4
  const b7 = v.conv(b6, c512, c1024, 3, 2);
  const b8 = v.c3(b7, c1024, c1024, n(3));
  const b9 = v.sppf(b8, c1024, c1024);

  // PAN neck.
  const h10 = v.conv(b9, c1024, c512, 1);
  const h12 = g.node('Concat', [v.upsample(h10), b6], { axis: attr.int(1) });
  const h13 = v.c3(h12, c512 * 2, c512, n(3), false);
  const h14 = v.conv(h13, c512, c256, 1);
  const h16 = g.node('Concat', [v.upsample(h14), b4], { axis: attr.int(1) });
  const h17 = v.c3(h16, c256 * 2, c256, n(3), false); // P3 out
  const h18 = v.conv(h17, c256, c256, 3, 2);
  const h19 = g.node('Concat', [h18, h14], { axis: attr.int(1) });
  const h20 = v.c3(h19, c256 * 2, c512, n(3), false); // P4 out
  const h21 = v.conv(h20, c512, c512, 3, 2);
  const h22 = g.node('Concat', [h21, h10], { axis: attr.int(1) });
  const h23 = v.c3(h22, c512 * 2, c1024, n(3), false); // P5 out

  // Detect.
  const levels = [
    v.detectLevel(h17, c256, nc, STRIDES[0], ANCHORS[0]),
    v.detectLevel(h20, c512, nc, STRIDES[1], ANCHORS[1]),
    v.detectLevel(h23, c1024, nc, STRIDES[2], ANCHORS[2]),
  ];
  const out = g.node('Concat', levels, { axis: attr.int(1) });
  const anchors = STRIDES.reduce((sum, s) => sum + 3 * (inputSize / s) ** 2, 0);
  g.output(out, 'output0', options.dynamic ? ['batch', 'anchors', nc + 5] : [1, anchors, nc + 5]);
  const bytes = g.encode({
    producerName: 'gramscope-builder',
    docString: `YOLOv5${variant} architecture, seeded random weights (seed ${options.seed ?? 5}); not trained`,
    metadata: { stride: '32', names: formatNamesMetadata(classes) },
  });
  return { bytes, parameters: g.parameterCount };
}
