// The input as the model hears it: stereo (mono duplicated) at the model's sample rate, silent
// outside the track. Segments are read on demand, resampled from the original where the rates
// differ, so no resampled copy of the whole track is ever made.

import { Resampler } from '../dsp/resample.ts';
import type { PlanarAudio } from './types.ts';

export class ModelRateSource {
  /** Track length in samples at the model's rate. */
  readonly length: number;
  readonly #left: Float32Array;
  readonly #right: Float32Array;
  readonly #resampler: Resampler | undefined;

  constructor(input: PlanarAudio, modelRate: number) {
    this.#left = input.channels[0]!;
    this.#right = input.channels[1] ?? this.#left;
    this.#resampler = input.sampleRate === modelRate ? undefined : new Resampler(input.sampleRate, modelRate);
    this.length = this.#resampler ? this.#resampler.outputLength(this.#left.length) : this.#left.length;
  }

  /**
   * Writes track samples start .. start + left.length - 1 into `left` and `right`; a NaN or
   * infinite sample comes out as 0, since one would spread through the model's normalisation
   * and STFT to whole segments of every stem.
   */
  read(start: number, left: Float32Array, right: Float32Array): void {
    this.#read(start, left, right);
    for (const channel of [left, right]) {
      for (let i = 0; i < channel.length; i++) if (!Number.isFinite(channel[i]!)) channel[i] = 0;
    }
  }

  #read(start: number, left: Float32Array, right: Float32Array): void {
    const count = left.length;
    const from = Math.min(count, Math.max(0, -start));
    const to = Math.max(from, Math.min(count, this.length - start));
    left.fill(0, 0, from);
    right.fill(0, 0, from);
    left.fill(0, to);
    right.fill(0, to);
    if (to === from) return;
    const resampler = this.#resampler;
    if (!resampler) {
      left.set(this.#left.subarray(start + from, start + to), from);
      right.set(this.#right.subarray(start + from, start + to), from);
      return;
    }
    if (this.#right === this.#left) {
      resampler.resampleRange(this.#left, left.subarray(from, to), start + from);
      right.set(left.subarray(from, to), from);
    } else {
      resampler.resampleChannels(
        [this.#left, this.#right],
        [left.subarray(from, to), right.subarray(from, to)],
        start + from,
      );
    }
  }
}
