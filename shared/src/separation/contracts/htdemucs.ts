// htdemucs with its DSP outside the graph, following HTDemucs._spec / _ispec: for a segment of N
// samples and le = ceil(N / hop), reflect-pad 3/2 hop on the left and 3/2 hop + le * hop - N on
// the right, take a centred (again reflect-padded), normalised STFT with a periodic Hann window,
// drop the Nyquist bin and keep frames 2 .. 2 + le. The inverse zeroes the Nyquist bin, adds two
// zero frames each side, inverts and crops the 3/2 hop offset. Channels are complex-as-channels:
// [L.re, L.im, R.re, R.im]. Each stem is the time branch plus the inverse of the frequency branch.

import { reflectPadInto, Stft } from '../../dsp/stft.ts';
import { transposeInto } from '../../dsp/transpose.ts';
import type { InferenceSession } from '../../inference/session.ts';
import type { HtdemucsContract, ModelDescriptor } from '../descriptor.ts';
import { stemChannel, stereoTensor, type SegmentRunner, type SegmentStems } from './segment-runner.ts';

/** The spectrogram htdemucs takes, for segments of a fixed length: [4, nFft/2, le] into `out`. */
export class HtdemucsSpectrogram {
  readonly length: number;
  readonly bins: number;
  readonly frames: number;
  readonly stft: Stft;
  /** Samples of the model's own padding on the left (3/2 hop), which the inverse crops. */
  readonly offset: number;
  readonly #rightPad: number;
  readonly #padded: Float32Array;
  readonly #centred: Float32Array;
  /** One plane as frame-major rows ([frames][bins]): what the FFT side reads and writes. */
  readonly #rowsRe: Float32Array;
  readonly #rowsIm: Float32Array;

  constructor(length: number, nFft: number) {
    const hop = nFft / 4;
    this.length = length;
    this.bins = nFft / 2;
    this.frames = Math.ceil(length / hop);
    this.stft = new Stft({ nFft, hopSize: hop, normalized: true });
    this.offset = (hop / 2) * 3;
    this.#rightPad = this.offset + this.frames * hop - length;
    this.#padded = new Float32Array(length + this.offset + this.#rightPad);
    this.#centred = new Float32Array(this.#padded.length + nFft);
    this.#rowsRe = new Float32Array(this.frames * this.bins);
    this.#rowsIm = new Float32Array(this.frames * this.bins);
  }

  /** Writes channel `channel`'s real and imaginary planes of the [4, bins, frames] layout. */
  forward(signal: Float32Array, channel: number, out: Float32Array): void {
    const { bins, frames } = this;
    reflectPadInto(signal, this.offset, this.#rightPad, this.#padded);
    reflectPadInto(this.#padded, this.stft.nFft / 2, this.stft.nFft / 2, this.#centred);
    const rowsRe = this.#rowsRe;
    const rowsIm = this.#rowsIm;
    this.stft.forwardPadded(
      this.#centred,
      (t, re, im) => {
        const row = (t - 2) * bins;
        for (let f = 0; f < bins; f++) {
          rowsRe[row + f] = re[f]!;
          rowsIm[row + f] = im[f]!;
        }
      },
      2,
      frames,
    );
    const realPlane = 2 * channel * bins * frames;
    transposeInto(rowsRe, 0, frames, bins, out, realPlane);
    transposeInto(rowsIm, 0, frames, bins, out, realPlane + bins * frames);
  }

  /**
   * Adds the inverse of channel `channel` of `spectrogram` (a [4, bins, frames] block starting at
   * `at`) to `output` (length samples).
   */
  addInverse(spectrogram: Float32Array, at: number, channel: number, output: Float32Array): void {
    const { bins, frames } = this;
    const realPlane = at + 2 * channel * bins * frames;
    const rowsRe = this.#rowsRe;
    const rowsIm = this.#rowsIm;
    transposeInto(spectrogram, realPlane, bins, frames, rowsRe);
    transposeInto(spectrogram, realPlane + bins * frames, bins, frames, rowsIm);
    this.stft.inverse(
      frames + 4,
      (t, re, im) => {
        const frame = t - 2;
        if (frame < 0 || frame >= frames) return false;
        const row = frame * bins;
        for (let f = 0; f < bins; f++) {
          re[f] = rowsRe[row + f]!;
          im[f] = rowsIm[row + f]!;
        }
        re[bins] = 0;
        im[bins] = 0;
        return true;
      },
      output,
      { start: this.offset, add: true },
    );
  }
}

export function createHtdemucsRunner(
  session: InferenceSession,
  descriptor: ModelDescriptor,
  contract: HtdemucsContract,
): SegmentRunner {
  const length = descriptor.segmentLength;
  const spectrogram = new HtdemucsSpectrogram(length, contract.nFft);
  const waveform = stereoTensor(length);
  const spec = {
    data: new Float32Array(4 * spectrogram.bins * spectrogram.frames),
    dims: [1, 4, spectrogram.bins, spectrogram.frames],
  };
  const { waveform: waveformIn, spectrogram: spectrogramIn } = contract.inputs;
  const { frequency, time } = contract.outputs;
  const stemBlock = 4 * spectrogram.bins * spectrogram.frames;
  return {
    segmentLength: length,
    input: waveform.channels,
    async run(wanted) {
      spectrogram.forward(waveform.channels[0], 0, spec.data);
      spectrogram.forward(waveform.channels[1], 1, spec.data);
      const outputs = await session.run({ [waveformIn.name]: waveform, [spectrogramIn.name]: spec }, [
        frequency.name,
        time.name,
      ]);
      const frequencyData = outputs[frequency.name]!.data;
      const timeData = outputs[time.name]!.data;
      return wanted.map((want, s) => {
        if (!want) return undefined;
        const stereo = [stemChannel(timeData, s, 0, length), stemChannel(timeData, s, 1, length)] as const;
        stereo.forEach((samples, c) => spectrogram.addInverse(frequencyData, s * stemBlock, c, samples));
        return stereo;
      }) satisfies SegmentStems;
    },
  };
}
