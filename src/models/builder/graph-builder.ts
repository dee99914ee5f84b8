/**
 * Writes ONNX graphs node by node and serialises them as a real ModelProto. Used to build the test
 * and benchmark models (YOLOv5-architecture detectors, a crop classifier and tiny hand-weighted
 * models with exactly known outputs), so nothing has to be downloaded.
 */
import { endianness } from 'node:os';
import { ModelProto, ONNX_ATTR, ONNX_DTYPE } from '../onnx-format/onnx-schema.js';

/** ONNX opset the builder targets; onnxruntime 1.30 runs it on every execution provider. */
export const BUILDER_OPSET = 17;
export const BUILDER_IR_VERSION = 8;

export type Dim = number | string;

export type TensorData =
  | { readonly dtype: 'float'; readonly dims: readonly number[]; readonly data: Float32Array }
  | { readonly dtype: 'int64'; readonly dims: readonly number[]; readonly data: BigInt64Array };

export type AttrValue =
  | { readonly kind: 'int'; readonly value: number }
  | { readonly kind: 'ints'; readonly value: readonly number[] }
  | { readonly kind: 'float'; readonly value: number }
  | { readonly kind: 'floats'; readonly value: readonly number[] }
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'tensor'; readonly value: TensorData };

/** Attribute constructors, so integer and float attributes can never be confused. */
export const attr = {
  int: (value: number): AttrValue => ({ kind: 'int', value }),
  ints: (value: readonly number[]): AttrValue => ({ kind: 'ints', value }),
  float: (value: number): AttrValue => ({ kind: 'float', value }),
  floats: (value: readonly number[]): AttrValue => ({ kind: 'floats', value }),
  string: (value: string): AttrValue => ({ kind: 'string', value }),
  tensor: (value: TensorData): AttrValue => ({ kind: 'tensor', value }),
};

const bytesOf = (view: Float32Array | BigInt64Array): Uint8Array =>
  new Uint8Array(view.buffer, view.byteOffset, view.byteLength);

function encodeTensor(name: string, t: TensorData): Record<string, unknown> {
  return {
    name,
    dims: [...t.dims],
    data_type: t.dtype === 'float' ? ONNX_DTYPE.float : ONNX_DTYPE.int64,
    raw_data: bytesOf(t.data),
  };
}

function encodeAttr(name: string, a: AttrValue): Record<string, unknown> {
  switch (a.kind) {
    case 'int':
      return { name, type: ONNX_ATTR.int, i: a.value };
    case 'ints':
      return { name, type: ONNX_ATTR.ints, ints: [...a.value] };
    case 'float':
      return { name, type: ONNX_ATTR.float, f: a.value };
    case 'floats':
      return { name, type: ONNX_ATTR.floats, floats: [...a.value] };
    case 'string':
      return { name, type: ONNX_ATTR.string, s: new TextEncoder().encode(a.value) };
    case 'tensor':
      return { name, type: ONNX_ATTR.tensor, t: encodeTensor('', a.value) };
  }
}

function valueInfo(name: string, dims: readonly Dim[], dtype: 'float' | 'int64'): Record<string, unknown> {
  return {
    name,
    type: {
      tensor_type: {
        elem_type: dtype === 'float' ? ONNX_DTYPE.float : ONNX_DTYPE.int64,
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dim_value: d } : { dim_param: d })) },
      },
    },
  };
}

export interface EncodeOptions {
  /** Written to metadata_props, as Ultralytics does for `names`, `stride`, `imgsz`, `task`. */
  metadata?: Readonly<Record<string, string>>;
  producerName?: string;
  producerVersion?: string;
  docString?: string;
}

/**
 * @example
 * const g = new GraphBuilder('tiny');
 * const x = g.input('images', [1, 3, 64, 64]);
 * g.output(g.node('Relu', [x]), 'output0', [1, 3, 64, 64]);
 * const bytes = g.encode();
 */
export class GraphBuilder {
  readonly name: string;
  readonly #nodes: Record<string, unknown>[] = [];
  readonly #initializers: Record<string, unknown>[] = [];
  readonly #inputs: Record<string, unknown>[] = [];
  readonly #outputs: Record<string, unknown>[] = [];
  readonly #names = new Set<string>();
  #counter = 0;
  #parameters = 0;

  constructor(name: string) {
    if (endianness() !== 'LE') throw new Error('the ONNX builder writes little-endian raw data only');
    this.name = name;
  }

  /** Number of weights written as initializers (for reporting model size). */
  get parameterCount(): number {
    return this.#parameters;
  }

  #fresh(prefix: string): string {
    let name: string;
    do name = `${prefix}_${this.#counter++}`;
    while (this.#names.has(name));
    this.#names.add(name);
    return name;
  }

  input(name: string, dims: readonly Dim[], dtype: 'float' | 'int64' = 'float'): string {
    this.#names.add(name);
    this.#inputs.push(valueInfo(name, dims, dtype));
    return name;
  }

  /** Declares `value` as a graph output under `name` (an Identity node renames it). */
  output(value: string, name: string, dims: readonly Dim[], dtype: 'float' | 'int64' = 'float'): string {
    this.#names.add(name);
    this.#nodes.push({ op_type: 'Identity', input: [value], output: [name], name: `${name}_identity` });
    this.#outputs.push(valueInfo(name, dims, dtype));
    return name;
  }

  /** Adds a float initializer and returns its name. */
  floats(data: Float32Array | readonly number[], dims: readonly number[], prefix = 'w'): string {
    const array = data instanceof Float32Array ? data : Float32Array.from(data);
    const count = dims.reduce((a, b) => a * b, 1);
    if (count !== array.length)
      throw new RangeError(`initializer has ${array.length} values, dims say ${count}`);
    const name = this.#fresh(prefix);
    this.#parameters += array.length;
    this.#initializers.push(encodeTensor(name, { dtype: 'float', dims, data: array }));
    return name;
  }

  /** Adds an int64 initializer (shapes, axes) and returns its name. */
  int64s(values: readonly number[], dims: readonly number[] = [values.length], prefix = 'i'): string {
    const name = this.#fresh(prefix);
    this.#initializers.push(
      encodeTensor(name, { dtype: 'int64', dims, data: BigInt64Array.from(values.map((v) => BigInt(v))) }),
    );
    return name;
  }

  /** A float scalar initializer. */
  scalar(value: number, prefix = 's'): string {
    return this.floats([value], [], prefix);
  }

  /** Adds a node with one output and returns the output's name. `''` marks an omitted optional input. */
  node(
    opType: string,
    inputs: readonly string[],
    attributes: Readonly<Record<string, AttrValue>> = {},
  ): string {
    return this.nodeOutputs(opType, inputs, 1, attributes)[0];
  }

  nodeOutputs(
    opType: string,
    inputs: readonly string[],
    outputCount: number,
    attributes: Readonly<Record<string, AttrValue>> = {},
  ): string[] {
    const outputs = Array.from({ length: outputCount }, () => this.#fresh(opType.toLowerCase()));
    this.#nodes.push({
      op_type: opType,
      name: this.#fresh(`${opType}_node`),
      input: [...inputs],
      output: outputs,
      attribute: Object.entries(attributes).map(([k, v]) => encodeAttr(k, v)),
    });
    return outputs;
  }

  /** Serialises the graph as an ONNX ModelProto. */
  encode(options: EncodeOptions = {}): Uint8Array {
    const model = {
      ir_version: BUILDER_IR_VERSION,
      opset_import: [{ domain: '', version: BUILDER_OPSET }],
      producer_name: options.producerName ?? 'gramscope-builder',
      producer_version: options.producerVersion ?? '1',
      doc_string: options.docString ?? '',
      graph: {
        name: this.name,
        node: this.#nodes,
        initializer: this.#initializers,
        input: this.#inputs,
        output: this.#outputs,
      },
      metadata_props: Object.entries(options.metadata ?? {}).map(([key, value]) => ({ key, value })),
    };
    const message = ModelProto.fromObject(model);
    return ModelProto.encode(message).finish();
  }
}
