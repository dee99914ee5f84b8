/**
 * Tiny hand-weighted models whose outputs are known exactly, so decoding, letterboxing, NMS, tiling
 * merges and label mapping can be tested against exact expected boxes.
 *
 * - The constant detector returns a fixed output tensor whatever the image: its rows are the test.
 * - The cell detector looks at every 8x8 cell of its input and reports a `boxSize` square box centred
 *   on the cell, scored per class by how purely red, green or blue the cell is: a pure red cell scores
 *   exactly 1 for class 0, grey (the letterbox padding) scores exactly 0. Paint coloured cells on a
 *   field and the expected boxes follow by arithmetic.
 * - The mean-colour classifier classifies a crop by its mean colour.
 */
import { GraphBuilder, attr, type Dim } from './graph-builder.js';
import { formatNamesMetadata, type BuiltModel } from './yolov5.js';

export type ExactLayout = 'yolov5' | 'yolov8' | 'end2end';

export interface ConstantDetectorOptions {
  layout: ExactLayout;
  classes: readonly string[];
  /**
   * One row per anchor in the layout's own terms: yolov5 (cx, cy, w, h, obj, scores…), yolov8
   * (cx, cy, w, h, scores…), end2end (x1, y1, x2, y2, score, class).
   */
  rows: readonly (readonly number[])[];
  inputWidth: number;
  inputHeight: number;
  dynamic?: boolean;
  /** Extra metadata_props, e.g. { end2end: 'True' }; `names` is written unless set to ''. */
  metadata?: Record<string, string>;
}

/**
 * @example
 * buildConstantDetector({ layout: 'yolov5', classes: ['cons'], rows: [[32, 32, 10, 10, 0.9, 0.8]], inputWidth: 64, inputHeight: 64 });
 */
export function buildConstantDetector(options: ConstantDetectorOptions): BuiltModel {
  const nc = options.classes.length;
  const width = options.layout === 'yolov5' ? nc + 5 : options.layout === 'yolov8' ? nc + 4 : 6;
  const n = options.rows.length;
  for (const row of options.rows) {
    if (row.length !== width) throw new RangeError(`each row needs ${width} values`);
  }
  const g = new GraphBuilder(`constant-${options.layout}`);
  const dims: Dim[] = options.dynamic
    ? ['batch', 3, 'height', 'width']
    : [1, 3, options.inputHeight, options.inputWidth];
  const x = g.input('images', dims);
  const values = new Float32Array(n * width);
  let shape: number[];
  if (options.layout === 'yolov8') {
    // [1, 4 + nc, n]: one column per anchor.
    options.rows.forEach((row, i) => row.forEach((v, k) => (values[k * n + i] = v)));
    shape = [1, width, n];
  } else {
    options.rows.forEach((row, i) => values.set(row, i * width));
    shape = [1, n, width];
  }
  const constant = g.floats(values, shape, 'rows');
  // Tie the output to the input so the graph is a function of the image, as a runtime expects.
  const zero = g.node('Mul', [g.node('ReduceMax', [x], { keepdims: attr.int(0) }), g.scalar(0)]);
  g.output(g.node('Add', [constant, zero]), 'output0', shape);
  const { names: namesOverride, ...rest } = options.metadata ?? {};
  const metadata: Record<string, string> = { stride: '32', ...rest };
  if (namesOverride !== '') metadata.names = namesOverride ?? formatNamesMetadata(options.classes);
  return {
    bytes: g.encode({ metadata, docString: 'constant detector (test model)' }),
    parameters: g.parameterCount,
  };
}

export interface CellDetectorOptions {
  layout: 'yolov5' | 'yolov8';
  /** Three class names: scored by red, green and blue purity. */
  classes: readonly [string, string, string];
  /** Fixed square input size; with `dynamic`, the export size written as imgsz. */
  inputSize: number;
  dynamic?: boolean;
  /** Side of the reported box, pixels (default 24: three cells). */
  boxSize?: number;
}

export const CELL = 8;

/**
 * @example
 * const { bytes } = buildCellDetector({ layout: 'yolov8', classes: ['s_aureus', 'rbc', 'spore'], inputSize: 64, dynamic: true });
 */
export function buildCellDetector(options: CellDetectorOptions): BuiltModel {
  const box = options.boxSize ?? 24;
  const g = new GraphBuilder(`cell-${options.layout}`);
  const dims: Dim[] = options.dynamic
    ? ['batch', 3, 'height', 'width']
    : [1, 3, options.inputSize, options.inputSize];
  const x = g.input('images', dims);
  const pooled = g.node('AveragePool', [x], {
    kernel_shape: attr.ints([CELL, CELL]),
    strides: attr.ints([CELL, CELL]),
  });
  // Colour purity: channel minus the mean of the other two, floored at 0 (grey and white give 0).
  const purity = g.floats([1, -0.5, -0.5, -0.5, 1, -0.5, -0.5, -0.5, 1], [3, 3, 1, 1], 'purity');
  const scores = g.node('Relu', [g.node('Conv', [pooled, purity], { kernel_shape: attr.ints([1, 1]) })]);
  const shape = g.node('Shape', [pooled]);
  const hw = g.node('Slice', [shape, g.int64s([2]), g.int64s([4]), g.int64s([0])]);
  const gridShape = g.node('Concat', [g.int64s([1, 1]), hw], { axis: attr.int(0) });
  const ones = g.node('ConstantOfShape', [gridShape], {
    value: attr.tensor({ dtype: 'float', dims: [1], data: Float32Array.of(1) }),
  });
  const centre = (axis: number): string =>
    g.node('Mul', [
      g.node('Add', [
        g.node('CumSum', [ones, g.int64s([axis], [])], { exclusive: attr.int(1) }),
        g.scalar(0.5),
      ]),
      g.scalar(CELL),
    ]);
  const cx = centre(3);
  const cy = centre(2);
  const size = g.node('Mul', [ones, g.scalar(box)]);
  const parts =
    options.layout === 'yolov5' ? [cx, cy, size, size, ones, scores] : [cx, cy, size, size, scores];
  const rows = options.layout === 'yolov5' ? 8 : 7;
  const planes = g.node('Concat', parts, { axis: attr.int(1) });
  const flat = g.node('Reshape', [planes, g.int64s([0, rows, -1])]);
  const anchors = options.dynamic ? 'anchors' : (options.inputSize / CELL) ** 2;
  const batch = options.dynamic ? 'batch' : 1;
  const out =
    options.layout === 'yolov5' ? g.node('Transpose', [flat], { perm: attr.ints([0, 2, 1]) }) : flat;
  g.output(out, 'output0', options.layout === 'yolov5' ? [batch, anchors, rows] : [batch, rows, anchors]);
  return {
    bytes: g.encode({
      metadata: {
        stride: '32',
        names: formatNamesMetadata(options.classes),
        imgsz: `[${options.inputSize}, ${options.inputSize}]`,
      },
      docString: 'cell detector (test model)',
    }),
    parameters: g.parameterCount,
  };
}

export interface MeanColourClassifierOptions {
  /** Class names in output order. */
  classes: readonly string[];
  /** [classes x 3] weights on the crop's mean R, G, B (0..1), plus [classes] biases: logits. */
  weights: readonly (readonly [number, number, number])[];
  biases: readonly number[];
  inputSize: number;
  /** Emit probabilities (softmax in the graph) or raw logits. */
  softmax?: boolean;
  /** Omit the names metadata (the registry then needs a labels file or the reference classes). */
  withoutNames?: boolean;
}

/**
 * @example
 * buildMeanColourClassifier({ classes: ['background', 'gp_rod'], weights: [[0, 0, 0], [0, 0, 10]], biases: [1, 0], inputSize: 32 });
 */
export function buildMeanColourClassifier(options: MeanColourClassifierOptions): BuiltModel {
  const nc = options.classes.length;
  if (options.weights.length !== nc || options.biases.length !== nc)
    throw new RangeError('one weight row and bias per class');
  const g = new GraphBuilder('mean-colour-classifier');
  const x = g.input('input', ['batch', 3, options.inputSize, options.inputSize]);
  const mean = g.node('Flatten', [g.node('GlobalAveragePool', [x])], { axis: attr.int(1) });
  const w = g.floats(options.weights.flat(), [nc, 3], 'fc_w');
  const b = g.floats([...options.biases], [nc], 'fc_b');
  const logits = g.node('Gemm', [mean, w, b], { transB: attr.int(1) });
  const out = options.softmax === false ? logits : g.node('Softmax', [logits], { axis: attr.int(1) });
  g.output(out, 'output0', ['batch', nc]);
  return {
    bytes: g.encode({
      metadata: options.withoutNames ? {} : { names: formatNamesMetadata(options.classes) },
      docString: 'mean-colour classifier (test model)',
    }),
    parameters: g.parameterCount,
  };
}
