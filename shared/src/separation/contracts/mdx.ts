// MDX-Net as Ultimate Vocal Remover runs it: an un-normalised centred STFT (periodic Hann,
// reflect padding) of hop * (dimT - 1) samples gives dimT frames; the first dimF bins go in as
// [1, 4, dimF, dimT] with channels [L.re, L.im, R.re, R.im] and the lowest 3 bins zeroed (UVR
// does so); the output, padded back to nFft/2 + 1 bins with zeros, is inverted and scaled by
// the model's compensation. With denoise the model runs on X and on -X and the stem is
// (f(X) - f(-X)) / 2, which cancels what the model adds regardless of the input's sign.

import { reflectPadInto, Stft } from '../../dsp/stft.ts';
import { FRAME_BLOCK, gatherRows, scatterRows } from '../../dsp/transpose.ts';
import type { InferenceSession } from '../../inference/session.ts';
import type { MdxContract, ModelDescriptor } from '../descriptor.ts';
import { outputOf, stereoTensor, type SegmentRunner, type SegmentStems } from './segment-runner.ts';

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
  const dims = [1, 4, dimF, dimT];
  const slot = () => ({
    waveform: stereoTensor(length),
    spec: { data: new Float32Array(4 * dimF * dimT), dims },
    negated: { data: new Float32Array(denoise ? 4 * dimF * dimT : 0), dims },
  });
  const slots = [slot(), slot()] as const;
  const averaged = new Float32Array(denoise ? 4 * dimF * dimT : 0);
  const primary = [new Float32Array(length), new Float32Array(length)] as const;
  const inputName = contract.inputs.spectrogram.name;
  const outputSpec = contract.outputs.spectrogram;
  const outputName = outputSpec.name;
  const plane = dimF * dimT;
  // A block of frames as float64 rows of all nFft/2 + 1 bins: those from dimF on stay 0.
  const rowLength = nFft / 2 + 1;
  const rows = {
    re: new Float64Array(FRAME_BLOCK * rowLength),
    im: new Float64Array(FRAME_BLOCK * rowLength),
    offset: 0,
  };
  const padded = new Float32Array(length + nFft);

  const forward = (waveform: Float32Array, spec: Float32Array, channel: number) => {
    reflectPadInto(waveform, nFft / 2, nFft / 2, padded);
    for (let first = 0; first < dimT; first += FRAME_BLOCK) {
      const count = Math.min(FRAME_BLOCK, dimT - first);
      stft.forwardPaddedInto(padded, first, count, rows.re, rows.im, rowLength);
      for (let i = 0; i < count; i++) {
        rows.re.fill(0, i * rowLength, i * rowLength + ZEROED_LOW_BINS);
        rows.im.fill(0, i * rowLength, i * rowLength + ZEROED_LOW_BINS);
      }
      scatterRows(rows.re, rowLength, count, spec, 2 * channel * plane, dimF, dimT, first);
      scatterRows(rows.im, rowLength, count, spec, (2 * channel + 1) * plane, dimF, dimT, first);
    }
    // The next inverse reads these rows from dimF on as zeros.
    rows.re.fill(0);
    rows.im.fill(0);
  };

  const inverse = (output: Float32Array, channel: number) => {
    let blockStart = -FRAME_BLOCK;
    stft.inverse(
      dimT,
      (t) => {
        if (t >= blockStart + FRAME_BLOCK) {
          blockStart = t;
          const count = Math.min(FRAME_BLOCK, dimT - t);
          gatherRows(output, 2 * channel * plane, dimF, dimT, t, count, rows.re, rowLength);
          gatherRows(output, (2 * channel + 1) * plane, dimF, dimT, t, count, rows.im, rowLength);
        }
        rows.offset = (t - blockStart) * rowLength;
        return rows;
      },
      primary[channel]!,
      { scale: compensation },
    );
  };

  /** The name `execute` gives the run on -X (denoise) among the outputs. */
  const FLIPPED = `${outputName}:negated`;

  return {
    segmentLength: length,
    slots: [slots[0].waveform.channels, slots[1].waveform.channels],
    prepare(index) {
      const { waveform, spec, negated } = slots[index];
      forward(waveform.channels[0], spec.data, 0);
      forward(waveform.channels[1], spec.data, 1);
      if (denoise) for (let i = 0; i < spec.data.length; i++) negated.data[i] = -spec.data[i]!;
    },
    async execute(index) {
      const { spec, negated } = slots[index];
      const outputs = await session.run({ [inputName]: spec }, [outputName]);
      if (!denoise) return outputs;
      const flipped = await session.run({ [inputName]: negated }, [outputName]);
      return { ...outputs, [FLIPPED]: flipped[outputName]! };
    },
    finish(outputs, wanted) {
      let output = outputOf(outputs, 'spectrogram', outputSpec, descriptor);
      if (denoise) {
        const flipped = outputOf({ [outputName]: outputs[FLIPPED]! }, 'spectrogram', outputSpec, descriptor);
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
