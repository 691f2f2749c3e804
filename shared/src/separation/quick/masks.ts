// How Quick shares each time-frequency bin among the four stems.

import type { BandLayout } from './bands.ts';
import type { FrameFeatures, MaskModel } from './frame-stream.ts';

export interface QuickTuning {
  hpPower: number;
  bassLowHz: number;
  bassHighHz: number;
  centreFloor: number;
  centrePower: number;
  vocalLowHz: number;
  vocalHighHz: number;
  vocalTopHz: number;
  monoCentre: number;
  /** Stride of the outer median of three across time, frames (span 3 * stride). */
  timeStride: number;
  /** Stride of the outer median of three across frequency, bins. */
  freqStride: number;
  /** A bin whose power exceeds this many times harmonic + percussive estimates has a residual (vibrato, onsets). */
  residualFactor: number;
  /** Share of the residual that goes to drums. */
  residualDrums: number;
}

export const DEFAULT_TUNING: QuickTuning = {
  hpPower: 1,
  bassLowHz: 150,
  bassHighHz: 250,
  centreFloor: 0.6,
  centrePower: 1,
  vocalLowHz: 200,
  vocalHighHz: 8000,
  vocalTopHz: 12000,
  monoCentre: 0.5,
  timeStride: 3,
  freqStride: 3,
  residualFactor: 1e9,
  residualDrums: 0,
};

function smoothStep(x: number): number {
  const u = Math.min(1, Math.max(0, x));
  return u * u * (3 - 2 * u);
}

function med3(a: number, b: number, c: number): number {
  const lo = a < b ? a : b;
  const hi = a < b ? b : a;
  const m = hi < c ? hi : c;
  return lo > m ? lo : m;
}

class Ring {
  readonly rows: Float32Array[];
  constructor(size: number, bins: number) {
    this.rows = Array.from({ length: size }, () => new Float32Array(bins));
  }
  at(frame: number): Float32Array {
    const n = this.rows.length;
    return this.rows[((frame % n) + n) % n]!;
  }
}

/** Masks in the order vocals, drums, bass, other. */
export class QuickMaskModel implements MaskModel {
  readonly lookahead: number;
  readonly #bins: number;
  readonly #tuning: QuickTuning;
  readonly #mono: boolean;
  readonly #low: Float32Array;
  readonly #vocalRange: Float32Array;
  readonly #power: Ring;
  readonly #timeMedian3: Ring;
  readonly #percussive: Ring;
  readonly #coherence: Ring;
  readonly #freqMedian3: Float32Array;
  readonly #masks: Float32Array[];

  constructor(layout: BandLayout, tuning: QuickTuning, mono: boolean) {
    const bins = layout.count;
    this.#bins = bins;
    this.#tuning = tuning;
    this.#mono = mono;
    const s = tuning.timeStride;
    // Harmonic estimate for frame t: med3 over t-s, t, t+s of med3 over neighbouring frames,
    // which needs power up to t + s + 1.
    this.lookahead = s + 1;
    this.#low = new Float32Array(bins);
    this.#vocalRange = new Float32Array(bins);
    for (let k = 0; k < bins; k++) {
      const f = layout.centreHz[k]!;
      this.#low[k] =
        k === 0 ? 1 : 1 - smoothStep(Math.log(f / tuning.bassLowHz) / Math.log(tuning.bassHighHz / tuning.bassLowHz));
      const rise = smoothStep(Math.log(f / tuning.vocalLowHz) / Math.log(2));
      const fall = 1 - smoothStep(Math.log(f / tuning.vocalHighHz) / Math.log(tuning.vocalTopHz / tuning.vocalHighHz));
      this.#vocalRange[k] = k === 0 ? 0 : rise * fall;
    }
    this.#power = new Ring(Math.max(3, this.lookahead + 1), bins);
    this.#timeMedian3 = new Ring(2 * s + 1, bins);
    this.#percussive = new Ring(this.lookahead + 1, bins);
    this.#coherence = new Ring(this.lookahead + 1, bins);
    this.#freqMedian3 = new Float32Array(bins);
    this.#masks = Array.from({ length: 4 }, () => new Float32Array(bins));
  }

  analyse(frame: number, features: FrameFeatures): void {
    const bins = this.#bins;
    const power = this.#power.at(frame);
    power.set(features.power);
    this.#coherence.at(frame).set(features.coherence);
    const before = this.#power.at(frame - 2);
    const previous = this.#power.at(frame - 1);
    const time3 = this.#timeMedian3.at(frame - 1);
    for (let k = 0; k < bins; k++) time3[k] = med3(before[k]!, previous[k]!, power[k]!);
    const f3 = this.#freqMedian3;
    f3[0] = med3(power[1]!, power[0]!, power[1]!);
    for (let k = 1; k < bins - 1; k++) f3[k] = med3(power[k - 1]!, power[k]!, power[k + 1]!);
    f3[bins - 1] = med3(power[bins - 2]!, power[bins - 1]!, power[bins - 2]!);
    const percussive = this.#percussive.at(frame);
    const fs = this.#tuning.freqStride;
    for (let k = 0; k < bins; k++) {
      const lo = k - fs < 0 ? fs - k : k - fs;
      const hi = k + fs >= bins ? 2 * bins - 2 - k - fs : k + fs;
      percussive[k] = med3(f3[lo]!, f3[k]!, f3[hi]!);
    }
  }

  masks(frame: number): readonly Float32Array[] {
    const tuning = this.#tuning;
    const s = tuning.timeStride;
    const early = this.#timeMedian3.at(frame - s);
    const middle = this.#timeMedian3.at(frame);
    const late = this.#timeMedian3.at(frame + s);
    const percussiveRow = this.#percussive.at(frame);
    const coherence = this.#coherence.at(frame);
    const low = this.#low;
    const vocalRange = this.#vocalRange;
    const [vocals, drums, bass, other] = this.#masks as [Float32Array, Float32Array, Float32Array, Float32Array];
    const eps = 1e-12;
    const floor = tuning.centreFloor;
    const power = this.#power.at(frame);
    const rf = tuning.residualFactor;
    const rd = tuning.residualDrums;
    for (let k = 0; k < this.#bins; k++) {
      const harmonic = med3(early[k]!, middle[k]!, late[k]!);
      const percussive = percussiveRow[k]!;
      const hp = tuning.hpPower === 1 ? harmonic + eps : (harmonic + eps) ** tuning.hpPower;
      const pp = tuning.hpPower === 1 ? percussive + eps : (percussive + eps) ** tuning.hpPower;
      const x = power[k]!;
      const excess = x - rf * (harmonic + percussive);
      const r = excess > 0 ? excess / x : 0;
      const h = (1 - r) * (hp / (hp + pp));
      const centre = this.#mono
        ? tuning.monoCentre
        : smoothStep((coherence[k]! - floor) / (1 - floor)) ** tuning.centrePower;
      const d = 1 - h - r + rd * r;
      const b = h * low[k]!;
      const v = (h * (1 - low[k]!) + (1 - rd) * r) * centre * vocalRange[k]!;
      vocals[k] = v;
      drums[k] = d;
      bass[k] = b;
      other[k] = Math.max(0, 1 - v - d - b);
    }
    return this.#masks;
  }
}
