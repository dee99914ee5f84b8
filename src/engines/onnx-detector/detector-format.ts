/**
 * From a loaded session's signature and the file's metadata to the detector format recorded in the
 * model card: input name and size, static or dynamic axes, output layout, stride and class names.
 * Anything gramscope cannot run is refused here with ERR_MODEL_LAYOUT or ERR_MODEL_LABELS.
 */
import { AppError } from '../../errors.js';
import type { DetectorFormat } from '../../models/model-card.js';
import { parseNamesMetadata } from '../../models/model-labels.js';
import type { ValueSignature } from '../onnx-runtime/worker-protocol.js';
import { detectYoloLayout } from './yolo-output.js';

export interface ModelSignature {
  readonly inputs: readonly ValueSignature[];
  readonly outputs: readonly ValueSignature[];
}

const DEFAULT_IMGSZ = 640;

/** Ultralytics writes imgsz as "[640, 640]" (h, w) or "640". */
export function parseImgsz(value: string | undefined): { width: number; height: number } | null {
  if (!value) return null;
  const numbers = value.match(/\d+/g)?.map(Number) ?? [];
  if (numbers.length === 1) return { width: numbers[0], height: numbers[0] };
  if (numbers.length === 2) return { width: numbers[1], height: numbers[0] };
  return null;
}

/** Checks the image input: float32, rank 4, three channels; says whether it is NCHW or NHWC. */
export function checkImageInput(input: ValueSignature | undefined): {
  layout: 'nchw' | 'nhwc';
  height: number | string;
  width: number | string;
  batch: number | string;
} {
  if (!input) throw new AppError('ERR_MODEL_LAYOUT', 'The model has no input');
  if (input.type === 'float16') {
    throw new AppError('ERR_MODEL_LAYOUT', 'The model takes float16 input; export it with half=False');
  }
  if (input.type !== 'float32') {
    throw new AppError(
      'ERR_MODEL_LAYOUT',
      `The model input "${input.name}" is ${input.type}, expected float32`,
    );
  }
  const s = input.shape;
  if (s.length !== 4) {
    throw new AppError(
      'ERR_MODEL_LAYOUT',
      `The model input "${input.name}" has rank ${s.length} [${s.join(', ')}]; an image input has rank 4`,
    );
  }
  if (s[1] === 3) return { layout: 'nchw', batch: s[0], height: s[2], width: s[3] };
  if (s[3] === 3) return { layout: 'nhwc', batch: s[0], height: s[1], width: s[2] };
  throw new AppError(
    'ERR_MODEL_LAYOUT',
    `The model input [${s.join(', ')}] has no axis of 3 colour channels`,
  );
}

export interface DescribeOptions {
  /** Class names from a labels file, overriding the metadata. */
  readonly classNames?: readonly string[] | undefined;
  /** Input size to letterbox to for dynamic models (default: metadata imgsz, else 640). */
  readonly inputSize?: number | undefined;
}

/**
 * @example
 * const { format, classNames } = describeDetectorModel(signature, info.metadata);
 * format.layout; // 'yolov5'
 */
export function describeDetectorModel(
  signature: ModelSignature,
  metadata: Readonly<Record<string, string>>,
  options: DescribeOptions = {},
): { format: DetectorFormat; classNames: string[] } {
  const input = checkImageInput(signature.inputs[0]);
  const dynamicInput = typeof input.height !== 'number' || typeof input.width !== 'number';
  const imgsz = options.inputSize
    ? { width: options.inputSize, height: options.inputSize }
    : (parseImgsz(metadata.imgsz) ?? { width: DEFAULT_IMGSZ, height: DEFAULT_IMGSZ });
  const inputWidth = typeof input.width === 'number' ? input.width : imgsz.width;
  const inputHeight = typeof input.height === 'number' ? input.height : imgsz.height;
  const stride = Number.parseInt(metadata.stride ?? '32', 10) || 32;
  const output = signature.outputs.find((o) => o.shape.length === 3 && o.type === 'float32');
  if (!output) {
    const shapes = signature.outputs.map((o) => `${o.name} ${o.type} [${o.shape.join(', ')}]`).join('; ');
    throw new AppError('ERR_MODEL_LAYOUT', `No float32 rank-3 detector output among: ${shapes}`);
  }
  let names: string[] | null = options.classNames ? [...options.classNames] : null;
  if (!names && metadata.names) names = parseNamesMetadata(metadata.names);
  const end2end = /^true$/i.test(metadata.end2end ?? '');
  const { layout, classCount } = detectYoloLayout(output.shape, names?.length ?? null, end2end);
  const classNames = names ?? Array.from({ length: classCount }, (_, i) => `class_${i}`);
  return {
    format: {
      kind: 'detector',
      layout,
      inputName: signature.inputs[0].name,
      outputName: output.name,
      inputWidth,
      inputHeight,
      dynamicInput,
      stride,
      tensorLayout: input.layout,
    },
    classNames,
  };
}
