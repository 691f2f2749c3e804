// Whether a loaded model is the one its descriptor describes (names, element types, ranks and
// fixed dims of every input and output), and, for a bare .onnx file with no descriptor, which
// contract its tensors imply when only one fits.

import type { ValueInfo } from '../inference/session.ts';
import { SfaError } from '../protocol/errors.ts';
import { descriptorTensors, validateDescriptor, type ModelDescriptor, type TensorSpec } from './descriptor.ts';
import {
  HTDEMUCS_6S_STEMS,
  HTDEMUCS_SEGMENT,
  HTDEMUCS_STEMS,
  htdemucsDescriptor,
  waveformDescriptor,
} from './descriptor-presets.ts';
import type { StemName } from './types.ts';

interface ModelValues {
  readonly inputs: readonly ValueInfo[];
  readonly outputs: readonly ValueInfo[];
}

function formatShape(shape: readonly (number | string)[] | undefined): string {
  return shape ? `[${shape.join(', ')}]` : '[?]';
}

/** "input [1, 2, 343980], x [1, 4, 2048, 336]": a model's side as a message shows it. */
export function describeValues(values: readonly ValueInfo[]): string {
  return values.map((v) => `"${v.name}" ${formatShape(v.shape)}`).join(', ') || 'none';
}

function compare(problems: string[], side: 'input' | 'output', role: string, spec: TensorSpec, value: ValueInfo) {
  const label = `${side} "${spec.name}" (${role})`;
  if (value.type !== undefined && value.type !== 'float32') {
    problems.push(`${label} holds ${value.type}, not float32`);
  }
  const shape = value.shape;
  if (!shape) return;
  if (shape.length !== spec.shape.length) {
    problems.push(
      `${label} has rank ${shape.length} ${formatShape(shape)}, the descriptor says ${formatShape(spec.shape)}`,
    );
    return;
  }
  shape.forEach((dim, axis) => {
    if (typeof dim === 'number' && dim !== spec.shape[axis]) {
      problems.push(
        `${label} has ${dim} at axis ${axis} ${formatShape(shape)}, the descriptor says ${formatShape(spec.shape)}`,
      );
    }
  });
}

/**
 * Throws `SfaError('model-mismatch')` naming every difference between the model's inputs and
 * outputs and the descriptor's. Symbolic dims in the model accept the descriptor's size; an input
 * the descriptor does not feed is a mismatch, an extra output is not (it is never fetched).
 */
export function checkModel(model: ModelValues, descriptor: ModelDescriptor): void {
  const problems: string[] = [];
  const { inputs, outputs } = descriptorTensors(descriptor);
  for (const [side, specs, values] of [
    ['input', inputs, model.inputs],
    ['output', outputs, model.outputs],
  ] as const) {
    for (const [role, spec] of specs) {
      const value = values.find((v) => v.name === spec.name);
      if (value) compare(problems, side, role, spec, value);
      else problems.push(`the model has no ${side} "${spec.name}" (${role})`);
    }
  }
  for (const value of model.inputs) {
    if (!inputs.some(([, spec]) => spec.name === value.name)) {
      problems.push(`the model's input "${value.name}" is not in the descriptor`);
    }
  }
  if (problems.length > 0) {
    throw new SfaError(
      'model-mismatch',
      `the model does not match descriptor "${descriptor.id}" (${descriptor.contract.kind}): ${problems.join('; ')}. ` +
        `Model inputs: ${describeValues(model.inputs)}; outputs: ${describeValues(model.outputs)}`,
    );
  }
}

function defaultStems(count: number): StemName[] {
  if (count === 4) return [...HTDEMUCS_STEMS];
  if (count === 6) return [...HTDEMUCS_6S_STEMS];
  if (count === 2) return ['vocals', 'instrumental'];
  return Array.from({ length: count }, (_, i) => `stem${i + 1}`);
}

const isBatch = (dim: number | string | undefined) => dim === 1 || typeof dim === 'string';
const fixed = (dim: number | string | undefined): dim is number => typeof dim === 'number';

/**
 * The descriptor a bare model's tensors imply, assuming 44.1 kHz and demucs's stem order for 4
 * and 6 stems: htdemucs ([1,2,N] + [1,4,F,T] -> [1,S,4,F,T] + [1,S,2,N]) or waveform
 * ([1,2,N] -> [1,S,2,N]). Throws `SfaError('model-invalid')` when the tensors fit none, or fit
 * an MDX-Net, whose n_fft, gain and stem are not in the file.
 */
export function inferDescriptor(model: ModelValues, { id, name }: { id: string; name: string }): ModelDescriptor {
  const ins = model.inputs;
  const outs = model.outputs;
  const unknown = [...ins, ...outs].some((v) => !v.shape);
  const where = `inputs ${describeValues(ins)}; outputs ${describeValues(outs)}`;
  if (unknown)
    throw new SfaError('model-invalid', `the model does not declare its tensor shapes (${where}); pass a descriptor`);

  const waveformIn = ins.find((v) => v.shape!.length === 3 && isBatch(v.shape![0]) && v.shape![1] === 2);
  const specIn = ins.find((v) => v.shape!.length === 4 && isBatch(v.shape![0]) && v.shape![1] === 4);

  if (ins.length === 2 && waveformIn && specIn && outs.length >= 2) {
    const frequency = outs.find((v) => v.shape!.length === 5 && v.shape![2] === 4);
    const time = outs.find((v) => v.shape!.length === 4 && v.shape![2] === 2);
    const segment = waveformIn.shape![2];
    const bins = specIn.shape![2];
    const stems = frequency?.shape![1];
    if (frequency && time && fixed(segment) && fixed(bins) && fixed(stems)) {
      return validateDescriptor(
        htdemucsDescriptor({
          id,
          name,
          stems: defaultStems(stems),
          segmentLength: segment,
          nFft: 2 * bins,
          names: { waveform: waveformIn.name, spectrogram: specIn.name, frequency: frequency.name, time: time.name },
        }),
      );
    }
  }
  if (ins.length === 1 && waveformIn && outs.length >= 1) {
    const stemsOut = outs.find((v) => v.shape!.length === 4 && v.shape![2] === 2);
    const stems = stemsOut?.shape![1];
    if (stemsOut && fixed(stems)) {
      const segment = waveformIn.shape![2];
      return validateDescriptor(
        waveformDescriptor({
          id,
          name,
          stems: defaultStems(stems),
          segmentLength: fixed(segment) ? segment : HTDEMUCS_SEGMENT,
          names: { input: waveformIn.name, output: stemsOut.name },
        }),
      );
    }
  }
  if (ins.length === 1 && specIn && outs.length === 1 && outs[0]!.shape!.length === 4) {
    throw new SfaError(
      'model-invalid',
      `this looks like an MDX-Net model (${where}), whose n_fft, compensation and stem are not in the file; pass a descriptor`,
    );
  }
  throw new SfaError('model-invalid', `no known separation contract fits this model (${where}); pass a descriptor`);
}
