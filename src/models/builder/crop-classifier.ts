/**
 * A small convolutional crop classifier with seeded random weights, standing in for the reference
 * system's Inception V3 transfer model in tests and benchmarks: Conv+ReLU stages, global average
 * pooling, a fully connected layer and softmax, `[batch, 3, S, S]` → `[batch, classes]`.
 */
import { createSeededRandom } from './seeded-random.js';
import { GraphBuilder, attr } from './graph-builder.js';
import { formatNamesMetadata, type BuiltModel } from './yolov5.js';

export interface CropClassifierOptions {
  classes: readonly string[];
  inputSize?: number;
  /** Channels of the successive stride-2 conv stages. */
  widths?: readonly number[];
  seed?: number;
}

/**
 * @example
 * const { bytes } = buildCropClassifier({ classes: ['background', 'gp_rod', 'gn_rod', 'gp_coccus', 'gn_coccus'] });
 */
export function buildCropClassifier(options: CropClassifierOptions): BuiltModel {
  const size = options.inputSize ?? 96;
  const widths = options.widths ?? [16, 32, 64, 128];
  const rng = createSeededRandom(options.seed ?? 7);
  const g = new GraphBuilder('crop-classifier');
  let x = g.input('input', ['batch', 3, size, size]);
  let c1 = 3;
  const weights = (count: number, fanIn: number): Float32Array => {
    const w = new Float32Array(count);
    const std = Math.sqrt(2 / fanIn);
    for (let i = 0; i < count; i++) w[i] = rng.normal() * std;
    return w;
  };
  for (const c2 of widths) {
    const w = g.floats(weights(c2 * c1 * 9, c1 * 9), [c2, c1, 3, 3], 'conv_w');
    const b = g.floats(new Float32Array(c2), [c2], 'conv_b');
    x = g.node('Relu', [
      g.node('Conv', [x, w, b], {
        kernel_shape: attr.ints([3, 3]),
        strides: attr.ints([2, 2]),
        pads: attr.ints([1, 1, 1, 1]),
      }),
    ]);
    c1 = c2;
  }
  const pooled = g.node('Flatten', [g.node('GlobalAveragePool', [x])], { axis: attr.int(1) });
  const nc = options.classes.length;
  const fc = g.floats(weights(nc * c1, c1), [nc, c1], 'fc_w');
  const logits = g.node('Gemm', [pooled, fc, g.floats(new Float32Array(nc), [nc], 'fc_b')], {
    transB: attr.int(1),
  });
  g.output(g.node('Softmax', [logits], { axis: attr.int(1) }), 'output0', ['batch', nc]);
  return {
    bytes: g.encode({
      metadata: { names: formatNamesMetadata(options.classes), imgsz: `[${size}, ${size}]` },
      docString: `crop classifier, seeded random weights (seed ${options.seed ?? 7}); not trained`,
    }),
    parameters: g.parameterCount,
  };
}
