// A small builder for ONNX graphs on onnx-proto (ModelProto encode): named inputs and outputs
// with shapes, float32, float16 and int64 initialisers, nodes with attributes. Tests and benchmarks build
// their models with it, since no real weights can be downloaded where the project is built.

import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;

export type Dim = number | string;
export type AttributeValue = number | string | number[] | { float: number } | { floats: number[] };

/** ONNX TensorProto data types (the `to` of a Cast node). */
export const FLOAT = 1;
export const FLOAT16 = 10;
const INT64 = 7;

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/**
 * The IEEE 754 binary16 bits of `value` (rounded to nearest, ties to even; beyond 65504 it is
 * infinite, below 2^-25 zero), as ONNX stores a float16 tensor's elements.
 */
export function halfBits(value: number): number {
  f32[0] = value;
  const bits = u32[0]!;
  const sign = (bits >>> 16) & 0x8000;
  const exponent = (bits >>> 23) & 0xff;
  const mantissa = bits & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa ? 0x200 : 0);
  const halfExponent = exponent - 127 + 15;
  if (halfExponent >= 0x1f) return sign | 0x7c00;
  // A normal half keeps 10 of the 23 mantissa bits; a subnormal one fewer, with the implicit 1.
  const full = halfExponent > 0 ? mantissa : mantissa | 0x800000;
  const shift = halfExponent > 0 ? 13 : 14 - halfExponent;
  if (shift > 24) return sign;
  let half = (halfExponent > 0 ? halfExponent << 10 : 0) | (full >>> shift);
  const rest = full & ((1 << shift) - 1);
  const halfway = 1 << (shift - 1);
  // A carry out of the mantissa moves into the exponent, which is the correctly rounded value.
  if (rest > halfway || (rest === halfway && half & 1)) half++;
  return sign | half;
}

function valueInfo(name: string, dims: readonly Dim[]): onnxProto.onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: FLOAT,
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

function attribute(name: string, value: AttributeValue): onnxProto.onnx.IAttributeProto {
  const A = onnx.AttributeProto.AttributeType;
  if (typeof value === 'string') return { name, type: A.STRING, s: new TextEncoder().encode(value) };
  if (typeof value === 'number') return { name, type: A.INT, i: value };
  if (Array.isArray(value)) return { name, type: A.INTS, ints: value };
  if ('float' in value) return { name, type: A.FLOAT, f: value.float };
  return { name, type: A.FLOATS, floats: value.floats };
}

export class GraphBuilder {
  readonly #nodes: onnxProto.onnx.INodeProto[] = [];
  readonly #initializers: onnxProto.onnx.ITensorProto[] = [];
  readonly #inputs: onnxProto.onnx.IValueInfoProto[] = [];
  readonly #outputs: onnxProto.onnx.IValueInfoProto[] = [];
  #counter = 0;
  /** Parameters (initialiser elements) so far, to report a model's size. */
  parameters = 0;

  input(name: string, dims: readonly Dim[]): string {
    this.#inputs.push(valueInfo(name, dims));
    return name;
  }

  /** Declares `name` a graph output with `dims` (a node must produce it). */
  output(name: string, dims: readonly Dim[]): string {
    this.#outputs.push(valueInfo(name, dims));
    return name;
  }

  /** A float32 initialiser. */
  constant(dims: readonly number[], data: Float32Array | readonly number[], name = this.#name('w')): string {
    const values = data instanceof Float32Array ? data : Float32Array.from(data);
    const expected = dims.reduce((a, b) => a * b, 1);
    if (values.length !== expected) throw new RangeError(`${name}: ${values.length} values for dims ${dims.join('x')}`);
    this.#initializers.push({
      name,
      dims: [...dims],
      dataType: FLOAT,
      rawData: new Uint8Array(values.buffer, values.byteOffset, values.byteLength),
    });
    this.parameters += values.length;
    return name;
  }

  /** A float16 initialiser: `data` rounded to half precision, stored as raw little-endian bits. */
  half(dims: readonly number[], data: Float32Array | readonly number[], name = this.#name('h')): string {
    const expected = dims.reduce((a, b) => a * b, 1);
    if (data.length !== expected) throw new RangeError(`${name}: ${data.length} values for dims ${dims.join('x')}`);
    const bits = new Uint16Array(data.length);
    for (let i = 0; i < data.length; i++) bits[i] = halfBits(data[i]!);
    const raw = new Uint8Array(bits.buffer);
    // raw_data is little-endian whatever the machine; swap on a big-endian one.
    if (new Uint8Array(Uint16Array.of(1).buffer)[0] === 0) {
      for (let i = 0; i < raw.length; i += 2) [raw[i], raw[i + 1]] = [raw[i + 1]!, raw[i]!];
    }
    this.#initializers.push({ name, dims: [...dims], dataType: FLOAT16, rawData: raw });
    this.parameters += data.length;
    return name;
  }

  /** An int64 initialiser (shapes, axes). */
  ints(values: readonly number[], name = this.#name('i')): string {
    this.#initializers.push({ name, dims: [values.length], dataType: INT64, int64Data: [...values] });
    return name;
  }

  /** Adds a node; returns its first output's name (generated unless `outputs` names it). */
  node(
    opType: string,
    inputs: readonly string[],
    attributes: Record<string, AttributeValue> = {},
    outputs?: readonly string[],
  ): string {
    const names = outputs ?? [this.#name(opType.toLowerCase())];
    this.#nodes.push({
      opType,
      name: this.#name(`${opType}_node`),
      input: [...inputs],
      output: [...names],
      attribute: Object.entries(attributes).map(([key, value]) => attribute(key, value)),
    });
    return names[0]!;
  }

  /** The serialised model (ONNX IR 8, default opset `opset`). */
  encode(opset = 17, graphName = 'sfa-test-model'): Uint8Array {
    const model = onnx.ModelProto.create({
      irVersion: 8,
      producerName: 'sfa models/builders',
      opsetImport: [{ domain: '', version: opset }],
      graph: {
        name: graphName,
        node: this.#nodes,
        initializer: this.#initializers,
        input: this.#inputs,
        output: this.#outputs,
      },
    });
    return onnx.ModelProto.encode(model).finish();
  }

  #name(prefix: string): string {
    return `${prefix}_${this.#counter++}`;
  }
}
