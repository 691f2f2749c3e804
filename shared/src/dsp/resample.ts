// Sample-rate conversion by a Kaiser-windowed sinc in polyphase form. Output sample j sits at
// input position j * fromRate / toRate; its value is the input convolved with a low-pass kernel
// cut just below the lower of the two Nyquist frequencies. Any output range can be computed on
// its own (random access), so the separator resamples one segment at a time, and a streaming
// form converts stems as they are finished.

import { kaiser } from './window.ts';

export interface ResamplerOptions {
  /** Kernel half-width in zero crossings of the low-pass sinc (default 48): longer is sharper. */
  zeroCrossings?: number;
  /** Stopband attenuation the Kaiser window is shaped for, in dB (default 90). */
  attenuationDb?: number;
}

/** Above this many phases the table is quantised to it (exotic rate pairs such as 44056 Hz). */
const MAX_PHASES = 8192;

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

export class Resampler {
  readonly fromRate: number;
  readonly toRate: number;
  /** Output step in input samples is step / phases (reduced fraction fromRate / toRate). */
  readonly #step: number;
  readonly #phases: number;
  readonly #exact: boolean;
  readonly #tableStep: number;
  readonly #taps: number;
  /** Taps before the output position: input index of tap 0 is floor(position) - before + 1. */
  readonly #before: number;
  /** Kernel per phase, `taps` values each. */
  readonly #table: Float32Array;

  constructor(fromRate: number, toRate: number, { zeroCrossings = 48, attenuationDb = 90 }: ResamplerOptions = {}) {
    for (const rate of [fromRate, toRate]) {
      if (!Number.isInteger(rate) || rate < 1)
        throw new RangeError(`sample rates must be positive integers, got ${rate}`);
    }
    this.fromRate = fromRate;
    this.toRate = toRate;
    const divisor = gcd(fromRate, toRate);
    this.#step = fromRate / divisor;
    const phases = toRate / divisor;
    this.#exact = phases <= MAX_PHASES;
    this.#phases = this.#exact ? phases : MAX_PHASES;
    this.#tableStep = this.#exact ? 1 : phases / MAX_PHASES;

    // Cut-off as a fraction of the input's Nyquist: the Kaiser transition band, about
    // (A - 8) / (2.285 * 2 * zeroCrossings) of the lower Nyquist wide, ends at that Nyquist.
    const ratio = Math.min(1, toRate / fromRate);
    const transition = (attenuationDb - 8) / (2.285 * 2 * zeroCrossings * Math.PI);
    const cutoff = ratio * (1 - transition / 2);
    const beta =
      attenuationDb > 50
        ? 0.1102 * (attenuationDb - 8.7)
        : 0.5842 * (attenuationDb - 21) ** 0.4 + 0.07886 * (attenuationDb - 21);
    const halfWidth = zeroCrossings / cutoff;
    this.#before = Math.ceil(halfWidth);
    this.#taps = 2 * this.#before;
    this.#table = new Float32Array(this.#phases * this.#taps);
    for (let phase = 0; phase < this.#phases; phase++) {
      const fraction = phase / this.#phases;
      for (let k = 0; k < this.#taps; k++) {
        // Distance from the output position to the tap's input sample.
        const distance = fraction + this.#before - 1 - k;
        const x = cutoff * distance;
        const sinc = x === 0 ? 1 : Math.sin(Math.PI * x) / (Math.PI * x);
        this.#table[phase * this.#taps + k] = cutoff * sinc * kaiser(distance / halfWidth, beta);
      }
    }
  }

  /** Output samples for `inputLength` input samples: ceil(inputLength * toRate / fromRate). */
  outputLength(inputLength: number): number {
    return Math.floor((inputLength * this.toRate + this.fromRate - 1) / this.fromRate);
  }

  /** Input samples each side of an output position that its value depends on. */
  get reach(): number {
    return this.#before;
  }

  /** Index of the last input sample output sample `j` depends on. */
  lastInputFor(j: number): number {
    // A quantised phase may round up to the next input sample.
    return Math.floor((j * this.#step) / (this.#phases * this.#tableStep)) + this.#before + (this.#exact ? 0 : 1);
  }

  /**
   * Output samples `outStart` .. `outStart + out.length - 1` of the resampled signal whose samples
   * `inputStart` .. `inputStart + input.length - 1` are in `input`. The signal is zero before 0 and
   * from `signalLength` on; every sample in between that the range needs must be in `input`.
   */
  resampleRange(
    input: Float32Array,
    out: Float32Array,
    outStart: number,
    inputStart = 0,
    signalLength = input.length,
  ): void {
    const taps = this.#taps;
    const table = this.#table;
    const phasesTotal = this.#phases * this.#tableStep;
    for (let o = 0; o < out.length; o++) {
      const j = outStart + o;
      const numerator = j * this.#step;
      const base = Math.floor(numerator / phasesTotal);
      const remainder = numerator - base * phasesTotal;
      let phase = this.#exact ? remainder : Math.round(remainder / this.#tableStep);
      let first = base - this.#before + 1;
      if (phase === this.#phases) {
        phase = 0;
        first += 1;
      }
      const row = phase * taps;
      let sum = 0;
      if (first >= 0 && first + taps <= signalLength) {
        const at = first - inputStart;
        for (let k = 0; k < taps; k++) sum += input[at + k]! * table[row + k]!;
      } else {
        const from = Math.max(0, -first);
        const to = Math.min(taps, signalLength - first);
        for (let k = from; k < to; k++) sum += input[first + k - inputStart]! * table[row + k]!;
      }
      out[o] = sum;
    }
  }
}

/** Resamples whole channels (for short signals and tests); the output has outputLength samples. */
export function resample(
  channels: readonly Float32Array[],
  fromRate: number,
  toRate: number,
  options?: ResamplerOptions,
): Float32Array[] {
  if (fromRate === toRate) return channels.map((channel) => channel.slice());
  const resampler = new Resampler(fromRate, toRate, options);
  return channels.map((channel) => {
    const out = new Float32Array(resampler.outputLength(channel.length));
    resampler.resampleRange(channel, out, 0);
    return out;
  });
}

/**
 * Resamples a signal that arrives in consecutive chunks, keeping only the input tail the next
 * outputs need. `push` returns the outputs that are now complete; after the last chunk,
 * `finish` returns the rest, up to `outputLength` samples in all.
 */
export class StreamingResampler {
  readonly #resampler: Resampler;
  readonly #signalLength: number;
  readonly #outputLength: number;
  #buffer: Float32Array[];
  /** Input index of #buffer[c][0], and how many samples it holds. */
  #bufferStart = 0;
  #buffered = 0;
  #nextOutput = 0;

  constructor(
    resampler: Resampler,
    channelCount: number,
    signalLength: number,
    outputLength = resampler.outputLength(signalLength),
  ) {
    this.#resampler = resampler;
    this.#signalLength = signalLength;
    this.#outputLength = outputLength;
    this.#buffer = Array.from({ length: channelCount }, () => new Float32Array(0));
  }

  push(chunk: readonly Float32Array[]): Float32Array[] {
    const added = chunk[0]?.length ?? 0;
    this.#append(chunk, added);
    const available = this.#bufferStart + this.#buffered;
    let end = this.#nextOutput;
    if (available >= this.#signalLength) end = this.#outputLength;
    else while (end < this.#outputLength && this.#resampler.lastInputFor(end) < available) end++;
    return this.#emit(end);
  }

  finish(): Float32Array[] {
    return this.#emit(this.#outputLength);
  }

  #append(chunk: readonly Float32Array[], added: number): void {
    // Drop what no later output needs, then grow if the chunk does not fit.
    const keepFrom = Math.max(
      this.#bufferStart,
      this.#resampler.lastInputFor(this.#nextOutput) - 2 * this.#resampler.reach,
    );
    const drop = keepFrom - this.#bufferStart;
    const kept = this.#buffered - drop;
    const needed = kept + added;
    this.#buffer = this.#buffer.map((old, c) => {
      const target = old.length >= needed ? old : new Float32Array(Math.max(needed, 2 * old.length));
      if (target === old) target.copyWithin(0, drop, drop + kept);
      else target.set(old.subarray(drop, drop + kept));
      target.set(chunk[c]!, kept);
      return target;
    });
    this.#bufferStart = keepFrom;
    this.#buffered = needed;
  }

  #emit(end: number): Float32Array[] {
    const start = this.#nextOutput;
    this.#nextOutput = end;
    return this.#buffer.map((buffer) => {
      const out = new Float32Array(end - start);
      const visible = Math.min(this.#signalLength, this.#bufferStart + this.#buffered);
      this.#resampler.resampleRange(buffer, out, start, this.#bufferStart, visible);
      return out;
    });
  }
}
