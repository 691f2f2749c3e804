// The one pass over the samples that loudness needs: K-weight every channel and sum its
// weighted energy into 10 ms sub-blocks (every BS.1770 and Tech 3342 window is a run of them),
// and, in the same loop, gather the peak envelope that lets the true-peak search skip most of
// the signal. Filters run in Float64; nothing is allocated per sample.

import { kWeighting } from './k-weighting.ts';
import { ENVELOPE_BLOCK, PeakEnvelope } from './true-peak.ts';

/** Sub-blocks per second: the grid of window starts for the maxima (10 ms). */
export const SUB_BLOCKS_PER_SECOND = 100;
/** Sub-blocks per 100 ms hop, the gating and loudness-range grid of BS.1770 and Tech 3342. */
export const SUB_BLOCKS_PER_HOP = 10;

/** The energy side of a scan, all a window or gate needs. */
export interface EnergyTimeline {
  sampleRate: number;
  frames: number;
  /** Sum over channels of weight x (K-weighted sample)^2, per sub-block. */
  energy: Float64Array;
  /**
   * Frame where each sub-block starts, and one more entry: the end of the last one. A plain
   * array of small integers, so loop counters that start from it stay integers in V8 (read from
   * a Float64Array they are doubles, and indexing with them made the scan 40 % slower).
   */
  starts: readonly number[];
  /** Sub-blocks that are whole (the last one may stop short at the end of the signal). */
  wholeSubBlocks: number;
}

/** Where sub-block `index` nominally starts; rounding keeps 100 ms hops whole at 22.05 kHz too. */
export function subBlockStart(index: number, sampleRate: number): number {
  return Math.round((index * sampleRate) / SUB_BLOCKS_PER_SECOND);
}

export class SignalScan implements EnergyTimeline {
  readonly frames: number;
  readonly energy: Float64Array;
  readonly starts: readonly number[];
  readonly wholeSubBlocks: number;
  /** One per channel; complete once `done`. */
  readonly envelopes: PeakEnvelope[];
  readonly #channels: readonly Float32Array[];
  readonly #weights: readonly number[];
  /** Per channel: x[n-1], x[n-2], shelf y[n-1], y[n-2], high-pass y[n-1], y[n-2]. */
  readonly #states: Float64Array[];
  readonly #coefficients: Float64Array;
  #next = 0;

  constructor(
    channels: readonly Float32Array[],
    readonly sampleRate: number,
    weights: readonly number[],
  ) {
    this.frames = channels[0]?.length ?? 0;
    this.#channels = channels;
    this.#weights = weights;
    let count = 0;
    while (subBlockStart(count, sampleRate) < this.frames) count++;
    this.starts = Array.from({ length: count + 1 }, (_, k) => Math.min(this.frames, subBlockStart(k, sampleRate)));
    this.wholeSubBlocks = subBlockStart(count, sampleRate) === this.frames ? count : count - 1;
    this.energy = new Float64Array(count);
    this.envelopes = channels.map(() => new PeakEnvelope(this.frames));
    this.#states = channels.map(() => new Float64Array(6));
    const { shelf, highPass } = kWeighting(sampleRate);
    this.#coefficients = Float64Array.of(
      shelf.b0,
      shelf.b1,
      shelf.b2,
      shelf.a1,
      shelf.a2,
      highPass.b0,
      highPass.a1,
      highPass.a2,
    );
  }

  get subBlockCount(): number {
    return this.energy.length;
  }

  /** Fraction of the signal scanned, in [0, 1]. */
  get progress(): number {
    return this.frames === 0 ? 1 : this.starts[this.#next]! / this.frames;
  }

  get done(): boolean {
    return this.#next >= this.subBlockCount;
  }

  /** Scans the next `count` sub-blocks (fewer at the end). */
  scan(count: number): void {
    const end = Math.min(this.subBlockCount, this.#next + count);
    for (let channel = 0; channel < this.#channels.length; channel++) {
      const weight = this.#weights[channel] ?? 0;
      const samples = this.#channels[channel]!;
      const state = this.#states[channel]!;
      const envelope = this.envelopes[channel]!;
      for (let k = this.#next; k < end; k++) {
        const energy = scanRange(samples, this.starts[k]!, this.starts[k + 1]!, this.#coefficients, state, envelope);
        this.energy[k]! += weight * energy;
      }
    }
    this.#next = end;
    if (this.done) {
      this.#channels.forEach((samples, channel) => {
        this.envelopes[channel]!.finish(samples[this.frames - 1] ?? 0, samples[this.frames - 2] ?? 0);
      });
    }
  }
}

/** Below this a filter state is flushed to zero: Float64 denormals are slow on x86. */
const DENORMAL_FLOOR = 1e-30;

/**
 * K-weights samples [start, end) of one channel, returning the sum of squares of the output
 * and raising the envelope's block maxima. The loop is split at envelope block boundaries so
 * the per-sample work is arithmetic only; the filter recursions are written with the y[n-1]
 * term last, which keeps the loop-carried dependency to one multiply and one add.
 */
function scanRange(
  samples: Float32Array,
  start: number,
  end: number,
  coefficients: Float64Array,
  state: Float64Array,
  envelope: PeakEnvelope,
): number {
  const sb0 = coefficients[0]!;
  const sb1 = coefficients[1]!;
  const sb2 = coefficients[2]!;
  const sa1 = coefficients[3]!;
  const sa2 = coefficients[4]!;
  const hb0 = coefficients[5]!;
  const ha1 = coefficients[6]!;
  const ha2 = coefficients[7]!;
  let x1 = state[0]!;
  let x2 = state[1]!;
  let s1 = state[2]!;
  let s2 = state[3]!;
  let h1 = state[4]!;
  let h2 = state[5]!;
  const { maxAbs, maxCurvature } = envelope;
  let energy = 0;
  let n = start;
  while (n < end) {
    const block = Math.floor(n / ENVELOPE_BLOCK);
    const segmentEnd = Math.min(end, (block + 1) * ENVELOPE_BLOCK);
    let peak = 0;
    let curvature = 0;
    for (; n < segmentEnd; n++) {
      const x = samples[n]!;
      const s = sb0 * x + sb1 * x1 + sb2 * x2 - sa2 * s2 - sa1 * s1;
      // The RLB numerator is b0 * (1, -2, 1).
      const h = hb0 * (s - 2 * s1 + s2) - ha2 * h2 - ha1 * h1;
      energy += h * h;
      // max(a, b) = (a + b + |a - b|) / 2: no branch to mispredict on every new maximum,
      // which made the scan of real music 30 % slower. It may round by a Float64 ulp: the
      // peak search allows for that, and rounding to Float32 restores the sample exactly.
      const magnitude = Math.abs(x);
      peak = 0.5 * (peak + magnitude + Math.abs(peak - magnitude));
      const bend = Math.abs(x - 2 * x1 + x2);
      curvature = 0.5 * (curvature + bend + Math.abs(curvature - bend));
      x2 = x1;
      x1 = x;
      s2 = s1;
      s1 = s;
      h2 = h1;
      h1 = h;
    }
    maxAbs[block] = Math.max(maxAbs[block]!, Math.fround(peak));
    maxCurvature[block] = Math.max(maxCurvature[block]!, curvature);
  }
  if (Math.abs(s1) + Math.abs(s2) + Math.abs(h1) + Math.abs(h2) < DENORMAL_FLOOR) s1 = s2 = h1 = h2 = 0;
  state[0] = x1;
  state[1] = x2;
  state[2] = s1;
  state[3] = s2;
  state[4] = h1;
  state[5] = h2;
  return energy;
}
