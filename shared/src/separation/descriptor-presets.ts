// Descriptors for the published contracts, with the shapes filled in from the parameters, so a
// catalogue entry, a test model and a bare .onnx file all describe themselves the same way.

import type { DescriptorOf, HtdemucsContract, MdxContract, WaveformContract } from './descriptor.ts';
import type { StemName } from './types.ts';

/** htdemucs's output order (model.sources), not the app's display order. */
export const HTDEMUCS_STEMS: StemName[] = ['drums', 'bass', 'other', 'vocals'];
export const HTDEMUCS_6S_STEMS: StemName[] = ['drums', 'bass', 'other', 'vocals', 'guitar', 'piano'];

/** 7.8 s at 44.1 kHz: the segment htdemucs was trained on. */
export const HTDEMUCS_SEGMENT = 343_980;

export interface HtdemucsPreset {
  id?: string;
  name?: string;
  stems?: StemName[];
  sampleRate?: number;
  segmentLength?: number;
  nFft?: number;
  overlap?: number;
  /** Tensor names; the defaults are those of the public export (sevagh/demucs.onnx). */
  names?: { waveform: string; spectrogram: string; frequency: string; time: string };
}

export function htdemucsDescriptor({
  id = 'htdemucs',
  name = 'Hybrid Transformer Demucs',
  stems = HTDEMUCS_STEMS,
  sampleRate = 44_100,
  segmentLength = HTDEMUCS_SEGMENT,
  nFft = 4096,
  overlap,
  names = { waveform: 'input', spectrogram: 'x', frequency: 'output', time: 'add_67' },
}: HtdemucsPreset = {}): DescriptorOf<HtdemucsContract> {
  const hopSize = nFft / 4;
  const bins = nFft / 2;
  const frames = Math.ceil(segmentLength / hopSize);
  const s = stems.length;
  return {
    id,
    name,
    sampleRate,
    segmentLength,
    ...(overlap === undefined ? {} : { overlap }),
    stems: [...stems],
    contract: {
      kind: 'htdemucs',
      nFft,
      hopSize,
      inputs: {
        waveform: { name: names.waveform, shape: [1, 2, segmentLength] },
        spectrogram: { name: names.spectrogram, shape: [1, 4, bins, frames] },
      },
      outputs: {
        frequency: { name: names.frequency, shape: [1, s, 4, bins, frames] },
        time: { name: names.time, shape: [1, s, 2, segmentLength] },
      },
    },
  };
}

export interface MdxPreset {
  id: string;
  name?: string;
  /** Primary stem, then the secondary (mix - primary). */
  stems?: StemName[];
  sampleRate?: number;
  nFft: number;
  hopSize?: number;
  dimF: number;
  dimT: number;
  compensation?: number;
  denoise?: boolean;
  overlap?: number;
  names?: { input: string; output: string };
}

export function mdxDescriptor({
  id,
  name = id,
  stems = ['vocals', 'instrumental'],
  sampleRate = 44_100,
  nFft,
  hopSize = 1024,
  dimF,
  dimT,
  compensation = 1,
  denoise = false,
  overlap,
  names = { input: 'input', output: 'output' },
}: MdxPreset): DescriptorOf<MdxContract> {
  const shape = [1, 4, dimF, dimT];
  return {
    id,
    name,
    sampleRate,
    segmentLength: hopSize * (dimT - 1),
    ...(overlap === undefined ? {} : { overlap }),
    stems: [...stems],
    contract: {
      kind: 'mdx',
      nFft,
      hopSize,
      dimF,
      dimT,
      compensation,
      denoise,
      inputs: { spectrogram: { name: names.input, shape: [...shape] } },
      outputs: { spectrogram: { name: names.output, shape: [...shape] } },
    },
  };
}

export interface WaveformPreset {
  id: string;
  name?: string;
  stems: StemName[];
  sampleRate?: number;
  segmentLength: number;
  overlap?: number;
  names?: { input: string; output: string };
}

export function waveformDescriptor({
  id,
  name = id,
  stems,
  sampleRate = 44_100,
  segmentLength,
  overlap,
  names = { input: 'input', output: 'output' },
}: WaveformPreset): DescriptorOf<WaveformContract> {
  return {
    id,
    name,
    sampleRate,
    segmentLength,
    ...(overlap === undefined ? {} : { overlap }),
    stems: [...stems],
    contract: {
      kind: 'waveform',
      inputs: { waveform: { name: names.input, shape: [1, 2, segmentLength] } },
      outputs: { stems: { name: names.output, shape: [1, stems.length, 2, segmentLength] } },
    },
  };
}
