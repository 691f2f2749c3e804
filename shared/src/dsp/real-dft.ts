// Real-input FFT of any even size whose prime factors are 2, 3 and 5, as a complex FFT of half
// the size plus one twiddle pass. Besides the plain forward/inverse pair it offers the two steps
// an STFT repeats thousands of times per segment, windowing in and overlap-adding out, without
// an intermediate copy: that is where the engine's time outside the model goes.

import { ComplexFft, fftFactors } from './complex-fft.ts';

export class RealDft {
  readonly size: number;
  /** Bins from DC to Nyquist: size / 2 + 1. */
  readonly bins: number;
  /**
   * The spectrum `forwardWindowed` writes and `inverseOverlapAdd` reads: `bins` values each.
   * Owned by this object; valid until the next call.
   */
  readonly re: Float64Array;
  readonly im: Float64Array;
  readonly #half: number;
  readonly #fft: ComplexFft;
  readonly #zr: Float64Array;
  readonly #zi: Float64Array;
  /** e^{-2 pi i k / size} for k = 0 .. size / 2. */
  readonly #wr: Float64Array;
  readonly #wi: Float64Array;

  constructor(size: number) {
    if (size < 4 || size % 2 !== 0 || !fftFactors(size / 2)) {
      throw new RangeError(`real FFT size must be even, at least 4, with no prime factors but 2, 3 and 5; got ${size}`);
    }
    this.size = size;
    this.#half = size / 2;
    this.bins = this.#half + 1;
    this.#fft = new ComplexFft(this.#half);
    this.#zr = new Float64Array(this.#half);
    this.#zi = new Float64Array(this.#half);
    this.re = new Float64Array(this.bins);
    this.im = new Float64Array(this.bins);
    this.#wr = new Float64Array(this.bins);
    this.#wi = new Float64Array(this.bins);
    for (let k = 0; k < this.bins; k++) {
      this.#wr[k] = Math.cos((-2 * Math.PI * k) / size);
      this.#wi[k] = Math.sin((-2 * Math.PI * k) / size);
    }
  }

  /**
   * Forward transform, unnormalised: X[k] = sum x[n] e^{-2 pi i k n / N}. `input` has up to
   * `size` samples (a shorter one is zero-padded); `re` and `im` receive `bins` values.
   */
  forward(input: ArrayLike<number>, re: Float32Array | Float64Array, im: Float32Array | Float64Array): void {
    const zr = this.#zr;
    const zi = this.#zi;
    for (let n = 0; n < this.#half; n++) {
      zr[n] = input[2 * n] ?? 0;
      zi[n] = input[2 * n + 1] ?? 0;
    }
    this.#forwardPacked(this.re, this.im, 0);
    re.set(this.re);
    im.set(this.im);
  }

  /**
   * The spectrum of `signal[start .. start + size)` times `window` times `scale`, into `re` and
   * `im` from `offset` (default: `this.re` and `this.im`). The caller guarantees the range lies
   * inside `signal`.
   */
  forwardWindowed(
    signal: Float32Array | Float64Array,
    start: number,
    window: Float64Array,
    scale: number,
    re = this.re,
    im = this.im,
    offset = 0,
  ): void {
    windowInto(signal, start, window, scale, this.#zr, this.#zi);
    this.#forwardPacked(re, im, offset);
  }

  /**
   * Inverse of `forward`, scaled by 1 / size so that inverse(forward(x)) = x. The imaginary
   * parts of the DC and Nyquist bins are ignored (a real signal has none).
   */
  inverse(re: ArrayLike<number>, im: ArrayLike<number>, output: Float32Array | Float64Array): void {
    for (let k = 0; k < this.bins; k++) {
      this.re[k] = re[k]!;
      this.im[k] = im[k]!;
    }
    this.#inversePacked(this.re, this.im, 0);
    const zr = this.#zr;
    const zi = this.#zi;
    for (let n = 0; n < this.#half; n++) {
      output[2 * n] = zr[n]!;
      output[2 * n + 1] = zi[n]!;
    }
  }

  /**
   * The inverse transform of the spectrum in `re` / `im` from `offset` (default: `this.re` and
   * `this.im`; scaled by 1 / size, imaginary parts of DC and Nyquist ignored), times `window`
   * times `gain`, added to `output` from `start`.
   */
  inverseOverlapAdd(
    window: Float64Array,
    gain: number,
    output: Float32Array | Float64Array,
    start: number,
    re = this.re,
    im = this.im,
    offset = 0,
  ): void {
    this.#inversePacked(re, im, offset);
    overlapAdd(this.#zr, this.#zi, window, gain, output, start);
  }

  /** From z (even samples as real, odd as imaginary) to the spectrum in `re` / `im` from `o`. */
  #forwardPacked(re: Float64Array, im: Float64Array, o: number): void {
    const zr = this.#zr;
    const zi = this.#zi;
    this.#fft.transform(zr, zi);
    const half = this.#half;
    const wr = this.#wr;
    const wi = this.#wi;
    re[o] = zr[0]! + zi[0]!;
    im[o] = 0;
    re[o + half] = zr[0]! - zi[0]!;
    im[o + half] = 0;
    // Bins k and half - k share their inputs: w[half - k] = -conj(w[k]).
    for (let k = 1; k <= half - k; k++) {
      const a = zr[k]!;
      const b = zi[k]!;
      const c = zr[half - k]!;
      const d = zi[half - k]!;
      const er = 0.5 * (a + c);
      const ei = 0.5 * (b - d);
      const or = 0.5 * (b + d);
      const oi = -0.5 * (a - c);
      const cr = wr[k]!;
      const ci = wi[k]!;
      const p = cr * or - ci * oi;
      const q = cr * oi + ci * or;
      re[o + k] = er + p;
      im[o + k] = ei + q;
      re[o + half - k] = er - p;
      im[o + half - k] = q - ei;
    }
  }

  /** From the spectrum in `re` / `im` from `o` to z = x[2n] + i x[2n+1], scaled by 1 / size. */
  #inversePacked(re: Float64Array, im: Float64Array, o: number): void {
    const half = this.#half;
    const zr = this.#zr;
    const zi = this.#zi;
    const wr = this.#wr;
    const wi = this.#wi;
    const scale = 1 / half;
    zr[0] = 0.5 * (re[o]! + re[o + half]!) * scale;
    zi[0] = 0.5 * (re[o]! - re[o + half]!) * scale;
    for (let k = 1; k <= half - k; k++) {
      const a = re[o + k]!;
      const b = im[o + k]!;
      const c = re[o + half - k]!;
      const d = im[o + half - k]!;
      const er = 0.5 * (a + c);
      const ei = 0.5 * (b - d);
      const dr = 0.5 * (a - c);
      const di = 0.5 * (b + d);
      const cr = wr[k]!;
      const ci = wi[k]!;
      const or = dr * cr + di * ci;
      const oi = di * cr - dr * ci;
      zr[k] = (er - oi) * scale;
      zi[k] = (ei + or) * scale;
      zr[half - k] = (er + oi) * scale;
      zi[half - k] = (or - ei) * scale;
    }
    // The inverse complex transform is the forward one with real and imaginary parts swapped.
    this.#fft.transform(zi, zr);
  }
}

/**
 * output[start + 2n (+1)] += z[n].re (.im) * window * gain. A function of its own: inside the
 * larger method V8 compiled this loop about five times slower (measured).
 */
function overlapAdd(
  zr: Float64Array,
  zi: Float64Array,
  window: Float64Array,
  gain: number,
  output: Float32Array | Float64Array,
  start: number,
): void {
  for (let n = 0, t = start; n < zr.length; n++, t += 2) {
    output[t] = output[t]! + zr[n]! * window[2 * n]! * gain;
    output[t + 1] = output[t + 1]! + zi[n]! * window[2 * n + 1]! * gain;
  }
}

/** z[n] = (x[start + 2n] + i x[start + 2n + 1]) * window * scale; small for the same reason. */
function windowInto(
  signal: Float32Array | Float64Array,
  start: number,
  window: Float64Array,
  scale: number,
  zr: Float64Array,
  zi: Float64Array,
): void {
  for (let n = 0, t = start; n < zr.length; n++, t += 2) {
    zr[n] = signal[t]! * window[2 * n]! * scale;
    zi[n] = signal[t + 1]! * window[2 * n + 1]! * scale;
  }
}
