// Quick's own streaming STFT over one or two channels: frames are analysed a few frames ahead of
// the one being masked (the harmonic median needs them), masked stems are synthesised and
// overlap-added, and finished samples leave one hop at a time, so memory never grows with the
// track. Two channels share one complex FFT (left + i right); a mask that is real and the same
// for both channels applies to that packed spectrum directly, so each stem costs one more FFT.
// (dsp/stft.ts follows torch's conventions for the models; this one is tuned for throughput.)

import FFT from 'fft.js';
import type { BandLayout } from './bands.ts';

/** Per-band features of one analysed frame (valid until the next frame is analysed). */
export interface FrameFeatures {
  /** Left plus right power per band (|L|^2 + |R|^2 summed over its bins), or a mono channel's power. */
  power: Float32Array;
  /** 2 Re(L conj R) / (|L|^2 + |R|^2) per band: 1 for a centred source, below for panned ones; 1 for mono. */
  coherence: Float32Array;
}

/** What decides the masks: it sees every frame once, in order, `lookahead` frames before its masks are due. */
export interface MaskModel {
  readonly lookahead: number;
  /** Frame `frame`'s features; frames before 0 are never analysed, frames past the end are silent. */
  analyse(frame: number, features: FrameFeatures): void;
  /** Frame `frame`'s masks, one gain per band each; owned by the model, valid until the next call. */
  masks(frame: number): readonly Float32Array[];
}

export interface FrameStreamOptions {
  /** A power of two; the hop is half of it. */
  fftSize: number;
  /** Which of the model's masks to synthesise, in output order. */
  outputs: readonly number[];
  model: MaskModel;
  bands: BandLayout;
}

export class FrameStream {
  readonly fftSize: number;
  readonly hopSize: number;
  readonly bins: number;
  readonly #channels: readonly Float32Array[];
  readonly #model: MaskModel;
  readonly #outputs: readonly number[];
  readonly #bandOf: Int32Array;
  readonly #fft: FFT;
  /** sqrt of a periodic Hann, in and out: their product overlap-adds to exactly 1 at half overlap. */
  readonly #window: Float64Array;
  /** The same with the inverse FFT's 1 / N folded in. */
  readonly #synthesisWindow: Float64Array;
  readonly #frameIn: Float64Array;
  readonly #frameOut: Float64Array;
  /** Ring of packed spectra (interleaved re/im, fftSize complex values), lookahead + 1 frames. */
  readonly #spectra: Float64Array[];
  readonly #features: FrameFeatures;
  readonly #cross: Float64Array;
  /** Per output, per channel: the windowed second half of the last synthesised frame. */
  readonly #tails: Float64Array[][];
  #nextAnalysed = 0;
  #nextSynthesised = 0;

  constructor(channels: readonly Float32Array[], { fftSize, outputs, model, bands }: FrameStreamOptions) {
    if (channels.length < 1 || channels.length > 2) throw new RangeError('a frame stream takes one or two channels');
    if (!Number.isInteger(Math.log2(fftSize)) || fftSize < 16)
      throw new RangeError('the FFT size must be a power of two');
    this.fftSize = fftSize;
    this.hopSize = fftSize / 2;
    this.bins = fftSize / 2 + 1;
    this.#channels = channels;
    this.#model = model;
    this.#outputs = outputs;
    this.#bandOf = bands.bandOf;
    this.#fft = new FFT(fftSize);
    this.#window = new Float64Array(fftSize);
    this.#synthesisWindow = new Float64Array(fftSize);
    for (let n = 0; n < fftSize; n++) {
      const w = Math.sin((Math.PI * n) / fftSize);
      this.#window[n] = w;
      this.#synthesisWindow[n] = w / fftSize;
    }
    this.#frameIn = new Float64Array(2 * fftSize);
    this.#frameOut = new Float64Array(2 * fftSize);
    this.#spectra = Array.from({ length: model.lookahead + 1 }, () => new Float64Array(2 * fftSize));
    this.#features = { power: new Float32Array(bands.count), coherence: new Float32Array(bands.count) };
    this.#cross = new Float64Array(bands.count);
    this.#tails = outputs.map(() => channels.map(() => new Float64Array(this.hopSize)));
  }

  /**
   * Writes output samples [start, end) of every output to `out[output][channel]` from index 0.
   * Calls must ask for consecutive ranges whose ends are multiples of the hop, except an `end` at
   * the track's length.
   */
  render(start: number, end: number, out: readonly (readonly Float32Array[])[]): void {
    const hop = this.hopSize;
    // Frame t covers [(t - 1) hop, (t + 1) hop): its first half completes hop t - 1. Frame 0
    // completes nothing but leaves the tail that frame 1 completes.
    for (let t = Math.floor(start / hop); (t - 1) * hop < end; t++) {
      if (t < this.#nextSynthesised) continue;
      while (this.#nextAnalysed <= t + this.#model.lookahead) this.#analyse(this.#nextAnalysed++);
      this.#nextSynthesised = t + 1;
      const from = Math.max(0, start - (t - 1) * hop);
      const to = Math.min(hop, end - (t - 1) * hop);
      this.#synthesise(t, out, (t - 1) * hop - start, from, to);
    }
  }

  #slot(frame: number): number {
    return frame % this.#spectra.length;
  }

  #analyse(t: number): void {
    const { fftSize, hopSize } = this;
    const input = this.#frameIn;
    const window = this.#window;
    const first = (t - 1) * hopSize;
    const left = this.#channels[0]!;
    const right = this.#channels[1];
    const from = Math.max(0, -first);
    const to = Math.min(fftSize, left.length - first);
    const spectrum = this.#spectra[this.#slot(t)]!;
    const features = this.#features;
    const { power, coherence } = features;
    if (to <= from) {
      spectrum.fill(0);
      power.fill(0);
      coherence.fill(1);
      this.#model.analyse(t, features);
      return;
    }
    input.fill(0);
    for (let n = from; n < to; n++) input[2 * n] = left[first + n]! * window[n]!;
    if (right) for (let n = from; n < to; n++) input[2 * n + 1] = right[first + n]! * window[n]!;
    this.#fft.transform(spectrum, input);
    const half = fftSize / 2;
    const bandOf = this.#bandOf;
    power.fill(0);
    if (!right) {
      for (let k = 0; k <= half; k++) {
        const a = spectrum[2 * k]!;
        const b = spectrum[2 * k + 1]!;
        const band = bandOf[k]!;
        power[band] = power[band]! + a * a + b * b;
      }
      coherence.fill(1);
    } else {
      // Z = L + iR: with Z[k] = a + ib and Z[N-k] = c + id, L[k] = ((a+c) + i(b-d)) / 2 and
      // R[k] = ((b+d) + i(c-a)) / 2, so |L|^2 + |R|^2 = (|Z[k]|^2 + |Z[N-k]|^2) / 2 and
      // Re(L conj R) = (ad + bc) / 2.
      const cross = this.#cross.fill(0);
      for (let k = 0; k <= half; k++) {
        const mirror = k === 0 ? 0 : fftSize - k;
        const a = spectrum[2 * k]!;
        const b = spectrum[2 * k + 1]!;
        const c = spectrum[2 * mirror]!;
        const d = spectrum[2 * mirror + 1]!;
        const band = bandOf[k]!;
        power[band] = power[band]! + 0.5 * (a * a + b * b + c * c + d * d);
        cross[band] = cross[band]! + a * d + b * c;
      }
      for (let band = 0; band < power.length; band++) {
        const p = power[band]!;
        coherence[band] = p > 0 ? cross[band]! / p : 1;
      }
    }
    this.#model.analyse(t, features);
  }

  /** Synthesises frame t and writes its first half, plus the last frame's tail, to out[o][c][at + from .. at + to). */
  #synthesise(t: number, out: readonly (readonly Float32Array[])[], at: number, from: number, to: number): void {
    const masks = this.#model.masks(t);
    const { fftSize, hopSize } = this;
    const spectrum = this.#spectra[this.#slot(t)]!;
    const input = this.#frameIn;
    const output = this.#frameOut;
    const window = this.#synthesisWindow;
    const bandOf = this.#bandOf;
    for (let o = 0; o < this.#outputs.length; o++) {
      const m = masks[this.#outputs[o]!]!;
      // The inverse FFT as the forward one on the conjugate: conj(FFT(conj(W))) = N IFFT(W).
      const dc = m[0]!;
      const nyquist = m[bandOf[hopSize]!]!;
      input[0] = dc * spectrum[0]!;
      input[1] = -dc * spectrum[1]!;
      input[fftSize] = nyquist * spectrum[fftSize]!;
      input[fftSize + 1] = -nyquist * spectrum[fftSize + 1]!;
      for (let k = 1, j = 2 * fftSize - 2; k < hopSize; k++, j -= 2) {
        const g = m[bandOf[k]!]!;
        input[2 * k] = g * spectrum[2 * k]!;
        input[2 * k + 1] = -g * spectrum[2 * k + 1]!;
        input[j] = g * spectrum[j]!;
        input[j + 1] = -g * spectrum[j + 1]!;
      }
      this.#fft.transform(output, input);
      // Left is the real part; right the imaginary part, negated by the conjugation.
      const [leftTail, rightTail] = this.#tails[o]!;
      const [left, right] = out[o]!;
      if (rightTail && right) {
        for (let n = from; n < to; n++) {
          const w = window[n]!;
          left![at + n] = leftTail![n]! + output[2 * n]! * w;
          right[at + n] = rightTail[n]! - output[2 * n + 1]! * w;
        }
        for (let n = 0, j = 2 * hopSize; n < hopSize; n++, j += 2) {
          const w = window[n + hopSize]!;
          leftTail![n] = output[j]! * w;
          rightTail[n] = -output[j + 1]! * w;
        }
      } else {
        for (let n = from; n < to; n++) left![at + n] = leftTail![n]! + output[2 * n]! * window[n]!;
        for (let n = 0; n < hopSize; n++) leftTail![n] = output[2 * (n + hopSize)]! * window[n + hopSize]!;
      }
    }
  }
}
