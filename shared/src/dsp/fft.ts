// Real-input FFT of a fixed power-of-two size, on fft.js (radix-4, no allocation per call).
// Every spectral step of analysis and separation goes through this one class, so a faster FFT
// can replace it in one place.

import FFT from 'fft.js';

export class RealFft {
  readonly size: number;
  /** Bins from DC to Nyquist: size / 2 + 1. */
  readonly bins: number;
  readonly #fft: FFT;
  readonly #spectrum: number[];
  readonly #scratch: number[];
  readonly #input: number[];

  constructor(size: number) {
    if (!Number.isInteger(Math.log2(size)) || size < 4) {
      throw new RangeError(`FFT size must be a power of two of at least 4, got ${size}`);
    }
    this.size = size;
    this.bins = size / 2 + 1;
    this.#fft = new FFT(size);
    this.#spectrum = this.#fft.createComplexArray() as number[];
    this.#scratch = this.#fft.createComplexArray() as number[];
    this.#input = new Array<number>(size).fill(0);
  }

  /**
   * Forward transform, unnormalised: X[k] = sum x[n] e^{-2 pi i k n / N}. `input` has `size`
   * samples; `re` and `im` receive `bins` values.
   */
  forward(input: ArrayLike<number>, re: Float32Array | Float64Array, im: Float32Array | Float64Array): void {
    const x = this.#input;
    for (let n = 0; n < this.size; n++) x[n] = input[n] ?? 0;
    this.#fft.realTransform(this.#spectrum, x);
    const s = this.#spectrum;
    for (let k = 0; k < this.bins; k++) {
      re[k] = s[2 * k] ?? 0;
      im[k] = s[2 * k + 1] ?? 0;
    }
  }

  /**
   * Inverse of `forward`, scaled by 1 / size so that inverse(forward(x)) = x. The imaginary
   * parts of the DC and Nyquist bins are ignored (a real signal has none).
   */
  inverse(re: ArrayLike<number>, im: ArrayLike<number>, output: Float32Array | Float64Array): void {
    const n = this.size;
    const s = this.#spectrum;
    s[0] = re[0] ?? 0;
    s[1] = 0;
    for (let k = 1; k < n / 2; k++) {
      const r = re[k] ?? 0;
      const i = im[k] ?? 0;
      s[2 * k] = r;
      s[2 * k + 1] = i;
      s[2 * (n - k)] = r;
      s[2 * (n - k) + 1] = -i;
    }
    s[n] = re[n / 2] ?? 0;
    s[n + 1] = 0;
    this.#fft.inverseTransform(this.#scratch, s);
    const out = this.#scratch;
    for (let t = 0; t < n; t++) output[t] = out[2 * t] ?? 0;
  }
}
