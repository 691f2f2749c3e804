// Reads an ONNX file's graph inputs and outputs (names, element types, shapes) straight from its
// protobuf bytes, without loading a runtime: enough to check a downloaded or imported model
// against its descriptor (`checkModel`) and to fill the import form in, in milliseconds.
// Field numbers are those of onnx.proto (ModelProto.graph = 7, GraphProto.input = 11, ...).
import type { ValueInfo } from '@sfa/shared/inference/session';
import { SfaError } from '@sfa/shared/protocol/errors';

export interface OnnxSignature {
  inputs: ValueInfo[];
  outputs: ValueInfo[];
}

/** TensorProto.DataType numbers as onnxruntime names them. */
const ELEMENT_TYPES: Record<number, string> = {
  1: 'float32',
  2: 'uint8',
  3: 'int8',
  5: 'int16',
  6: 'int32',
  7: 'int64',
  9: 'bool',
  10: 'float16',
  11: 'float64',
  16: 'bfloat16',
};

interface Field {
  number: number;
  /** Varint value (wire type 0), or the start of a length-delimited body (wire type 2). */
  value: number;
  start: number;
  end: number;
  wireType: number;
}

class Reader {
  #offset: number;
  constructor(
    readonly bytes: Uint8Array,
    start = 0,
    readonly end = bytes.length,
  ) {
    this.#offset = start;
  }

  get done(): boolean {
    return this.#offset >= this.end;
  }

  varint(): number {
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      if (this.#offset >= this.end) throw new RangeError('a number runs past the end');
      const byte = this.bytes[this.#offset++]!;
      value += (byte & 0x7f) * scale;
      if (byte < 0x80) return value;
      scale *= 128;
    }
    throw new RangeError('a number is longer than 10 bytes');
  }

  /** The next field, its body skipped over (read it with a Reader on [start, end)). */
  field(): Field {
    const tag = this.varint();
    const number = Math.floor(tag / 8);
    const wireType = tag & 7;
    const start = this.#offset;
    let value = 0;
    if (wireType === 0) value = this.varint();
    else if (wireType === 1) this.#offset += 8;
    else if (wireType === 5) this.#offset += 4;
    else if (wireType === 2) {
      const length = this.varint();
      value = this.#offset;
      this.#offset += length;
    } else throw new RangeError(`unsupported wire type ${wireType}`);
    if (number === 0 || this.#offset > this.end) throw new RangeError('a field runs past the end');
    return { number, value, start: wireType === 2 ? value : start, end: this.#offset, wireType };
  }

  /** Every field of this message with `number` and wire type 2, as readers over their bodies. */
  messages(number: number): Reader[] {
    const found: Reader[] = [];
    while (!this.done) {
      const field = this.field();
      if (field.number === number && field.wireType === 2) found.push(new Reader(this.bytes, field.start, field.end));
    }
    return found;
  }

  string(field: Field): string {
    return new TextDecoder().decode(this.bytes.subarray(field.start, field.end));
  }
}

function valueInfo(reader: Reader): ValueInfo {
  const info: ValueInfo = { name: '' };
  while (!reader.done) {
    const field = reader.field();
    if (field.number === 1 && field.wireType === 2) info.name = reader.string(field);
    if (field.number !== 2 || field.wireType !== 2) continue;
    // TypeProto.tensor_type (1): elem_type (1), shape (2) -> dim (1) -> dim_value (1) | dim_param (2)
    const tensor = new Reader(reader.bytes, field.start, field.end).messages(1)[0];
    if (!tensor) continue;
    while (!tensor.done) {
      const part = tensor.field();
      if (part.number === 1 && part.wireType === 0) info.type = ELEMENT_TYPES[part.value] ?? `onnx-type-${part.value}`;
      if (part.number !== 2 || part.wireType !== 2) continue;
      const shape: (number | string)[] = [];
      for (const dim of new Reader(tensor.bytes, part.start, part.end).messages(1)) {
        let size: number | string = '?';
        while (!dim.done) {
          const d = dim.field();
          if (d.number === 1 && d.wireType === 0) size = d.value;
          if (d.number === 2 && d.wireType === 2) size = dim.string(d);
        }
        shape.push(size);
      }
      info.shape = shape;
    }
  }
  return info;
}

/**
 * The graph's inputs (initialisers that older exporters also list as inputs left out) and
 * outputs. Throws `SfaError('model-invalid')` when `bytes` is not an ONNX model.
 */
export function readOnnxSignature(bytes: Uint8Array): OnnxSignature {
  try {
    const graphs = new Reader(bytes).messages(7);
    const graph = graphs[0];
    if (!graph) throw new RangeError('it has no graph');
    const inputs: ValueInfo[] = [];
    const outputs: ValueInfo[] = [];
    const initialisers = new Set<string>();
    while (!graph.done) {
      const field = graph.field();
      if (field.wireType !== 2) continue;
      const body = new Reader(bytes, field.start, field.end);
      if (field.number === 11) inputs.push(valueInfo(body));
      else if (field.number === 12) outputs.push(valueInfo(body));
      else if (field.number === 5) {
        // TensorProto.name is field 8.
        while (!body.done) {
          const part = body.field();
          if (part.number === 8 && part.wireType === 2) initialisers.add(body.string(part));
        }
      }
    }
    if (outputs.length === 0) throw new RangeError('its graph has no outputs');
    return { inputs: inputs.filter((input) => !initialisers.has(input.name)), outputs };
  } catch (error) {
    throw new SfaError('model-invalid', `This is not an ONNX model (${(error as Error).message})`, { cause: error });
  }
}
