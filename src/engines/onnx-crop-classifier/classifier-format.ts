/** From a loaded classifier's signature to the format recorded in its model card. */
import { AppError } from '../../errors.js';
import type { ClassifierFormat } from '../../models/model-card.js';
import { parseNamesMetadata } from '../../models/model-labels.js';
import {
  checkImageInput,
  parseImgsz,
  type DescribeOptions,
  type ModelSignature,
} from '../onnx-detector/detector-format.js';

/** The reference system's crop classes, assumed when a model carries no names of its own. */
export const REFERENCE_CROP_CLASSES = ['background', 'gp_rod', 'gn_rod', 'gp_coccus', 'gn_coccus'] as const;

/**
 * @example
 * describeClassifierModel(signature, { names: "{0: 'background', 1: 'gp_rod', …}" }).format.inputSize; // 224
 */
export function describeClassifierModel(
  signature: ModelSignature,
  metadata: Readonly<Record<string, string>>,
  options: DescribeOptions = {},
): { format: ClassifierFormat; classNames: string[] } {
  const input = checkImageInput(signature.inputs[0]);
  const imgsz = parseImgsz(metadata.imgsz);
  const side = (v: number | string): number | null => (typeof v === 'number' ? v : null);
  const h = side(input.height);
  const w = side(input.width);
  if (h !== null && w !== null && h !== w) {
    throw new AppError(
      'ERR_MODEL_LAYOUT',
      `The classifier input is ${w}x${h}; square crops need a square input`,
    );
  }
  const inputSize = h ?? w ?? options.inputSize ?? imgsz?.width ?? 224;
  if (typeof input.batch === 'number' && input.batch !== 1) {
    throw new AppError(
      'ERR_MODEL_LAYOUT',
      `The classifier has a fixed batch of ${input.batch}; export it with batch 1 or dynamic`,
    );
  }
  const output = signature.outputs[0];
  const dims = output?.shape ?? [];
  const classAxis =
    dims.length === 2 ? dims[1] : dims.length === 4 && dims[2] === 1 && dims[3] === 1 ? dims[1] : null;
  if (!output || output.type !== 'float32' || typeof classAxis !== 'number') {
    throw new AppError(
      'ERR_MODEL_LAYOUT',
      `The classifier output ${output ? `${output.type} [${dims.join(', ')}]` : '(none)'} is not [batch, classes]`,
    );
  }
  let names: string[] | null = options.classNames ? [...options.classNames] : null;
  if (!names && metadata.names) names = parseNamesMetadata(metadata.names);
  if (!names && classAxis === REFERENCE_CROP_CLASSES.length) names = [...REFERENCE_CROP_CLASSES];
  if (!names) {
    throw new AppError(
      'ERR_MODEL_LABELS',
      `The classifier has ${classAxis} classes and no names; supply a labels file`,
    );
  }
  if (names.length !== classAxis) {
    throw new AppError(
      'ERR_MODEL_LABELS',
      `${names.length} class names for a classifier with ${classAxis} outputs`,
    );
  }
  return {
    format: {
      kind: 'classifier',
      inputName: signature.inputs[0].name,
      outputName: output.name,
      inputSize,
      tensorLayout: input.layout,
      fixedBatch: typeof input.batch === 'number' ? 1 : 0,
    },
    classNames: names,
  };
}
