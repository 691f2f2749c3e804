// How Quick shares each time-frequency band among the four stems. Harmonic/percussive
// separation by median filtering (Fitzgerald 2010): a band's harmonic estimate is its median over
// time (0.2 s; 0.6 s below 150 Hz, where a kick rings longer than a hop but not than a bass
// line), its percussive estimate the median across neighbouring bands, and the soft mask their
// Wiener ratio; percussive energy is drums. Medians are nested medians of three (Tukey's
// ninther), which track true medians closely at a fraction of the cost. Harmonic energy is split
// by frequency and stereo position: below a smooth crossover it is bass; centre-panned energy
// (high L/R coherence) in the vocal range is vocals; the rest is other. The masks sum to one in
// every band; the stream takes vocals and bass from the centre channel only.

import type { BandLayout } from './bands.ts';
import type { FrameFeatures, MaskModel } from './frame-stream.ts';

export interface QuickTuning {
  /** Bass takes harmonic energy below bassLowHz, none above bassHighHz, a smooth step between. */
  bassLowHz: number;
  bassHighHz: number;
  /** Vocals rise over the octave above vocalLowHz and fall from vocalHighHz to vocalTopHz. */
  vocalLowHz: number;
  vocalHighHz: number;
  vocalTopHz: number;
  /** Stereo coherence (1 = centred) below which nothing is vocals; full vocals at 1. */
  centreFloor: number;
  /** The centre weight for mono input, which has no stereo cue. */
  monoCentre: number;
  /** Bands below this take the long harmonic median (27 frames, 0.6 s), which tells kick from bass. */
  longBelowHz: number;
  /** Above this, power is dilated across neighbouring bands before the time median, so partials with vibrato stay harmonic. */
  dilateFromHz: number;
  /** Spacing of the outer median of three across frequency, bands (span 3 * stride). */
  freqStride: number;
  /**
   * Below this, the percussive estimate is at most the power's excess over the harmonic one:
   * dense bass harmonics fill the frequency median as a drum hit would, but a sustained note
   * does not rise above its own time median.
   */
  excessBelowHz: number;
}

/** Tuned on corpus seed 2 (24 songs of 20 s); the tests and benchmark score seed 1. */
export const DEFAULT_TUNING: QuickTuning = {
  bassLowHz: 150,
  bassHighHz: 250,
  vocalLowHz: 200,
  vocalHighHz: 10_000,
  vocalTopHz: 16_000,
  centreFloor: 0.8,
  monoCentre: 0.8,
  longBelowHz: 150,
  dilateFromHz: 500,
  freqStride: 4,
  excessBelowHz: 300,
};

function smoothStep(x: number): number {
  const u = x < 0 ? 0 : x > 1 ? 1 : x;
  return u * u * (3 - 2 * u);
}

// The medians run on the bit patterns of the float32 powers: for non-negative floats they order
// as int32 do, and int32 min and max have a branch-free form. Comparing the floats instead costs
// a mispredicted branch per comparison, which made these medians 7 times slower.

/** Median of three non-negative float32 bit patterns. */
function med3(a: number, b: number, c: number): number {
  const d = (a - b) | 0;
  const m = d & (d >> 31);
  const lo = (b + m) | 0;
  const hi = (a - m) | 0;
  const e = (hi - c) | 0;
  const t = (c + (e & (e >> 31))) | 0;
  const f = (lo - t) | 0;
  return (lo - (f & (f >> 31))) | 0;
}

/** Largest of three non-negative float32 bit patterns. */
function max3(a: number, b: number, c: number): number {
  const d = (a - b) | 0;
  const ab = (a - (d & (d >> 31))) | 0;
  const e = (ab - c) | 0;
  return (ab - (e & (e >> 31))) | 0;
}

/** Rows of float32 values, by frame, with int32 views of the same memory. */
class Ring {
  readonly #floats: Float32Array[];
  readonly #bits: Int32Array[];
  constructor(size: number, bands: number) {
    this.#floats = Array.from({ length: size }, () => new Float32Array(bands));
    this.#bits = this.#floats.map((row) => new Int32Array(row.buffer));
  }
  /** The row of frame `frame` (frames are never below -2 * size). */
  at(frame: number): Float32Array {
    const n = this.#floats.length;
    return this.#floats[(frame + 2 * n) % n]!;
  }
  bits(frame: number): Int32Array {
    const n = this.#bits.length;
    return this.#bits[(frame + 2 * n) % n]!;
  }
}

/** smoothStep((coherence - floor) / (1 - floor)) at coherence = -1 + 2 i / COHERENCE_STEPS. */
const COHERENCE_STEPS = 1024;

/** Masks in the order vocals, drums, bass, other (QUICK_STEMS). */
export class QuickMaskModel implements MaskModel {
  readonly lookahead: number;
  readonly #bands: number;
  readonly #mono: boolean;
  readonly #monoCentre: number;
  readonly #freqStride: number;
  /** Per band: the bass share of harmonic energy, and the vocal share of what is left times the vocal range. */
  readonly #bassShare: Float32Array;
  readonly #vocalShare: Float32Array;
  /** Bands below these take the long harmonic median, and are not dilated. */
  readonly #longBands: number;
  readonly #excessBands: number;
  readonly #dilateFrom: number;
  readonly #power: Ring;
  readonly #coherence: Ring;
  readonly #dilated: Ring;
  /** Medians of three over time, nested: level 1 over frames t-1..t+1, level 2 over level 1 at t-3, t, t+3. */
  readonly #level1: Ring;
  readonly #level2: Ring;
  readonly #percussive: Ring;
  readonly #freqMedian3: Int32Array;
  readonly #harmonic: Float32Array;
  readonly #harmonicBits: Int32Array;
  /** The centre weight by coherence, tabulated (see COHERENCE_STEPS), one spare entry for rounding. */
  readonly #centreOf: Float32Array;
  readonly #masks: Float32Array[];

  constructor(layout: BandLayout, tuning: QuickTuning, mono: boolean) {
    const bands = layout.count;
    this.#bands = bands;
    this.#mono = mono;
    this.#monoCentre = tuning.monoCentre;
    this.#freqStride = Math.min(tuning.freqStride, bands - 1);
    const firstAbove = (hz: number) => {
      const index = layout.centreHz.findIndex((f) => f >= hz);
      return index < 0 ? bands : index;
    };
    this.#longBands = firstAbove(tuning.longBelowHz);
    this.#excessBands = firstAbove(tuning.excessBelowHz);
    this.#dilateFrom = Math.max(1, firstAbove(tuning.dilateFromHz));
    // Level 2 spans t-4..t+4; level 3, for the long bands, three level-2 values 9 apart: t-13..t+13.
    this.lookahead = this.#longBands > 0 ? 13 : 4;
    this.#bassShare = new Float32Array(bands);
    this.#vocalShare = new Float32Array(bands);
    for (let k = 0; k < bands; k++) {
      const f = layout.centreHz[k]!;
      const low =
        k === 0 ? 1 : 1 - smoothStep(Math.log(f / tuning.bassLowHz) / Math.log(tuning.bassHighHz / tuning.bassLowHz));
      const rise = smoothStep(Math.log(f / tuning.vocalLowHz) / Math.log(2));
      const fall = 1 - smoothStep(Math.log(f / tuning.vocalHighHz) / Math.log(tuning.vocalTopHz / tuning.vocalHighHz));
      this.#bassShare[k] = low;
      this.#vocalShare[k] = k === 0 ? 0 : (1 - low) * rise * fall;
    }
    this.#power = new Ring(this.lookahead + 1, bands);
    this.#coherence = new Ring(this.lookahead + 1, bands);
    this.#percussive = new Ring(this.lookahead + 1, bands);
    this.#dilated = new Ring(3, bands);
    this.#level1 = new Ring(8, bands);
    this.#level2 = new Ring(this.lookahead + 10, bands);
    this.#freqMedian3 = new Int32Array(bands);
    this.#harmonic = new Float32Array(bands);
    this.#harmonicBits = new Int32Array(this.#harmonic.buffer);
    this.#centreOf = Float32Array.from({ length: COHERENCE_STEPS + 2 }, (_, i) =>
      smoothStep((-1 + (2 * i) / COHERENCE_STEPS - tuning.centreFloor) / (1 - tuning.centreFloor)),
    );
    this.#masks = Array.from({ length: 4 }, () => new Float32Array(bands));
  }

  analyse(frame: number, features: FrameFeatures): void {
    const bands = this.#bands;
    this.#power.at(frame).set(features.power);
    this.#coherence.at(frame).set(features.coherence);
    const power = this.#power.bits(frame);
    const dilated = this.#dilated.bits(frame);
    const dilateFrom = this.#dilateFrom;
    for (let k = 0; k < dilateFrom; k++) dilated[k] = power[k]!;
    for (let k = dilateFrom; k < bands - 1; k++) dilated[k] = max3(power[k - 1]!, power[k]!, power[k + 1]!);
    if (dilateFrom < bands) dilated[bands - 1] = max3(power[bands - 2]!, power[bands - 1]!, 0);

    // Level 1 of frame - 1 is now complete, and with it level 2 of frame - 4.
    const before = this.#dilated.bits(frame - 2);
    const previous = this.#dilated.bits(frame - 1);
    const level1 = this.#level1.bits(frame - 1);
    const early = this.#level1.bits(frame - 7);
    const middle = this.#level1.bits(frame - 4);
    const level2 = this.#level2.bits(frame - 4);
    for (let k = 0; k < bands; k++) {
      const l1 = med3(before[k]!, previous[k]!, dilated[k]!);
      level1[k] = l1;
      level2[k] = med3(early[k]!, middle[k]!, l1);
    }

    // Percussive estimate: a median of three of medians of three across frequency, mirrored at the ends.
    const f3 = this.#freqMedian3;
    f3[0] = power[0]!;
    for (let k = 1; k < bands - 1; k++) f3[k] = med3(power[k - 1]!, power[k]!, power[k + 1]!);
    f3[bands - 1] = power[bands - 1]!;
    const percussive = this.#percussive.bits(frame);
    const s = this.#freqStride;
    for (let k = 0; k < s; k++) percussive[k] = med3(f3[s - k]!, f3[k]!, f3[k + s]!);
    for (let k = s; k < bands - s; k++) percussive[k] = med3(f3[k - s]!, f3[k]!, f3[k + s]!);
    for (let k = Math.max(s, bands - s); k < bands; k++) {
      percussive[k] = med3(f3[k - s]!, f3[k]!, f3[2 * bands - 2 - k - s]!);
    }
  }

  masks(frame: number): readonly Float32Array[] {
    const bands = this.#bands;
    const harmonic = this.#harmonic;
    const middle = this.#level2.at(frame);
    harmonic.set(middle);
    const early = this.#level2.bits(frame - 9);
    const late = this.#level2.bits(frame + 9);
    const middleBits = this.#level2.bits(frame);
    const harmonicBits = this.#harmonicBits;
    for (let k = 0; k < this.#longBands; k++) harmonicBits[k] = med3(early[k]!, middleBits[k]!, late[k]!);
    const percussive = this.#percussive.at(frame);
    const power = this.#power.at(frame);
    for (let k = 0; k < this.#excessBands; k++) {
      const excess = power[k]! - harmonic[k]!;
      if (excess < percussive[k]!) percussive[k] = excess > 0 ? excess : 0;
    }
    const coherence = this.#coherence.at(frame);
    const bassShare = this.#bassShare;
    const vocalShare = this.#vocalShare;
    const centreOf = this.#centreOf;
    const [vocals, drums, bass, other] = this.#masks as [Float32Array, Float32Array, Float32Array, Float32Array];
    const mono = this.#mono;
    const monoCentre = this.#monoCentre;
    const eps = 1e-20;
    const half = COHERENCE_STEPS / 2;
    for (let k = 0; k < bands; k++) {
      const hk = harmonic[k]! + eps;
      const h = hk / (hk + percussive[k]! + eps);
      // Coherence lies in [-1, 1] (to rounding): its table index in [0, COHERENCE_STEPS].
      const centre = mono ? monoCentre : centreOf[((coherence[k]! + 1) * half + 0.5) | 0]!;
      const b = h * bassShare[k]!;
      const v = h * vocalShare[k]! * centre;
      vocals[k] = v;
      drums[k] = 1 - h;
      bass[k] = b;
      other[k] = h - b - v;
    }
    return this.#masks;
  }
}
