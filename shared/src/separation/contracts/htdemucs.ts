// htdemucs with its DSP outside the graph, following HTDemucs._spec / _ispec: for a segment of N
// samples and le = ceil(N / hop), reflect-pad 3/2 hop on the left and 3/2 hop + le * hop - N on
// the right, take a centred (again reflect-padded), normalised STFT with a periodic Hann window,
// drop the Nyquist bin and keep frames 2 .. 2 + le. The inverse zeroes the Nyquist bin, adds two
// zero frames each side, inverts and crops the 3/2 hop offset. Channels are complex-as-channels:
// [L.re, L.im, R.re, R.im]. Each stem is the time branch plus the inverse of the frequency branch.

import { reflectPadInto, Stft } from '../../dsp/stft.ts';
import { FRAME_BLOCK, gatherRows, scatterRows } from '../../dsp/transpose.ts';
import type { InferenceSession } from '../../inference/session.ts';
import type { HtdemucsContract, ModelDescriptor } from '../descriptor.ts';
import { outputOf, stemChannel, stereoTensor, type SegmentRunner, type SegmentStems } from './segment-runner.ts';

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
  /** A block of frames as float64 rows of bins + 1 values (Nyquist last, always 0). */
  readonly #rows: { re: Float64Array; im: Float64Array; offset: number };

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
    const rowValues = FRAME_BLOCK * (this.bins + 1);
    this.#rows = { re: new Float64Array(rowValues), im: new Float64Array(rowValues), offset: 0 };
  }

  /** Writes channel `channel`'s real and imaginary planes of the [4, bins, frames] layout. */
  forward(signal: Float32Array, channel: number, out: Float32Array): void {
    const { bins, frames } = this;
    reflectPadInto(signal, this.offset, this.#rightPad, this.#padded);
    reflectPadInto(this.#padded, this.stft.nFft / 2, this.stft.nFft / 2, this.#centred);
    const rows = this.#rows;
    const realPlane = 2 * channel * bins * frames;
    for (let first = 0; first < frames; first += FRAME_BLOCK) {
      const count = Math.min(FRAME_BLOCK, frames - first);
      // Frames 2 .. 2 + le of the centred STFT.
      this.stft.forwardPaddedInto(this.#centred, first + 2, count, rows.re, rows.im, bins + 1);
      scatterRows(rows.re, bins + 1, count, out, realPlane, bins, frames, first);
      scatterRows(rows.im, bins + 1, count, out, realPlane + bins * frames, bins, frames, first);
    }
  }

  /**
   * Adds the inverse of channel `channel` of `spectrogram` (a [4, bins, frames] block starting at
   * `at`) to `output` (length samples).
   */
  addInverse(spectrogram: Float32Array, at: number, channel: number, output: Float32Array): void {
    const { bins, frames } = this;
    const realPlane = at + 2 * channel * bins * frames;
    const rows = this.#rows;
    let blockStart = -FRAME_BLOCK;
    this.stft.inverse(
      frames + 4,
      (t) => {
        const frame = t - 2;
        if (frame < 0 || frame >= frames) return undefined;
        if (frame >= blockStart + FRAME_BLOCK) {
          blockStart = frame;
          const count = Math.min(FRAME_BLOCK, frames - frame);
          gatherRows(spectrogram, realPlane, bins, frames, frame, count, rows.re, bins + 1);
          gatherRows(spectrogram, realPlane + bins * frames, bins, frames, frame, count, rows.im, bins + 1);
          // The Nyquist bin the model does not see comes back as zero (the forward left its own there).
          for (let i = 0; i < count; i++) {
            rows.re[i * (bins + 1) + bins] = 0;
            rows.im[i * (bins + 1) + bins] = 0;
          }
        }
        rows.offset = (frame - blockStart) * (bins + 1);
        return rows;
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
  const { waveform: waveformIn, spectrogram: spectrogramIn } = contract.inputs;
  const { frequency, time } = contract.outputs;
  const slot = () => ({
    waveform: stereoTensor(length),
    spec: {
      data: new Float32Array(4 * spectrogram.bins * spectrogram.frames),
      dims: [1, 4, spectrogram.bins, spectrogram.frames],
    },
  });
  const slots = [slot(), slot()] as const;
  const stemBlock = 4 * spectrogram.bins * spectrogram.frames;
  return {
    segmentLength: length,
    slots: [slots[0].waveform.channels, slots[1].waveform.channels],
    prepare(index) {
      const { waveform, spec } = slots[index];
      spectrogram.forward(waveform.channels[0], 0, spec.data);
      spectrogram.forward(waveform.channels[1], 1, spec.data);
    },
    execute(index) {
      const { waveform, spec } = slots[index];
      return session.run({ [waveformIn.name]: waveform, [spectrogramIn.name]: spec }, [frequency.name, time.name]);
    },
    finish(outputs, wanted) {
      const frequencyData = outputOf(outputs, 'frequency', frequency, descriptor);
      const timeData = outputOf(outputs, 'time', time, descriptor);
      return wanted.map((want, s) => {
        if (!want) return undefined;
        const stereo = [stemChannel(timeData, s, 0, length), stemChannel(timeData, s, 1, length)] as const;
        stereo.forEach((samples, c) => spectrogram.addInverse(frequencyData, s * stemBlock, c, samples));
        return stereo;
      }) satisfies SegmentStems;
    },
  };
}
