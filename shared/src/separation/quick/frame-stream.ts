// Quick's own streaming STFT over one or two channels (dsp/stft.ts follows torch's conventions
// for the models; this one is built for throughput). Frames are analysed a few frames ahead of
// the one being masked (the harmonic medians need them), masked stems are synthesised and
// overlap-added, and finished samples leave one hop at a time, so memory never grows with the
// track.
//
// Every inverse FFT carries two real signals, one in its real part and one in its imaginary
// part: a 'stereo' stem is a real mask on both channels (left + i right share the forward FFT,
// and the mask applies to that packed spectrum directly); a 'mid' pair is two stems made from
// the centre channel (L + R) / 2 alone, such as vocals and bass, which are centre-panned.
// That packing needs a complex transform: fft.js's radix-4 one, measured as fast here as
// dsp/complex-fft.ts on Quick's power-of-two sizes.

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

/** One inverse FFT: a stereo stem, or one or two stems of the centre channel (in every output channel). */
export type Synthesis =
  { kind: 'stereo'; mask: number } | { kind: 'mid'; masks: readonly [number] | readonly [number, number] };

export interface FrameStreamOptions {
  /** A power of two; the hop is half of it. */
  fftSize: number;
  syntheses: readonly Synthesis[];
  model: MaskModel;
  bands: BandLayout;
}

/** Output arrays by mask index: one per channel of the stream, written from index 0. */
export type StreamOutput = readonly (readonly Float32Array[] | undefined)[];

export class FrameStream {
  readonly fftSize: number;
  readonly hopSize: number;
  readonly #channels: readonly Float32Array[];
  readonly #model: MaskModel;
  readonly #bandOf: Int32Array;
  readonly #syntheses: readonly Synthesis[];
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
  /** Per synthesis: the windowed second halves of the last frame's real and imaginary parts. */
  readonly #tails: [Float64Array, Float64Array][];
  #nextAnalysed = 0;
  #nextSynthesised = 0;

  constructor(channels: readonly Float32Array[], { fftSize, syntheses, model, bands }: FrameStreamOptions) {
    if (channels.length < 1 || channels.length > 2) throw new RangeError('a frame stream takes one or two channels');
    if (!Number.isInteger(Math.log2(fftSize)) || fftSize < 16)
      throw new RangeError('the FFT size must be a power of two');
    const hop = fftSize / 2;
    this.fftSize = fftSize;
    this.hopSize = hop;
    this.#channels = channels;
    this.#model = model;
    this.#bandOf = bands.bandOf;
    this.#syntheses = syntheses;
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
    this.#tails = syntheses.map(() => [new Float64Array(hop), new Float64Array(hop)]);
  }

  /**
   * Writes output samples [start, end) of every synthesised mask to `out[mask][channel]` from
   * index 0. Calls must ask for consecutive ranges whose ends are multiples of the hop, except an
   * `end` at the track's length.
   */
  render(start: number, end: number, out: StreamOutput): void {
    const hop = this.hopSize;
    // Frame t covers [(t - 1) hop, (t + 1) hop): its first half completes hop t - 1. Frame 0
    // completes nothing but leaves the tail that frame 1 completes.
    for (let t = Math.floor(start / hop); (t - 1) * hop < end; t++) {
      if (t < this.#nextSynthesised) continue;
      while (this.#nextAnalysed <= t + this.#model.lookahead) this.#analyse(this.#nextAnalysed++);
      this.#nextSynthesised = t + 1;
      const at = (t - 1) * hop - start;
      this.#synthesise(t, out, at, Math.max(0, -at), Math.min(hop, end - start - at));
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

  /** Synthesises frame t and writes its first half plus the last frame's tail to out[...][at + from .. at + to). */
  #synthesise(t: number, out: StreamOutput, at: number, from: number, to: number): void {
    const masks = this.#model.masks(t);
    const spectrum = this.#spectra[this.#slot(t)]!;
    const output = this.#frameOut;
    const stereo = this.#channels.length === 2;
    for (let s = 0; s < this.#syntheses.length; s++) {
      const synthesis = this.#syntheses[s]!;
      let re: readonly Float32Array[] | undefined;
      let im: readonly Float32Array[] | undefined;
      if (synthesis.kind === 'stereo') {
        this.#maskStereo(spectrum, masks[synthesis.mask]!);
        // Left is the real part, right the imaginary part; mono has only the real part.
        const target = out[synthesis.mask]!;
        re = [target[0]!];
        im = stereo ? [target[1]!] : undefined;
      } else {
        const [a, b] = synthesis.masks;
        if (stereo) this.#maskMid(spectrum, masks[a]!, b === undefined ? undefined : masks[b]!);
        else this.#maskMono(spectrum, masks[a]!, b === undefined ? undefined : masks[b]!);
        re = out[a];
        im = b === undefined ? undefined : out[b];
      }
      this.#fft.transform(output, this.#frameIn);
      this.#overlapAdd(this.#tails[s]!, re, im, at, from, to);
    }
  }

  /**
   * The input of the inverse FFT of mask m on the packed spectrum, conjugated: the forward FFT
   * of conj(W) is N conj(IFFT(W)), so the imaginary output comes out negated.
   */
  #maskStereo(spectrum: Float64Array, m: Float32Array): void {
    const { fftSize, hopSize } = this;
    const input = this.#frameIn;
    const bandOf = this.#bandOf;
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
  }

  /**
   * The same for two real signals from the mid channel: W[k] = (ma + i mb) M[k] and
   * W[N-k] = (ma + i mb) conj(M[k]), with M = (L + R) / 2 = ((a+c+b+d) + i(b-d+c-a)) / 4 from the
   * packed spectrum (see #analyse).
   */
  #maskMid(spectrum: Float64Array, ma: Float32Array, mb: Float32Array | undefined): void {
    const { fftSize, hopSize } = this;
    const input = this.#frameIn;
    const bandOf = this.#bandOf;
    for (let k = 0; k <= hopSize; k++) {
      const mirror = k === 0 ? 0 : 2 * (fftSize - k);
      const a = spectrum[2 * k]!;
      const b = spectrum[2 * k + 1]!;
      const c = spectrum[mirror]!;
      const d = spectrum[mirror + 1]!;
      const mr = 0.25 * (a + c + b + d);
      const mi = 0.25 * (b - d + c - a);
      const band = bandOf[k]!;
      const ga = ma[band]!;
      const gb = mb ? mb[band]! : 0;
      // (ga + i gb)(mr + i mi), conjugated; and the same with conj(M) at N - k.
      input[2 * k] = ga * mr - gb * mi;
      input[2 * k + 1] = -(ga * mi + gb * mr);
      if (k > 0 && k < hopSize) {
        input[mirror] = ga * mr + gb * mi;
        input[mirror + 1] = -(gb * mr - ga * mi);
      }
    }
  }

  /** The mid pair for a mono stream, whose spectrum is the channel's own (M = X). */
  #maskMono(spectrum: Float64Array, ma: Float32Array, mb: Float32Array | undefined): void {
    const { fftSize, hopSize } = this;
    const input = this.#frameIn;
    const bandOf = this.#bandOf;
    for (let k = 0; k <= hopSize; k++) {
      const mirror = k === 0 ? 0 : 2 * (fftSize - k);
      const mr = spectrum[2 * k]!;
      const mi = spectrum[2 * k + 1]!;
      const band = bandOf[k]!;
      const ga = ma[band]!;
      const gb = mb ? mb[band]! : 0;
      input[2 * k] = ga * mr - gb * mi;
      input[2 * k + 1] = -(ga * mi + gb * mr);
      if (k > 0 && k < hopSize) {
        input[mirror] = ga * mr + gb * mi;
        input[mirror + 1] = -(gb * mr - ga * mi);
      }
    }
  }

  /**
   * Adds the windowed first half of the inverse FFT's output to the last frame's tail and writes
   * it: the real part to every array of `re`, the imaginary part (negated back) to every array of
   * `im`. Keeps the second half as the next tail.
   */
  #overlapAdd(
    tails: [Float64Array, Float64Array],
    re: readonly Float32Array[] | undefined,
    im: readonly Float32Array[] | undefined,
    at: number,
    from: number,
    to: number,
  ): void {
    const hop = this.hopSize;
    const output = this.#frameOut;
    const window = this.#synthesisWindow;
    const [reTail, imTail] = tails;
    const [re0, re1] = re ?? [];
    const [im0, im1] = im ?? [];
    // One loop per layout: a test per sample for absent outputs would cost as much as the writes.
    if (re0 && re1 && im0 && im1) {
      for (let n = from; n < to; n++) {
        const w = window[n]!;
        const x = reTail[n]! + output[2 * n]! * w;
        const y = imTail[n]! - output[2 * n + 1]! * w;
        re0[at + n] = x;
        re1[at + n] = x;
        im0[at + n] = y;
        im1[at + n] = y;
      }
    } else if (re0 && im0 && !re1 && !im1) {
      for (let n = from; n < to; n++) {
        const w = window[n]!;
        re0[at + n] = reTail[n]! + output[2 * n]! * w;
        im0[at + n] = imTail[n]! - output[2 * n + 1]! * w;
      }
    } else {
      for (let n = from; n < to; n++) {
        const w = window[n]!;
        const x = reTail[n]! + output[2 * n]! * w;
        const y = imTail[n]! - output[2 * n + 1]! * w;
        if (re0) re0[at + n] = x;
        if (re1) re1[at + n] = x;
        if (im0) im0[at + n] = y;
        if (im1) im1[at + n] = y;
      }
    }
    for (let n = 0, j = 2 * hop; n < hop; n++, j += 2) {
      const w = window[n + hop]!;
      reTail[n] = output[j]! * w;
      imTail[n] = -output[j + 1]! * w;
    }
  }
}
