// A small builder for ONNX graphs on onnx-proto (ModelProto encode): named inputs and outputs
// with shapes, float and int64 initialisers, nodes with attributes. Tests and benchmarks build
// their models with it, since no real weights can be downloaded where the project is built.

import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;

export type Dim = number | string;
export type AttributeValue = number | string | number[] | { float: number } | { floats: number[] };

const FLOAT = 1;
const INT64 = 7;

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
