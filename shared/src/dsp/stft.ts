// Short-time Fourier transform with torch.stft / torch.istft semantics (center=True, reflect
// padding, periodic Hann, optional 1/sqrt(n_fft) normalisation), which is what the separation
// models were trained with. Frames stream through callbacks so a caller can write them straight
// into a model's tensor layout, and the inverse skips frames the caller says are zero.

import { RealDft } from './real-dft.ts';
import { periodicHann } from './window.ts';

export interface StftOptions {
  nFft: number;
  hopSize: number;
  /** Scale frames by 1/sqrt(nFft) forward and sqrt(nFft) inverse (torch's normalized=True). */
  normalized: boolean;
}

/** Frames of a centred STFT of `length` samples: 1 + floor(length / hopSize). */
export function centredFrameCount(length: number, hopSize: number): number {
  return 1 + Math.floor(length / hopSize);
}

/**
 * Reflect padding as numpy's and torch's 'reflect' mode (the edge sample is not repeated):
 * writes `left` + signal + `right` samples into `out`. Each pad must be shorter than the signal.
 */
export function reflectPadInto(signal: Float32Array, left: number, right: number, out: Float32Array): void {
  const n = signal.length;
  if (left >= n || right >= n) {
    throw new RangeError(`reflect padding of ${Math.max(left, right)} needs more than ${n} samples`);
  }
  for (let i = 0; i < left; i++) out[i] = signal[left - i]!;
  out.set(signal, left);
  for (let i = 0; i < right; i++) out[left + n + i] = signal[n - 2 - i]!;
}

/** Receives frame `frame`'s spectrum (`bins` values each; views reused for the next frame). */
export type FrameSink = (frame: number, re: Float64Array, im: Float64Array) => void;

/** Where a frame's `bins` values are: `re` and `im` from `offset`. */
export interface FrameBins {
  re: Float64Array;
  im: Float64Array;
  offset: number;
}

/**
 * Says where frame `frame`'s spectrum is (the imaginary parts of DC and Nyquist are ignored), or
 * returns undefined for an all-zero frame, which is then skipped. Frames are asked for in order.
 */
export type FrameSource = (frame: number) => FrameBins | undefined;

export class Stft {
  readonly nFft: number;
  readonly hopSize: number;
  readonly bins: number;
  readonly normalized: boolean;
  readonly window: Float64Array;
  readonly #dft: RealDft;
  #padded = new Float32Array(0);
  #sum = new Float64Array(0);
  /** 1 / (sum of squared windows) over the output, per frame count; 0 where that sum vanishes. */
  readonly #inverseEnvelopes = new Map<number, Float64Array>();

  constructor({ nFft, hopSize, normalized }: StftOptions) {
    if (!Number.isInteger(hopSize) || hopSize < 1 || hopSize > nFft) {
      throw new RangeError(`STFT hop size must be an integer in 1..${nFft}, got ${hopSize}`);
    }
    this.#dft = new RealDft(nFft);
    this.nFft = nFft;
    this.hopSize = hopSize;
    this.bins = nFft / 2 + 1;
    this.normalized = normalized;
    this.window = periodicHann(nFft);
  }

  /**
   * Centred STFT of `signal` (reflect-padded by nFft / 2 on each side): calls `onFrame` for
   * frames `firstFrame` .. `firstFrame + frameCount - 1`, by default all of them.
   */
  forward(signal: Float32Array, onFrame: FrameSink, firstFrame = 0, frameCount?: number): void {
    const half = this.nFft / 2;
    const paddedLength = signal.length + 2 * half;
    if (this.#padded.length !== paddedLength) this.#padded = new Float32Array(paddedLength);
    reflectPadInto(signal, half, half, this.#padded);
    const count = frameCount ?? centredFrameCount(signal.length, this.hopSize) - firstFrame;
    this.forwardPadded(this.#padded, onFrame, firstFrame, count);
  }

  /** Like `forward` on a signal the caller has already padded: frame t starts at t * hopSize. */
  forwardPadded(padded: Float32Array, onFrame: FrameSink, firstFrame: number, frameCount: number): void {
    const dft = this.#dft;
    const scale = this.normalized ? 1 / Math.sqrt(this.nFft) : 1;
    for (let t = firstFrame; t < firstFrame + frameCount; t++) {
      dft.forwardWindowed(padded, t * this.hopSize, this.window, scale);
      onFrame(t, dft.re, dft.im);
    }
  }

  /**
   * Like `forwardPadded`, writing frame firstFrame + i's bins into `re` / `im` from
   * `i * rowStride` instead of calling back.
   */
  forwardPaddedInto(
    padded: Float32Array,
    firstFrame: number,
    frameCount: number,
    re: Float64Array,
    im: Float64Array,
    rowStride: number,
  ): void {
    const scale = this.normalized ? 1 / Math.sqrt(this.nFft) : 1;
    for (let i = 0; i < frameCount; i++) {
      this.#dft.forwardWindowed(padded, (firstFrame + i) * this.hopSize, this.window, scale, re, im, i * rowStride);
    }
  }

  /**
   * Inverse of a centred STFT of `frameCount` frames (torch.istft, center=True): the windowed
   * overlap-add of the frames divided by the overlap-added squared window. Writes output samples
   * `start` .. `start + output.length - 1` of the hopSize * (frameCount - 1) the frames cover,
   * adding to what `output` holds when `add` is set.
   */
  inverse(
    frameCount: number,
    source: FrameSource,
    output: Float32Array,
    { start = 0, add = false, scale = 1 }: { start?: number; add?: boolean; scale?: number } = {},
  ): void {
    const { nFft, hopSize } = this;
    const half = nFft / 2;
    const envelope = this.#inverseEnvelope(frameCount);
    // Overlap-add in float64 over just the frames that reach the requested range.
    const end = start + output.length;
    const firstFrame = Math.max(0, Math.ceil((start + half - nFft + 1) / hopSize));
    const lastFrame = Math.min(frameCount - 1, Math.floor((end - 1 + half) / hopSize));
    const base = firstFrame * hopSize - half;
    const needed = Math.max(0, (lastFrame - firstFrame) * hopSize + nFft);
    if (this.#sum.length < needed) this.#sum = new Float64Array(needed);
    const sum = this.#sum;
    sum.fill(0, 0, needed);
    const gain = (this.normalized ? Math.sqrt(nFft) : 1) * scale;
    const dft = this.#dft;
    for (let t = firstFrame; t <= lastFrame; t++) {
      const bins = source(t);
      if (bins) dft.inverseOverlapAdd(this.window, gain, sum, t * hopSize - half - base, bins.re, bins.im, bins.offset);
    }
    for (let i = 0; i < output.length; i++) {
      const y = start + i;
      const at = y - base;
      const value = at >= 0 && at < needed ? sum[at]! * (envelope[y] ?? 0) : 0;
      output[i] = add ? output[i]! + value : value;
    }
  }

  #inverseEnvelope(frameCount: number): Float64Array {
    let inverse = this.#inverseEnvelopes.get(frameCount);
    if (inverse) return inverse;
    const { nFft, hopSize, window } = this;
    const half = nFft / 2;
    // The frames reach half a window past the last frame's centre (torch.istft keeps that too).
    const length = hopSize * (frameCount - 1) + half;
    const envelope = new Float64Array(length + half);
    for (let t = 0; t < frameCount; t++) {
      for (let n = 0; n < nFft; n++) envelope[t * hopSize + n]! += window[n]! * window[n]!;
    }
    inverse = new Float64Array(length);
    // torch refuses envelopes below 1e-11; dividing there would only amplify noise.
    for (let y = 0; y < length; y++) {
      const value = envelope[y + half]!;
      inverse[y] = value > 1e-11 ? 1 / value : 0;
    }
    this.#inverseEnvelopes.set(frameCount, inverse);
    return inverse;
  }
}

/** A whole spectrogram: `frames` x `bins`, frame-major. */
export interface Spectrogram {
  frames: number;
  bins: number;
  re: Float32Array;
  im: Float32Array;
}

/** Centred STFT of a whole signal into one array (for tests and short signals). */
export function stft(signal: Float32Array, options: StftOptions): Spectrogram {
  const transform = new Stft(options);
  const frames = centredFrameCount(signal.length, options.hopSize);
  const bins = transform.bins;
  const re = new Float32Array(frames * bins);
  const im = new Float32Array(frames * bins);
  transform.forward(signal, (t, fr, fi) => {
    re.set(fr, t * bins);
    im.set(fi, t * bins);
  });
  return { frames, bins, re, im };
}

/** Inverse of `stft`, `length` samples long (torch.istft with `length`). */
export function istft(spectrogram: Spectrogram, length: number, options: StftOptions): Float32Array {
  const transform = new Stft(options);
  const { bins, re, im } = spectrogram;
  const output = new Float32Array(length);
  const frame = { re: new Float64Array(bins), im: new Float64Array(bins), offset: 0 };
  transform.inverse(
    spectrogram.frames,
    (t) => {
      frame.re.set(re.subarray(t * bins, (t + 1) * bins));
      frame.im.set(im.subarray(t * bins, (t + 1) * bins));
      return frame;
    },
    output,
  );
  return output;
}
