// Spectral peaks of the decimated track: the one spectral pass that tuning and chroma share.
// A peak is a local maximum that stands well above the local spectral envelope, so that noise,
// drums and the skirts of louder partials do not count as notes.

import { RealDft } from '../../dsp/real-dft.ts';

export interface PeakOptions {
  /** Lowest and highest peak frequency kept, Hz. */
  minHz: number;
  maxHz: number;
  /** Analysis window: the smallest power of two at least this long, seconds. */
  windowSec: number;
  /** Step between frames as a fraction of the window (1 = no overlap). */
  hopFraction: number;
  /** A peak must stand this far above the local envelope (mean log power over ±2 semitones). */
  prominenceDb: number;
  /** And no further than this below the loudest bin of its frame. */
  rangeDb: number;
  /** And above this level (relative to a full-scale sine), so dither never counts. */
  floorDb: number;
}

export const DEFAULT_PEAK_OPTIONS: PeakOptions = {
  minHz: 50,
  maxHz: 2100,
  windowSec: 0.6,
  hopFraction: 0.5,
  prominenceDb: 15,
  rangeDb: 60,
  floorDb: -100,
};

/** Peaks of all frames, flat: frame f holds indices frameStart[f] .. frameStart[f + 1] - 1. */
export interface SpectralPeaks {
  frameCount: number;
  /** Frames with anything above the level floor in the analysed band (not silence). */
  soundingFrames: number;
  frameStart: Uint32Array;
  frequencyHz: Float64Array;
  /** Level of the peak, dB relative to a full-scale sine. */
  levelDb: Float32Array;
}

const LN_TO_DB = 10 / Math.LN10;

/** Turns frames of a mono signal into spectral peaks, one frame per call. */
export class PeakPicker {
  readonly fftSize: number;
  readonly hopSize: number;
  readonly frameCount: number;
  readonly #samples: Float32Array;
  readonly #sampleRate: number;
  readonly #options: PeakOptions;
  readonly #fft: RealDft;
  readonly #re: Float64Array;
  readonly #im: Float64Array;
  /** Log power per bin (natural log), then its running sum for the envelope. */
  readonly #logPower: Float64Array;
  readonly #cumulative: Float64Array;
  readonly #firstBin: number;
  readonly #lastBin: number;
  /** Envelope half-width per bin, bins. */
  readonly #halfWidth: Int32Array;
  readonly #frequencies: number[] = [];
  readonly #levels: number[] = [];
  readonly #frameStart: number[] = [0];
  #soundingFrames = 0;

  constructor(samples: Float32Array, sampleRate: number, options: PeakOptions = DEFAULT_PEAK_OPTIONS) {
    this.#samples = samples;
    this.#sampleRate = sampleRate;
    this.#options = options;
    this.fftSize = 2 ** Math.max(2, Math.ceil(Math.log2(options.windowSec * sampleRate)));
    this.hopSize = Math.max(1, Math.round(this.fftSize * options.hopFraction));
    this.frameCount =
      samples.length === 0 ? 0 : Math.max(1, Math.ceil((samples.length - this.fftSize) / this.hopSize) + 1);
    this.#fft = new RealDft(this.fftSize);
    const n = this.fftSize;
    this.#re = new Float64Array(n / 2 + 1);
    this.#im = new Float64Array(n / 2 + 1);
    this.#logPower = new Float64Array(n / 2 + 1);
    this.#cumulative = new Float64Array(n / 2 + 2);
    const binHz = sampleRate / n;
    this.#firstBin = Math.max(2, Math.ceil(options.minHz / binHz));
    this.#lastBin = Math.min(n / 2 - 2, Math.floor(Math.min(options.maxHz, 0.45 * sampleRate) / binHz));
    const twoSemitones = 2 ** (2 / 12) - 1;
    this.#halfWidth = Int32Array.from({ length: n / 2 + 1 }, (_, k) => Math.max(3, Math.round(k * twoSemitones)));
  }

  /** Analyses frame `index` (0 .. frameCount - 1); call in order. */
  pickFrame(index: number): void {
    this.pickFrameAt(index * this.hopSize);
  }

  /** Analyses one window starting at sample `start` and appends it as the next frame. */
  pickFrameAt(start: number): void {
    const n = this.fftSize;
    // RealDft zero-pads a short input, so the last frame needs no copy.
    this.#fft.forward(this.#samples.subarray(start, start + n), this.#re, this.#im);

    const re = this.#re;
    const im = this.#im;
    const logPower = this.#logPower;
    const cumulative = this.#cumulative;
    const halfWidth = this.#halfWidth;
    const firstBin = this.#firstBin;
    const lastBin = this.#lastBin;
    // Log power (and its running sum, for the envelope) only where a peak or its envelope may lie.
    const low = Math.max(1, firstBin - halfWidth[firstBin]!);
    const high = Math.min(n / 2 - 1, lastBin + halfWidth[lastBin]!);
    // A full-scale sine peaks at n / 4 in magnitude under a Hann window.
    const reference = (n / 4) ** 2;
    const tiny = reference * 1e-20;
    let loudest = -Infinity;
    cumulative[low] = 0;
    for (let k = low; k <= high; k++) {
      // The Hann window applied in the frequency domain, where it is a three-tap kernel:
      // cheaper than windowing every sample when only these bins are needed.
      const windowedRe = 0.5 * re[k]! - 0.25 * (re[k - 1]! + re[k + 1]!);
      const windowedIm = 0.5 * im[k]! - 0.25 * (im[k - 1]! + im[k + 1]!);
      const value = Math.log((windowedRe * windowedRe + windowedIm * windowedIm + tiny) / reference);
      logPower[k] = value;
      cumulative[k + 1] = cumulative[k]! + value;
      if (value > loudest && k >= firstBin && k <= lastBin) loudest = value;
    }
    const { prominenceDb, rangeDb, floorDb } = this.#options;
    if (loudest * LN_TO_DB > floorDb) this.#soundingFrames++;
    const minLog = Math.max(floorDb, loudest * LN_TO_DB - rangeDb) / LN_TO_DB;
    const minProminence = prominenceDb / LN_TO_DB;
    const binHz = this.#sampleRate / n;
    for (let k = firstBin; k <= lastBin; k++) {
      const centre = logPower[k]!;
      if (centre < minLog) continue;
      const before = logPower[k - 1]!;
      const after = logPower[k + 1]!;
      if (!(centre > before && centre >= after)) continue;
      const half = halfWidth[k]!;
      const from = Math.max(low, k - half);
      const to = Math.min(high, k + half);
      const envelope = (cumulative[to + 1]! - cumulative[from]!) / (to - from + 1);
      if (centre - envelope < minProminence) continue;
      // A Hann main lobe is close to a Gaussian, whose log is a parabola: fit one to three bins.
      const curvature = before - 2 * centre + after;
      const offset = curvature < 0 ? (0.5 * (before - after)) / curvature : 0;
      this.#frequencies.push((k + offset) * binHz);
      this.#levels.push((centre - 0.25 * (before - after) * offset) * LN_TO_DB);
    }
    this.#frameStart.push(this.#frequencies.length);
  }

  /** The peaks of the frames analysed so far. */
  result(): SpectralPeaks {
    return {
      frameCount: this.#frameStart.length - 1,
      soundingFrames: this.#soundingFrames,
      frameStart: Uint32Array.from(this.#frameStart),
      frequencyHz: Float64Array.from(this.#frequencies),
      levelDb: Float32Array.from(this.#levels),
    };
  }
}
