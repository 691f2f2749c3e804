// Small models with the real contracts' tensor names and layouts and known behaviour, built from
// a descriptor: an htdemucs whose frequency branch applies fixed per-stem masks and whose time
// branch applies fixed gains, an MDX-Net with a fixed mask, a waveform model with fixed gains.
// The mask models also come as fp16 exports: the same tensors, arithmetic in float16.

import type { ModelDescriptor } from '../../shared/src/separation/descriptor.ts';
import { FLOAT, FLOAT16, GraphBuilder } from './onnx-graph.ts';

/** The precision a model's weights and arithmetic are in; its inputs and outputs are float32 either way. */
export type Precision = 'fp32' | 'fp16';

/**
 * The graph's arithmetic in `precision`. fp16 is built as onnxconverter-common's
 * `convert_float_to_float16(keep_io_types=True)` exports are: each float32 input is Cast to
 * float16, constants are float16, and each output is Cast back to float32 under its own name.
 */
function arithmetic(g: GraphBuilder, precision: Precision) {
  const fp16 = precision === 'fp16';
  return {
    input: (name: string) => (fp16 ? g.node('Cast', [name], { to: FLOAT16 }) : name),
    constant: (dims: readonly number[], data: Float32Array | readonly number[]) =>
      fp16 ? g.half(dims, data) : g.constant(dims, data),
    /** A node that produces graph output `output`. */
    output: (opType: string, inputs: readonly string[], output: string) =>
      fp16 ? g.node('Cast', [g.node(opType, inputs)], { to: FLOAT }, [output]) : g.node(opType, inputs, {}, [output]),
  };
}

function contractOf<K extends ModelDescriptor['contract']['kind']>(descriptor: ModelDescriptor, kind: K) {
  const contract = descriptor.contract;
  if (contract.kind !== kind) throw new Error(`${descriptor.id} is a ${contract.kind} descriptor, not ${kind}`);
  return contract as Extract<ModelDescriptor['contract'], { kind: K }>;
}

export interface HtdemucsMaskOptions {
  /** One mask per stem, a gain per frequency bin (nFft / 2 values), applied to all 4 channels. */
  masks: Float32Array[];
  /** Gain of the time branch per stem (its output is gain * waveform); default 0. */
  timeGains?: number[];
  /** Default fp32. */
  precision?: Precision;
}

/** frequency = spectrogram * mask[stem][bin]; time = waveform * timeGain[stem]. */
export function buildHtdemucsMaskModel(
  descriptor: ModelDescriptor,
  { masks, timeGains, precision = 'fp32' }: HtdemucsMaskOptions,
): Uint8Array {
  const { inputs, outputs, nFft } = contractOf(descriptor, 'htdemucs');
  const stems = descriptor.stems.length;
  const bins = nFft / 2;
  if (masks.length !== stems || masks.some((m) => m.length !== bins)) {
    throw new RangeError(`need ${stems} masks of ${bins} bins`);
  }
  const g = new GraphBuilder();
  const math = arithmetic(g, precision);
  const waveform = math.input(g.input(inputs.waveform.name, inputs.waveform.shape));
  const spectrogram = math.input(g.input(inputs.spectrogram.name, inputs.spectrogram.shape));
  const maskData = new Float32Array(stems * bins);
  masks.forEach((mask, s) => maskData.set(mask, s * bins));
  const mask = math.constant([1, stems, 1, bins, 1], maskData);
  const gains = math.constant([1, stems, 1, 1], timeGains ?? new Array<number>(stems).fill(0));
  const axis = g.ints([1]);
  math.output('Mul', [g.node('Unsqueeze', [spectrogram, axis]), mask], outputs.frequency.name);
  math.output('Mul', [g.node('Unsqueeze', [waveform, axis]), gains], outputs.time.name);
  g.output(outputs.frequency.name, outputs.frequency.shape);
  g.output(outputs.time.name, outputs.time.shape);
  return g.encode();
}

/** Band-split masks: stem s keeps bins [edges[s], edges[s+1]) and nothing else. */
export function bandMasks(bins: number, edges: readonly number[]): Float32Array[] {
  return edges.slice(0, -1).map((from, s) => {
    const mask = new Float32Array(bins);
    mask.fill(1, from, edges[s + 1]);
    return mask;
  });
}

/**
 * An MDX-Net whose output is its input times `mask` (one gain per bin), with a symbolic batch
 * dim as UVR's exports have.
 */
export function buildMdxMaskModel(
  descriptor: ModelDescriptor,
  mask: Float32Array,
  { precision = 'fp32' }: { precision?: Precision } = {},
): Uint8Array {
  const { inputs, outputs, dimF, dimT } = contractOf(descriptor, 'mdx');
  if (mask.length !== dimF) throw new RangeError(`need a mask of ${dimF} bins`);
  const g = new GraphBuilder();
  const math = arithmetic(g, precision);
  const input = math.input(g.input(inputs.spectrogram.name, ['batch_size', 4, dimF, dimT]));
  math.output('Mul', [input, math.constant([1, 1, dimF, 1], mask)], outputs.spectrogram.name);
  g.output(outputs.spectrogram.name, ['batch_size', 4, dimF, dimT]);
  return g.encode();
}

/** stems[s] = gains[s] * waveform. */
export function buildWaveformGainModel(descriptor: ModelDescriptor, gains: readonly number[]): Uint8Array {
  const { inputs, outputs } = contractOf(descriptor, 'waveform');
  const g = new GraphBuilder();
  const input = g.input(inputs.waveform.name, inputs.waveform.shape);
  const scaled = g.node(
    'Mul',
    [g.node('Unsqueeze', [input, g.ints([1])]), g.constant([1, gains.length, 1, 1], gains)],
    {},
    [outputs.stems.name],
  );
  g.output(scaled, outputs.stems.shape);
  return g.encode();
}
