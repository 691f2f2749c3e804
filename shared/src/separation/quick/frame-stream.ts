// Quick's own streaming STFT over one or two channels (dsp/stft.ts follows torch's conventions
// for the models; this one is built for throughput). Frames are analysed a few frames ahead of
// the one being masked (the harmonic medians need them), masked stems are synthesised and
// overlap-added, and finished samples leave one hop at a time, so memory never grows with the
// track. Two channels share one complex FFT (left + i right); a mask that is real and the same
// for both channels applies to that packed spectrum directly, so each stem costs one inverse
// FFT. A stem whose mask is zero above a low bin (bass) is synthesised at a fraction of the
// rate with a small FFT and interpolated back: it costs a few percent of a full one.

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
  /**
   * Per mask, how many leading bands can be non-zero (the rest are always zero); a low count
   * lets the stream synthesise that mask's stem at a lower rate.
   */
  readonly bandLimits: readonly number[];
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

/** Lagrange cubic through the decimated samples at -1, 0, 1, 2: -54 dB error at 1/10 of their rate. */
function lagrangeWeights(ratio: number): Float64Array[] {
  const points = [-1, 0, 1, 2];
  return points.map((xi, i) =>
    Float64Array.from({ length: ratio }, (_, r) =>
      points.reduce((w, xj, j) => (j === i ? w : (w * (r / ratio - xj)) / (xi - xj)), 1),
    ),
  );
}

/** A band-limited output synthesised every `ratio`-th sample and interpolated. */
interface LimitedOutput {
  output: number;
  mask: number;
  /** Bins 0 .. bins - 1 may be non-zero. */
  bins: number;
  ratio: number;
  fft: FFT;
  frameIn: Float64Array;
  frameOut: Float64Array;
  /** The synthesis window at the decimated points, with the full inverse FFT's 1 / N. */
  window: Float64Array;
  /** Per channel: overlap-added decimated samples, position p at p mod length (4 decimated hops). */
  rings: Float64Array[];
  weights: Float64Array[];
}

export class FrameStream {
  readonly fftSize: number;
  readonly hopSize: number;
  readonly bins: number;
  readonly #channels: readonly Float32Array[];
  readonly #model: MaskModel;
  readonly #bandOf: Int32Array;
  readonly #fft: FFT;
  /** sqrt of a periodic Hann, in and out: their product overlap-adds to exactly 1 at half overlap. */
  readonly #window: Float64Array;
  /** The same with the inverse FFT's 1 / N folded in. */
  readonly #synthesisWindow: Float64Array;
  readonly #frameIn: Float64Array;
  readonly #frameOut: Float64Array;
  /** Ring of packed spectra (interleaved re/im, fftSize complex values), lookahead + 2 frames. */
  readonly #spectra: Float64Array[];
  readonly #features: FrameFeatures;
  readonly #cross: Float64Array;
  /** Full-rate outputs: output index, mask index, and per channel the windowed second half of the last frame. */
  readonly #full: { output: number; mask: number; tails: Float64Array[] }[];
  readonly #limited: LimitedOutput[];
  /** The full-rate outputs' masks of the next two frames (frame f in slot f mod 2). */
  readonly #savedMasks: Float32Array[][];
  #nextAnalysed = 0;
  #nextMasked = 0;
  #nextSynthesised = 0;

  constructor(channels: readonly Float32Array[], { fftSize, outputs, model, bands }: FrameStreamOptions) {
    if (channels.length < 1 || channels.length > 2) throw new RangeError('a frame stream takes one or two channels');
    if (!Number.isInteger(Math.log2(fftSize)) || fftSize < 16)
      throw new RangeError('the FFT size must be a power of two');
    const hop = fftSize / 2;
    this.fftSize = fftSize;
    this.hopSize = hop;
    this.bins = hop + 1;
    this.#channels = channels;
    this.#model = model;
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
    this.#spectra = Array.from({ length: model.lookahead + 2 }, () => new Float64Array(2 * fftSize));
    this.#features = { power: new Float32Array(bands.count), coherence: new Float32Array(bands.count) };
    this.#cross = new Float64Array(bands.count);
    this.#full = [];
    this.#limited = [];
    outputs.forEach((mask, output) => {
      const limit = model.bandLimits[mask] ?? bands.count;
      const bins = limit >= bands.count ? this.bins : bands.bandOf.indexOf(limit);
      // The decimated frame must hold the band 16 times over for the interpolation to be exact
      // to about -54 dB (see lagrangeWeights).
      const size = 2 ** Math.ceil(Math.log2(16 * bins));
      if (size * 4 > fftSize) {
        this.#full.push({ output, mask, tails: channels.map(() => new Float64Array(hop)) });
        return;
      }
      const ratio = fftSize / size;
      this.#limited.push({
        output,
        mask,
        bins,
        ratio,
        fft: new FFT(size),
        frameIn: new Float64Array(2 * size),
        frameOut: new Float64Array(2 * size),
        window: Float64Array.from({ length: size }, (_, j) => this.#synthesisWindow[j * ratio]!),
        rings: channels.map(() => new Float64Array(2 * size)),
        weights: lagrangeWeights(ratio),
      });
    });
    this.#savedMasks = [0, 1].map(() => this.#full.map(() => new Float32Array(bands.count)));
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
      // Band-limited outputs run one frame ahead: interpolating a hop needs samples past it.
      while (this.#nextMasked <= t + 1) this.#mask(this.#nextMasked++);
      this.#nextSynthesised = t + 1;
      const at = (t - 1) * hop - start;
      const from = Math.max(0, -at);
      const to = Math.min(hop, end - start - at);
      this.#synthesise(t, out, at, from, to);
      for (const limited of this.#limited) this.#interpolate(limited, t - 1, out[limited.output]!, at, from, to);
    }
  }

  #slot(frame: number): number {
    return frame % this.#spectra.length;
  }

  #mask(frame: number): void {
    while (this.#nextAnalysed <= frame + this.#model.lookahead) this.#analyse(this.#nextAnalysed++);
    const masks = this.#model.masks(frame);
    const saved = this.#savedMasks[frame % 2]!;
    this.#full.forEach(({ mask }, i) => saved[i]!.set(masks[mask]!));
    for (const limited of this.#limited) this.#synthesiseLimited(limited, frame, masks[limited.mask]!);
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
    if (from > 0) input.fill(0, 0, 2 * from);
    if (to < fftSize) input.fill(0, 2 * to);
    if (right) {
      for (let n = from; n < to; n++) {
        const w = window[n]!;
        input[2 * n] = left[first + n]! * w;
        input[2 * n + 1] = right[first + n]! * w;
      }
    } else {
      for (let n = from; n < to; n++) {
        input[2 * n] = left[first + n]! * window[n]!;
        input[2 * n + 1] = 0;
      }
    }
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
      // DC is its own mirror, and band 0 holds only DC.
      power[0] = spectrum[0]! ** 2 + spectrum[1]! ** 2;
      cross[0] = 2 * spectrum[0]! * spectrum[1]!;
      for (let k = 1, mirror = 2 * fftSize - 2; k <= half; k++, mirror -= 2) {
        const a = spectrum[2 * k]!;
        const b = spectrum[2 * k + 1]!;
        const c = spectrum[mirror]!;
        const d = spectrum[mirror + 1]!;
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
    const { fftSize, hopSize } = this;
    const spectrum = this.#spectra[this.#slot(t)]!;
    const input = this.#frameIn;
    const output = this.#frameOut;
    const window = this.#synthesisWindow;
    const bandOf = this.#bandOf;
    const saved = this.#savedMasks[t % 2]!;
    for (let i = 0; i < this.#full.length; i++) {
      const m = saved[i]!;
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
      const { output: o, tails } = this.#full[i]!;
      const [leftTail, rightTail] = tails;
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

  /**
   * Frame t of a band-limited output at every `ratio`-th sample: with no bins at or above
   * size / 2, the small inverse FFT gives exactly the full one's samples there.
   */
  #synthesiseLimited(limited: LimitedOutput, t: number, m: Float32Array): void {
    const { fftSize } = this;
    const { bins, fft, frameIn: input, frameOut: output, window, rings } = limited;
    const size = input.length / 2;
    const spectrum = this.#spectra[this.#slot(t)]!;
    const bandOf = this.#bandOf;
    input[0] = m[0]! * spectrum[0]!;
    input[1] = -m[0]! * spectrum[1]!;
    for (let k = 1, j = 2 * size - 2, mirror = 2 * fftSize - 2; k < bins; k++, j -= 2, mirror -= 2) {
      const g = m[bandOf[k]!]!;
      input[2 * k] = g * spectrum[2 * k]!;
      input[2 * k + 1] = -g * spectrum[2 * k + 1]!;
      input[j] = g * spectrum[mirror]!;
      input[j + 1] = -g * spectrum[mirror + 1]!;
    }
    fft.transform(output, input);
    // Frame t covers decimated positions [(t - 1) size / 2, (t + 1) size / 2). The ring holds 4
    // decimated hops; the hop this frame reaches first has held nothing since 4 hops ago.
    const ringSize = 2 * size;
    const first = (t - 1) * (size / 2) + 2 * ringSize;
    const [leftRing, rightRing] = rings;
    for (let j = size / 2; j < size; j++) {
      const p = (first + j) % ringSize;
      leftRing![p] = 0;
      if (rightRing) rightRing[p] = 0;
    }
    for (let j = 0; j < size; j++) {
      const p = (first + j) % ringSize;
      leftRing![p] = leftRing![p]! + output[2 * j]! * window[j]!;
      if (rightRing) rightRing[p] = rightRing[p]! - output[2 * j + 1]! * window[j]!;
    }
  }

  /** Writes hop `hop` of a band-limited output, interpolated from its decimated samples. */
  #interpolate(
    limited: LimitedOutput,
    hop: number,
    out: readonly Float32Array[],
    at: number,
    from: number,
    to: number,
  ) {
    const { ratio, rings, weights } = limited;
    const [w0, w1, w2, w3] = weights as [Float64Array, Float64Array, Float64Array, Float64Array];
    const ringSize = rings[0]!.length;
    const base = hop * this.hopSize;
    rings.forEach((ring, c) => {
      const target = out[c]!;
      for (let n = from; n < to;) {
        const position = base + n;
        const j = Math.floor(position / ratio);
        const offset = j * ratio - base;
        const xm = ring[(j - 1 + 2 * ringSize) % ringSize]!;
        const x0 = ring[(j + 2 * ringSize) % ringSize]!;
        const x1 = ring[(j + 1 + 2 * ringSize) % ringSize]!;
        const x2 = ring[(j + 2 + 2 * ringSize) % ringSize]!;
        const stop = Math.min(to, offset + ratio);
        for (let r = n - offset; n < stop; n++, r++) {
          target[at + n] = w0[r]! * xm + w1[r]! * x0 + w2[r]! * x1 + w3[r]! * x2;
        }
      }
    });
  }
}
