/**
 * Reads what gramscope needs from an ONNX file — IR and opset versions, producer, metadata_props
 * (Ultralytics writes `names`, `stride`, `imgsz`, `task` there) and the graph's inputs and outputs —
 * without decoding the weights: the walk skips initializers and nodes, so a 300 MB YOLOv5x costs
 * the same few milliseconds as a tiny model. Anything that is not a well-formed ModelProto is
 * refused with ERR_MODEL_INVALID.
 */
import protobuf from 'protobufjs';
import { AppError } from '../../errors.js';
import { ONNX_DTYPE, OperatorSetIdProto, StringStringEntryProto, ValueInfoProto } from './onnx-schema.js';

export type TensorElementType = 'float32' | 'float16' | 'uint8' | 'int32' | 'int64' | 'other';

export interface TensorSignature {
  readonly name: string;
  readonly type: TensorElementType;
  /** Numbers for fixed axes, strings for symbolic (dynamic) ones, null when the file says nothing. */
  readonly shape: readonly (number | string | null)[];
}

export interface OnnxModelInfo {
  readonly irVersion: number;
  readonly opsets: readonly { readonly domain: string; readonly version: number }[];
  readonly producer: { readonly name: string; readonly version: string };
  readonly docString: string;
  readonly metadata: Readonly<Record<string, string>>;
  readonly inputs: readonly TensorSignature[];
  readonly outputs: readonly TensorSignature[];
  readonly nodeCount: number;
  readonly initializerCount: number;
}

const WIRE_LENGTH_DELIMITED = 2;

const elementType = (code: number): TensorElementType => {
  switch (code) {
    case ONNX_DTYPE.float:
      return 'float32';
    case ONNX_DTYPE.float16:
      return 'float16';
    case ONNX_DTYPE.uint8:
      return 'uint8';
    case ONNX_DTYPE.int32:
      return 'int32';
    case ONNX_DTYPE.int64:
      return 'int64';
    default:
      return 'other';
  }
};

interface DecodedValueInfo {
  name?: string;
  type?: {
    tensor_type?: {
      elem_type?: number;
      shape?: { dim?: { dim_value?: number; dim_param?: string }[] };
    };
  };
}

function toSignature(bytes: Uint8Array): TensorSignature {
  const info = ValueInfoProto.toObject(ValueInfoProto.decode(bytes), {
    longs: Number,
    defaults: false,
  }) as DecodedValueInfo;
  const tensor = info.type?.tensor_type;
  return {
    name: info.name ?? '',
    type: elementType(tensor?.elem_type ?? 0),
    shape: (tensor?.shape?.dim ?? []).map((d) =>
      d.dim_value !== undefined
        ? d.dim_value
        : d.dim_param !== undefined && d.dim_param !== ''
          ? d.dim_param
          : null,
    ),
  };
}

function readGraph(
  bytes: Uint8Array,
): Pick<OnnxModelInfo, 'inputs' | 'outputs' | 'nodeCount' | 'initializerCount'> {
  const reader = protobuf.Reader.create(bytes);
  const inputs: TensorSignature[] = [];
  const outputs: TensorSignature[] = [];
  const initializerNames: string[] = [];
  const inputBytes: Uint8Array[] = [];
  let nodeCount = 0;
  let initializerCount = 0;
  while (reader.pos < reader.len) {
    const tag = reader.uint32();
    const field = tag >>> 3;
    const wire = tag & 7;
    if (field === 11 && wire === WIRE_LENGTH_DELIMITED) inputBytes.push(reader.bytes());
    else if (field === 12 && wire === WIRE_LENGTH_DELIMITED) outputs.push(toSignature(reader.bytes()));
    else if (field === 5 && wire === WIRE_LENGTH_DELIMITED) {
      initializerCount++;
      initializerNames.push(readTensorName(reader.bytes()));
    } else {
      if (field === 1) nodeCount++;
      reader.skipType(wire);
    }
  }
  // Older exporters list initializers among the graph inputs; those are weights, not image inputs.
  const weights = new Set(initializerNames);
  for (const b of inputBytes) {
    const sig = toSignature(b);
    if (!weights.has(sig.name)) inputs.push(sig);
  }
  return { inputs, outputs, nodeCount, initializerCount };
}

/** Reads only the name (field 8) of a TensorProto, skipping its data. */
function readTensorName(bytes: Uint8Array): string {
  const reader = protobuf.Reader.create(bytes);
  while (reader.pos < reader.len) {
    const tag = reader.uint32();
    if (tag >>> 3 === 8 && (tag & 7) === WIRE_LENGTH_DELIMITED) return reader.string();
    reader.skipType(tag & 7);
  }
  return '';
}

const longToNumber = (v: protobuf.Long | number): number => protobuf.util.LongBits.from(v).toNumber(false);

/**
 * @example
 * const info = readOnnxModelInfo(await readFile('yolov5s.onnx'));
 * info.metadata.names; // "{0: 'enterobacterales', 1: 'p_aeruginosa', …}"
 */
export function readOnnxModelInfo(bytes: Uint8Array): OnnxModelInfo {
  if (bytes.length < 16) throw new AppError('ERR_MODEL_INVALID', 'The model file is empty or too short');
  let irVersion = 0;
  const opsets: { domain: string; version: number }[] = [];
  const metadata: Record<string, string> = {};
  let producer = { name: '', version: '' };
  let docString = '';
  let graph: ReturnType<typeof readGraph> | null = null;
  try {
    const reader = protobuf.Reader.create(bytes);
    while (reader.pos < reader.len) {
      const tag = reader.uint32();
      const field = tag >>> 3;
      const wire = tag & 7;
      if (field === 0) throw new Error('field number 0');
      if (field === 1 && wire === 0) irVersion = longToNumber(reader.int64());
      else if (field === 2 && wire === WIRE_LENGTH_DELIMITED)
        producer = { ...producer, name: reader.string() };
      else if (field === 3 && wire === WIRE_LENGTH_DELIMITED)
        producer = { ...producer, version: reader.string() };
      else if (field === 6 && wire === WIRE_LENGTH_DELIMITED) docString = reader.string();
      else if (field === 7 && wire === WIRE_LENGTH_DELIMITED) graph = readGraph(reader.bytes());
      else if (field === 8 && wire === WIRE_LENGTH_DELIMITED) {
        const o = OperatorSetIdProto.toObject(OperatorSetIdProto.decode(reader.bytes()), {
          longs: Number,
        }) as {
          domain?: string;
          version?: number;
        };
        opsets.push({ domain: o.domain ?? '', version: o.version ?? 0 });
      } else if (field === 14 && wire === WIRE_LENGTH_DELIMITED) {
        const e = StringStringEntryProto.decode(reader.bytes()) as unknown as { key: string; value: string };
        metadata[e.key] = e.value;
      } else reader.skipType(wire);
    }
  } catch (err) {
    throw new AppError('ERR_MODEL_INVALID', 'The model file is not a valid ONNX protobuf', { cause: err });
  }
  if (irVersion < 3 || irVersion > 64 || !graph || opsets.length === 0) {
    throw new AppError(
      'ERR_MODEL_INVALID',
      'The file is not an ONNX model (no IR version, opset or graph was found)',
    );
  }
  if (graph.inputs.length === 0 || graph.outputs.length === 0) {
    throw new AppError('ERR_MODEL_INVALID', 'The ONNX graph declares no inputs or no outputs');
  }
  return { irVersion, opsets, producer, docString, metadata, ...graph };
}
