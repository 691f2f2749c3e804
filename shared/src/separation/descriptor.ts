// What a separation model is, as data: its contract (how audio becomes its input tensors and its
// outputs become stems), the contract's parameters, and the exact tensors it takes and gives.
// The catalogue in models/ and a user's imported model both come as a JSON-able descriptor, and
// `validateDescriptor` turns any parsed JSON into one or says everything that is wrong with it.

import { SfaError } from '../protocol/errors.ts';
import type { StemName } from './types.ts';

/** A tensor the engine feeds or reads, with the exact shape it uses (batch 1). */
export interface TensorSpec {
  name: string;
  shape: number[];
}

/**
 * htdemucs with its STFT outside the graph. Inputs: the waveform [1, 2, segment] and its
 * spectrogram [1, 4, nFft/2, ceil(segment/hop)] as channels [L.re, L.im, R.re, R.im]; outputs:
 * frequency [1, S, 4, nFft/2, frames] (same channel layout) and time [1, S, 2, segment];
 * stem = time + iSTFT(frequency). The public export (sevagh/demucs.onnx) names them
 * input, x -> output, add_67.
 */
export interface HtdemucsContract {
  kind: 'htdemucs';
  /** 4096 for the published models. */
  nFft: number;
  /** nFft / 4, as the model's own STFT requires. */
  hopSize: number;
  inputs: { waveform: TensorSpec; spectrogram: TensorSpec };
  outputs: { frequency: TensorSpec; time: TensorSpec };
}

/**
 * MDX-Net as Ultimate Vocal Remover runs it: the un-normalised STFT of a segment of
 * hop * (dimT - 1) samples, its first dimF bins, channels [L.re, L.im, R.re, R.im], goes in as
 * [1, 4, dimF, dimT]; the same layout comes out for the primary stem (stems[0]); the secondary
 * stem (stems[1]) is mix - primary.
 */
export interface MdxContract {
  kind: 'mdx';
  nFft: number;
  hopSize: number;
  dimF: number;
  dimT: number;
  /** Gain on the primary stem, per model (UVR's "compensate", e.g. 1.035). */
  compensation: number;
  /** Average f(X) and -f(-X), which cancels noise the model adds (UVR's "denoise"); 2 runs. */
  denoise: boolean;
  inputs: { spectrogram: TensorSpec };
  outputs: { spectrogram: TensorSpec };
}

/** Waveform in, waveform out: [1, 2, segment] -> [1, S, 2, segment]. */
export interface WaveformContract {
  kind: 'waveform';
  inputs: { waveform: TensorSpec };
  outputs: { stems: TensorSpec };
}

export type ModelContract = HtdemucsContract | MdxContract | WaveformContract;
export type ContractKind = ModelContract['kind'];

export interface ModelDescriptor {
  /** Catalogue id: lower-case letters, digits, '.', '_' and '-'. */
  id: string;
  /** Display name. */
  name: string;
  /** The rate the model works at; other inputs are resampled to it and back. */
  sampleRate: number;
  /** Samples per model run at `sampleRate` (htdemucs: 343980, 7.8 s). */
  segmentLength: number;
  /** Fraction of a segment that neighbours share (default 0.25). */
  overlap?: number;
  /** Stems in the model's output order (mdx: primary, then the derived secondary). */
  stems: StemName[];
  contract: ModelContract;
}

/** A descriptor whose contract is known to be `C`. */
export type DescriptorOf<C extends ModelContract> = ModelDescriptor & { contract: C };

export const DEFAULT_OVERLAP = 0.25;

const ID_PATTERN = /^[a-z0-9][a-z0-9._-]{0,63}$/;

type Problems = string[];

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isPositiveInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value > 0;
}

function describe(value: unknown): string {
  return JSON.stringify(value) ?? String(value);
}

function checkInteger(problems: Problems, path: string, value: unknown, min = 1): value is number {
  if (typeof value === 'number' && Number.isInteger(value) && value >= min) return true;
  problems.push(`${path} must be an integer of at least ${min}, got ${describe(value)}`);
  return false;
}

function checkTensor(problems: Problems, path: string, value: unknown, expectedShape: number[] | undefined): void {
  if (!isRecord(value)) {
    problems.push(`${path} must be an object { name, shape }, got ${describe(value)}`);
    return;
  }
  if (typeof value.name !== 'string' || value.name === '') {
    problems.push(`${path}.name must be a non-empty string, got ${describe(value.name)}`);
  }
  const shape = value.shape;
  if (!Array.isArray(shape) || !shape.every(isPositiveInteger)) {
    problems.push(`${path}.shape must be a list of positive integers, got ${describe(shape)}`);
  } else if (expectedShape && describe(shape) !== describe(expectedShape)) {
    problems.push(`${path}.shape must be ${describe(expectedShape)} for this contract, got ${describe(shape)}`);
  }
}

/** Checks a group of tensors (`inputs` or `outputs`) by role, with the shape each must have. */
function checkGroup(
  problems: Problems,
  path: string,
  value: unknown,
  shapes: Record<string, number[] | undefined>,
): void {
  if (!isRecord(value)) {
    problems.push(`${path} must be an object with ${Object.keys(shapes).join(', ')}`);
    return;
  }
  for (const [role, shape] of Object.entries(shapes)) checkTensor(problems, `${path}.${role}`, value[role], shape);
  for (const role of Object.keys(value)) {
    if (!(role in shapes)) problems.push(`${path}.${role} is not part of this contract`);
  }
}

function checkContract(problems: Problems, contract: Record<string, unknown>, segment: number, stemCount: number) {
  const frames = (hop: number) => Math.ceil(segment / hop);
  switch (contract.kind) {
    case 'htdemucs': {
      const nFftOk = checkInteger(problems, 'contract.nFft', contract.nFft, 16);
      const nFft = contract.nFft as number;
      if (nFftOk && (nFft & (nFft - 1)) !== 0) problems.push(`contract.nFft must be a power of two, got ${nFft}`);
      if (nFftOk && contract.hopSize !== nFft / 4) {
        problems.push(`contract.hopSize must be nFft / 4 (${nFft / 4}), got ${describe(contract.hopSize)}`);
      }
      const ok = nFftOk && contract.hopSize === nFft / 4 && segment > 0;
      // The model's own reflect padding (3/8 nFft and more) needs a segment longer than that.
      if (ok && segment < nFft) problems.push(`segmentLength must be at least nFft (${nFft}), got ${segment}`);
      const bins = nFft / 2;
      const t = frames(nFft / 4);
      checkGroup(problems, 'contract.inputs', contract.inputs, {
        waveform: ok ? [1, 2, segment] : undefined,
        spectrogram: ok ? [1, 4, bins, t] : undefined,
      });
      checkGroup(problems, 'contract.outputs', contract.outputs, {
        frequency: ok ? [1, stemCount, 4, bins, t] : undefined,
        time: ok ? [1, stemCount, 2, segment] : undefined,
      });
      return;
    }
    case 'mdx': {
      const nFftOk = checkInteger(problems, 'contract.nFft', contract.nFft, 16);
      const hopOk = checkInteger(problems, 'contract.hopSize', contract.hopSize);
      const dimFOk = checkInteger(problems, 'contract.dimF', contract.dimF);
      const dimTOk = checkInteger(problems, 'contract.dimT', contract.dimT, 2);
      const nFft = contract.nFft as number;
      const hop = contract.hopSize as number;
      const dimF = contract.dimF as number;
      const dimT = contract.dimT as number;
      if (nFftOk && dimFOk && dimF > nFft / 2 + 1)
        problems.push(`contract.dimF must be at most nFft / 2 + 1, got ${dimF}`);
      if (hopOk && dimTOk && segment !== hop * (dimT - 1)) {
        problems.push(
          `segmentLength must be hopSize * (dimT - 1) = ${hop * (dimT - 1)} for an mdx model, got ${segment}`,
        );
      }
      if (nFftOk && hopOk && hop > nFft) problems.push(`contract.hopSize must not exceed nFft`);
      if (typeof contract.compensation !== 'number' || !(contract.compensation > 0)) {
        problems.push(`contract.compensation must be a positive number, got ${describe(contract.compensation)}`);
      }
      if (typeof contract.denoise !== 'boolean') {
        problems.push(`contract.denoise must be true or false, got ${describe(contract.denoise)}`);
      }
      if (stemCount !== 2) problems.push(`an mdx model has two stems (primary, then mix - primary), got ${stemCount}`);
      const shape = dimFOk && dimTOk ? [1, 4, dimF, dimT] : undefined;
      checkGroup(problems, 'contract.inputs', contract.inputs, { spectrogram: shape });
      checkGroup(problems, 'contract.outputs', contract.outputs, { spectrogram: shape });
      return;
    }
    case 'waveform':
      checkGroup(problems, 'contract.inputs', contract.inputs, { waveform: [1, 2, segment] });
      checkGroup(problems, 'contract.outputs', contract.outputs, { stems: [1, stemCount, 2, segment] });
      return;
    default:
      problems.push(`contract.kind must be 'htdemucs', 'mdx' or 'waveform', got ${describe(contract.kind)}`);
  }
}

/** Everything wrong with `value` as a model descriptor; empty when it is valid. */
export function descriptorProblems(value: unknown): string[] {
  const problems: Problems = [];
  if (!isRecord(value)) return [`a model descriptor must be an object, got ${describe(value)}`];
  if (typeof value.id !== 'string' || !ID_PATTERN.test(value.id)) {
    problems.push(`id must be 1-64 lower-case letters, digits, '.', '_' or '-', got ${describe(value.id)}`);
  }
  if (typeof value.name !== 'string' || value.name.trim() === '') {
    problems.push(`name must be a non-empty string, got ${describe(value.name)}`);
  }
  const rateOk = checkInteger(problems, 'sampleRate', value.sampleRate, 8000);
  if (rateOk && (value.sampleRate as number) > 384_000) problems.push(`sampleRate must be at most 384000`);
  const segmentOk = checkInteger(problems, 'segmentLength', value.segmentLength, 64);
  if (value.overlap !== undefined) {
    const overlap = value.overlap;
    if (typeof overlap !== 'number' || !(overlap >= 0 && overlap <= 0.9)) {
      problems.push(`overlap must be a number from 0 to 0.9, got ${describe(overlap)}`);
    }
  }
  const stems = value.stems;
  const stemsOk =
    Array.isArray(stems) && stems.length > 0 && stems.every((stem) => typeof stem === 'string' && stem !== '');
  if (!stemsOk) problems.push(`stems must be a non-empty list of stem names, got ${describe(stems)}`);
  else if (new Set(stems).size !== stems.length) problems.push(`stems must not repeat a name, got ${describe(stems)}`);
  if (!isRecord(value.contract)) problems.push(`contract must be an object, got ${describe(value.contract)}`);
  else
    checkContract(
      problems,
      value.contract,
      segmentOk ? (value.segmentLength as number) : 0,
      stemsOk ? stems.length : 0,
    );
  return problems;
}

/**
 * Checks that `value` (parsed JSON, say) is a complete, self-consistent descriptor and returns
 * it typed. Throws `SfaError('model-invalid')` listing every problem, with paths such as
 * `contract.inputs.waveform.shape`.
 */
export function validateDescriptor(value: unknown): ModelDescriptor {
  const problems = descriptorProblems(value);
  if (problems.length > 0) {
    const id = isRecord(value) && typeof value.id === 'string' ? ` "${value.id}"` : '';
    throw new SfaError('model-invalid', `model descriptor${id} is invalid: ${problems.join('; ')}`);
  }
  return value as unknown as ModelDescriptor;
}

/** Every tensor the descriptor names, inputs first, each with its role (for messages). */
export function descriptorTensors(descriptor: ModelDescriptor): {
  inputs: [role: string, spec: TensorSpec][];
  outputs: [role: string, spec: TensorSpec][];
} {
  const { inputs, outputs } = descriptor.contract;
  return { inputs: Object.entries(inputs), outputs: Object.entries(outputs) };
}
