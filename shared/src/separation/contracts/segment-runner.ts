// One model run on one segment, whatever the contract, in three steps so the engine can overlap
// them: `prepare` (the DSP before the model: an STFT) on one input slot while the model runs on
// the other, `execute` (the run itself), and `finish` (the DSP after it: an inverse STFT) while
// the next run goes on. The engine fills a slot with a stereo segment at the model's rate and
// gets back each wanted stem as stereo waveforms of the same length.

import type { Float32Tensor, InferenceSession } from '../../inference/session.ts';
import { SfaError } from '../../protocol/errors.ts';
import type { ModelDescriptor, TensorSpec } from '../descriptor.ts';
import { createHtdemucsRunner } from './htdemucs.ts';
import { createMdxRunner } from './mdx.ts';
import { createWaveformRunner } from './waveform.ts';

/** Per model stem, [left, right] of segmentLength samples, or undefined where not wanted. */
export type SegmentStems = (readonly [Float32Array, Float32Array] | undefined)[];

/** A run's outputs, as `execute` gives them to `finish`. */
export type RunOutputs = Readonly<Record<string, Float32Tensor>>;

/** One of a runner's two inputs: a segment's [left, right]. */
export type Slot = 0 | 1;

export interface SegmentRunner {
  readonly segmentLength: number;
  /** Two inputs, [left, right] each: the engine fills one while the model runs on the other. */
  readonly slots: readonly [readonly [Float32Array, Float32Array], readonly [Float32Array, Float32Array]];
  /** The DSP before the model, on a filled slot. */
  prepare(slot: Slot): void;
  /** Runs the model on a prepared slot. The slot must not be refilled until this resolves. */
  execute(slot: Slot): Promise<RunOutputs>;
  /**
   * The stems of a finished run. `wanted[s]` says whether model stem s is needed (others may be
   * skipped). The arrays returned are valid until the next call.
   */
  finish(outputs: RunOutputs, wanted: readonly boolean[]): SegmentStems;
}

export function createSegmentRunner(session: InferenceSession, descriptor: ModelDescriptor): SegmentRunner {
  const contract = descriptor.contract;
  switch (contract.kind) {
    case 'htdemucs':
      return createHtdemucsRunner(session, descriptor, contract);
    case 'mdx':
      return createMdxRunner(session, descriptor, contract);
    case 'waveform':
      return createWaveformRunner(session, descriptor, contract);
  }
}

/** A [1, 2, n] float32 tensor and its two channel views. */
export function stereoTensor(length: number): {
  data: Float32Array;
  dims: number[];
  channels: [Float32Array, Float32Array];
} {
  const data = new Float32Array(2 * length);
  return { data, dims: [1, 2, length], channels: [data.subarray(0, length), data.subarray(length)] };
}

/** Channel `channel` of stem `stem` in a [1, S, 2, n] tensor's data. */
export function stemChannel(data: Float32Array, stem: number, channel: number, length: number): Float32Array {
  const start = (stem * 2 + channel) * length;
  return data.subarray(start, start + length);
}

/**
 * Output `role` of a run, checked against the descriptor's shape. Symbolic dims pass the check
 * at load time, so a model that returns another length or stem count is caught here, before
 * its data is read past its end. Throws `SfaError('model-mismatch')`.
 */
export function outputOf(
  outputs: Readonly<Record<string, Float32Tensor>>,
  role: string,
  spec: TensorSpec,
  descriptor: ModelDescriptor,
): Float32Array {
  const tensor = outputs[spec.name];
  const expected = `[${spec.shape.join(', ')}]`;
  const label = `model "${descriptor.id}" returned output "${spec.name}" (${role})`;
  if (!tensor)
    throw new SfaError('model-mismatch', `model "${descriptor.id}" did not return output "${spec.name}" (${role})`);
  const dims = `[${tensor.dims.join(', ')}]`;
  const size = spec.shape.reduce((product, dim) => product * dim, 1);
  if (dims !== expected || tensor.data.length !== size) {
    throw new SfaError('model-mismatch', `${label} as ${dims}; the descriptor says ${expected}`);
  }
  return tensor.data;
}
