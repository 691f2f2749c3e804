// MDX-Net as Ultimate Vocal Remover runs it: an un-normalised centred STFT (periodic Hann,
// reflect padding) of hop * (dimT - 1) samples gives dimT frames; the first dimF bins go in as
// [1, 4, dimF, dimT] with channels [L.re, L.im, R.re, R.im] and the lowest 3 bins zeroed (UVR
// does so); the output, padded back to nFft/2 + 1 bins with zeros, is inverted and scaled by
// the model's compensation. With denoise the model runs on X and on -X and the stem is
// (f(X) - f(-X)) / 2, which cancels what the model adds regardless of the input's sign.

import { Stft } from '../../dsp/stft.ts';
import { transposeInto } from '../../dsp/transpose.ts';
import type { InferenceSession } from '../../inference/session.ts';
import type { MdxContract, ModelDescriptor } from '../descriptor.ts';
import { stereoTensor, type SegmentRunner, type SegmentStems } from './segment-runner.ts';

/** UVR zeroes these lowest bins of the model's input (spek[:, :, :3, :] *= 0). */
const ZEROED_LOW_BINS = 3;

export function createMdxRunner(
  session: InferenceSession,
  descriptor: ModelDescriptor,
  contract: MdxContract,
): SegmentRunner {
  const { nFft, hopSize, dimF, dimT, compensation, denoise } = contract;
  const length = descriptor.segmentLength;
  const stft = new Stft({ nFft, hopSize, normalized: false });
  const waveform = stereoTensor(length);
  const dims = [1, 4, dimF, dimT];
  const spec = { data: new Float32Array(4 * dimF * dimT), dims };
  const negated = { data: new Float32Array(denoise ? spec.data.length : 0), dims };
  const averaged = new Float32Array(denoise ? spec.data.length : 0);
  const primary = [new Float32Array(length), new Float32Array(length)] as const;
  const inputName = contract.inputs.spectrogram.name;
  const outputName = contract.outputs.spectrogram.name;
  const plane = dimF * dimT;
  // One plane as frame-major rows ([dimT][dimF]), which the STFT side reads and writes.
  const rowsRe = new Float32Array(plane);
  const rowsIm = new Float32Array(plane);

  const forward = (channel: number) => {
    stft.forward(waveform.channels[channel]!, (t, re, im) => {
      const row = t * dimF;
      for (let f = 0; f < dimF; f++) {
        rowsRe[row + f] = f < ZEROED_LOW_BINS ? 0 : re[f]!;
        rowsIm[row + f] = f < ZEROED_LOW_BINS ? 0 : im[f]!;
      }
    });
    transposeInto(rowsRe, 0, dimT, dimF, spec.data, 2 * channel * plane);
    transposeInto(rowsIm, 0, dimT, dimF, spec.data, (2 * channel + 1) * plane);
  };

  const inverse = (output: Float32Array, channel: number) => {
    transposeInto(output, 2 * channel * plane, dimF, dimT, rowsRe);
    transposeInto(output, (2 * channel + 1) * plane, dimF, dimT, rowsIm);
    stft.inverse(
      dimT,
      (t, re, im) => {
        const row = t * dimF;
        for (let f = 0; f < dimF; f++) {
          re[f] = rowsRe[row + f]!;
          im[f] = rowsIm[row + f]!;
        }
        re.fill(0, dimF);
        im.fill(0, dimF);
        return true;
      },
      primary[channel]!,
      { scale: compensation },
    );
  };

  return {
    segmentLength: length,
    input: waveform.channels,
    async run(wanted) {
      forward(0);
      forward(1);
      let output = (await session.run({ [inputName]: spec }, [outputName]))[outputName]!.data;
      if (denoise) {
        for (let i = 0; i < spec.data.length; i++) negated.data[i] = -spec.data[i]!;
        const flipped = (await session.run({ [inputName]: negated }, [outputName]))[outputName]!.data;
        for (let i = 0; i < output.length; i++) averaged[i] = 0.5 * (output[i]! - flipped[i]!);
        output = averaged;
      }
      // The primary stem is the model's; the secondary (mix - primary) is derived downstream.
      if (wanted[0]) {
        inverse(output, 0);
        inverse(output, 1);
      }
      return wanted.map((want, s) => (want && s === 0 ? primary : undefined)) satisfies SegmentStems;
    },
  };
}
