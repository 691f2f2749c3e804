// Periodicity of the onset curve: its autocorrelation, and a comb over the lags of a beat
// period and its multiples read off at any tempo in BPM. Global tempo and the local tempo
// curve are both picked from these.

import { RealDft } from '../../dsp/real-dft.ts';

/** Onset strength with its slow trend removed and negative values clipped. */
export function novelty(flux: Float32Array, frameRate: number): Float32Array {
  const n = flux.length;
  const out = new Float32Array(n);
  // A 0.5 s moving average is the trend: louder passages must not look periodic.
  const half = Math.max(1, Math.round(0.25 * frameRate));
  let sum = 0;
  let count = 0;
  for (let i = 0; i < Math.min(n, half); i++) {
    sum += flux[i]!;
    count++;
  }
  for (let t = 0; t < n; t++) {
    const entering = t + half;
    if (entering < n) {
      sum += flux[entering]!;
      count++;
    }
    const leaving = t - half - 1;
    if (leaving >= 0) {
      sum -= flux[leaving]!;
      count--;
    }
    out[t] = Math.max(0, flux[t]! - sum / count);
  }
  return out;
}

/**
 * Autocorrelation of `x` for lags 0..maxLag (through the FFT), each lag divided by the number of
 * products it sums so long lags are not penalised.
 */
export function autocorrelation(x: Float32Array, maxLag: number): Float64Array {
  return new Autocorrelator(x.length, maxLag).compute(x);
}

/**
 * Autocorrelation of many signals of one length (the windows of a tempogram): the FFT and its
 * buffers are made once.
 */
export class Autocorrelator {
  readonly #length: number;
  readonly #lags: number;
  readonly #fft: RealDft;
  readonly #re: Float64Array;
  readonly #im: Float64Array;
  readonly #full: Float64Array;

  constructor(length: number, maxLag: number) {
    this.#length = length;
    this.#lags = Math.max(0, Math.min(maxLag, length - 1) + 1);
    let size = 4;
    while (size < length + this.#lags) size *= 2;
    this.#fft = new RealDft(size);
    this.#re = new Float64Array(this.#fft.bins);
    this.#im = new Float64Array(this.#fft.bins);
    this.#full = new Float64Array(size);
  }

  /** `x` must have the length given to the constructor. */
  compute(x: Float32Array): Float64Array {
    const n = this.#length;
    const out = new Float64Array(this.#lags);
    if (n === 0) return out;
    const re = this.#re;
    const im = this.#im;
    this.#fft.forward(x, re, im);
    for (let k = 0; k < re.length; k++) {
      re[k] = re[k]! * re[k]! + im[k]! * im[k]!;
      im[k] = 0;
    }
    this.#fft.inverse(re, im, this.#full);
    for (let lag = 0; lag < out.length; lag++) out[lag] = this.#full[lag]! / (n - lag);
    return out;
  }
}

/** Linear interpolation of `values` at a fractional index (0 outside). */
export function sampleAt(values: ArrayLike<number>, index: number): number {
  const i = Math.floor(index);
  if (i < 0 || i + 1 >= values.length) return i === values.length - 1 ? values[i]! : 0;
  const frac = index - i;
  return values[i]! * (1 - frac) + values[i + 1]! * frac;
}

/** The autocorrelation's largest value within a frame of a fractional lag. */
function peakNear(acf: Float64Array, lag: number): number {
  let best = sampleAt(acf, lag);
  for (const offset of [-1, 1]) best = Math.max(best, sampleAt(acf, lag + offset));
  return best;
}

/**
 * Strength of a beat period `lagFrames`: the autocorrelation at the period and its first
 * multiples (a comb), relative to the lag-0 energy.
 */
export function combSalience(acf: Float64Array, lagFrames: number, teeth = 4): number {
  const energy = acf[0] ?? 0;
  if (energy <= 0) return 0;
  let sum = 0;
  let weights = 0;
  for (let k = 1; k <= teeth; k++) {
    const lag = k * lagFrames;
    if (lag + 1 >= acf.length) break;
    sum += peakNear(acf, lag);
    weights++;
  }
  return weights === 0 ? 0 : sum / weights / energy;
}

export interface TempoPeak {
  bpm: number;
  salience: number;
}

/** Comb salience at every `stepBpm` from `minBpm` to `maxBpm`. */
export function salienceCurve(
  acf: Float64Array,
  frameRate: number,
  minBpm: number,
  maxBpm: number,
  stepBpm: number,
): TempoPeak[] {
  const curve: TempoPeak[] = [];
  for (let bpm = minBpm; bpm <= maxBpm + 1e-9; bpm += stepBpm) {
    curve.push({ bpm, salience: combSalience(acf, (60 * frameRate) / bpm) });
  }
  return curve;
}

/** Local maxima of a salience curve, most salient first. */
export function salienceMaxima(curve: readonly TempoPeak[]): TempoPeak[] {
  const peaks: TempoPeak[] = [];
  for (let i = 1; i < curve.length - 1; i++) {
    const { salience } = curve[i]!;
    if (salience > curve[i - 1]!.salience && salience >= curve[i + 1]!.salience) peaks.push(curve[i]!);
  }
  return peaks.sort((a, b) => b.salience - a.salience);
}

/** The most salient tempo within `tolerance` (relative) of `bpm`. */
export function refineTempo(acf: Float64Array, frameRate: number, bpm: number, tolerance = 0.04): TempoPeak {
  let best: TempoPeak = { bpm, salience: combSalience(acf, (60 * frameRate) / bpm) };
  const step = bpm * 0.002;
  for (let candidate = bpm * (1 - tolerance); candidate <= bpm * (1 + tolerance); candidate += step) {
    const salience = combSalience(acf, (60 * frameRate) / candidate);
    if (salience > best.salience) best = { bpm: candidate, salience };
  }
  return best;
}
