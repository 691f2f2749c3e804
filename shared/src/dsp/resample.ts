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
    this.resampleChannels([input], [out], outStart, inputStart, signalLength);
  }

  /** `resampleRange` for one or two channels at once (two share each coefficient load). */
  resampleChannels(
    inputs: readonly Float32Array[],
    outs: readonly Float32Array[],
    outStart: number,
    inputStart = 0,
    signalLength = inputs[0]!.length,
  ): void {
    const taps = this.#taps;
    const table = this.#table;
    const phasesTotal = this.#phases * this.#tableStep;
    const left = inputs[0]!;
    // Mono reads the one channel twice; the unrolled loop stays the same shape.
    const right = inputs[1] ?? left;
    const outLeft = outs[0]!;
    const outRight = outs[1];
    for (let o = 0; o < outLeft.length; o++) {
      const numerator = (outStart + o) * this.#step;
      const base = Math.floor(numerator / phasesTotal);
      const remainder = numerator - base * phasesTotal;
      let phase = this.#exact ? remainder : Math.round(remainder / this.#tableStep);
      let first = base - this.#before + 1;
      if (phase === this.#phases) {
        phase = 0;
        first += 1;
      }
      // Taps that fall outside the signal read silence; inside, two taps per step.
      const from = Math.max(0, -first);
      const to = Math.min(taps, signalLength - first);
      let row = phase * taps + from;
      let at = first + from - inputStart;
      const end = phase * taps + Math.max(from, to);
      let l0 = 0;
      let l1 = 0;
      let r0 = 0;
      let r1 = 0;
      for (; row + 1 < end; row += 2, at += 2) {
        const h0 = table[row]!;
        const h1 = table[row + 1]!;
        l0 += left[at]! * h0;
        l1 += left[at + 1]! * h1;
        r0 += right[at]! * h0;
        r1 += right[at + 1]! * h1;
      }
      if (row < end) {
        l0 += left[at]! * table[row]!;
        r0 += right[at]! * table[row]!;
      }
      outLeft[o] = l0 + l1;
      if (outRight) outRight[o] = r0 + r1;
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
export interface StreamingResamplerSnapshot {
  bufferStart: number;
  nextOutput: number;
  buffer: Float32Array[];
}

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

  /** Its whole state: what it holds and where it is. Structured-cloneable, a few kB. */
  snapshot(): StreamingResamplerSnapshot {
    return {
      bufferStart: this.#bufferStart,
      nextOutput: this.#nextOutput,
      buffer: this.#buffer.map((channel) => channel.slice(0, this.#buffered)),
    };
  }

  /** Puts back a state `snapshot` took from a resampler made with the same arguments. */
  restore(snapshot: StreamingResamplerSnapshot): void {
    if (snapshot.buffer.length !== this.#buffer.length) {
      throw new RangeError(`the snapshot has ${snapshot.buffer.length} channels, not ${this.#buffer.length}`);
    }
    this.#bufferStart = snapshot.bufferStart;
    this.#nextOutput = snapshot.nextOutput;
    this.#buffered = snapshot.buffer[0]?.length ?? 0;
    this.#buffer = snapshot.buffer.map((channel) => channel.slice());
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
    const outs = this.#buffer.map(() => new Float32Array(end - start));
    const visible = Math.min(this.#signalLength, this.#bufferStart + this.#buffered);
    for (let c = 0; c < outs.length; c += 2) {
      this.#resampler.resampleChannels(
        this.#buffer.slice(c, c + 2),
        outs.slice(c, c + 2),
        start,
        this.#bufferStart,
        visible,
      );
    }
    return outs;
  }
}
