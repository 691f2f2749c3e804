// Beat tracking by dynamic programming (Ellis 2007, "Beat tracking by dynamic programming"):
// the beat sequence that maximises onset strength at the beats minus a penalty for every
// inter-beat interval that strays from the local beat period. The period may change from frame
// to frame, so songs with tempo steps and ramps are tracked along their tempo curve.

/** Weight of the interval penalty: tightness * log(interval / period)^2 per beat. */
const TIGHTNESS = 100;
/**
 * Intervals searched for the previous beat, as factors of the period. Ellis searches from 1/2
 * to 2; beyond 1/1.4 and 1.4 the penalty (over 11 standard deviations of onset strength) is
 * never paid in practice, so the search stops there at less than half the cost. Tempo changes
 * are followed through the local period instead.
 */
const MIN_INTERVAL = 1 / 1.4;
const MAX_INTERVAL = 1.4;
/** Periods are rounded to this many frames to share penalty tables and smoothing kernels. */
const PERIOD_STEP = 0.25;

/**
 * Beat positions in frames (ascending) through `novelty` (onset strength, any scale) given the
 * beat period in frames at each frame. Empty when the novelty is all zero.
 */
export function trackBeats(novelty: Float32Array, periodFrames: Float32Array): number[] {
  const n = novelty.length;
  if (n === 0) return [];
  const local = localScore(novelty, periodFrames);
  let peak = 0;
  for (let t = 0; t < n; t++) peak = Math.max(peak, local[t]!);
  if (peak <= 0) return [];

  const cumulative = new Float64Array(n);
  const backlink = new Int32Array(n).fill(-1);
  const penalties = new PenaltyTables();
  // The chain may only start at a real onset: starting in silence would let it drift anywhere.
  const startThreshold = 0.01 * peak;
  let started = false;
  for (let t = 0; t < n; t++) {
    const { minLag, penalty } = penalties.get(periodFrames[t]!);
    let best = -Infinity;
    let previous = -1;
    for (let i = 0; i < penalty.length; i++) {
      const tau = t - minLag - i;
      if (tau < 0) break;
      const candidate = cumulative[tau]! - penalty[i]!;
      if (candidate > best) {
        best = candidate;
        previous = tau;
      }
    }
    if (previous < 0 || (!started && local[t]! < startThreshold)) {
      cumulative[t] = local[t]!;
    } else {
      cumulative[t] = local[t]! + best;
      backlink[t] = previous;
      started = true;
    }
  }

  const beats: number[] = [];
  for (let t = lastBeat(cumulative); t >= 0; t = backlink[t]!) beats.push(t);
  beats.reverse();
  return beats;
}

/** The penalty of each lag searched, one table per rounded period. */
class PenaltyTables {
  readonly #tables = new Map<number, { minLag: number; penalty: Float64Array }>();

  get(periodFrames: number): { minLag: number; penalty: Float64Array } {
    const key = Math.max(2, Math.round(periodFrames / PERIOD_STEP) * PERIOD_STEP);
    let table = this.#tables.get(key);
    if (!table) {
      const minLag = Math.max(1, Math.round(key * MIN_INTERVAL));
      const maxLag = Math.round(key * MAX_INTERVAL);
      const penalty = new Float64Array(maxLag - minLag + 1);
      for (let i = 0; i < penalty.length; i++) penalty[i] = TIGHTNESS * Math.log((minLag + i) / key) ** 2;
      table = { minLag, penalty };
      this.#tables.set(key, table);
    }
    return table;
  }
}

/** Onset strength over its standard deviation, smoothed by a Gaussian of 1/32 of the period. */
function localScore(novelty: Float32Array, periodFrames: Float32Array): Float32Array {
  const n = novelty.length;
  let sum = 0;
  let sumSquares = 0;
  for (let t = 0; t < n; t++) {
    sum += novelty[t]!;
    sumSquares += novelty[t]! * novelty[t]!;
  }
  const mean = sum / n;
  const std = Math.sqrt(Math.max(0, sumSquares / n - mean * mean));
  const out = new Float32Array(n);
  if (std === 0) return out;
  const kernels = new Map<number, Float64Array>();
  for (let t = 0; t < n; t++) {
    const key = Math.round(periodFrames[t]! / PERIOD_STEP);
    let kernel = kernels.get(key);
    if (!kernel) {
      const width = Math.max(0.5, (key * PERIOD_STEP) / 32);
      const reach = Math.ceil(3 * width);
      kernel = new Float64Array(2 * reach + 1);
      for (let k = -reach; k <= reach; k++) kernel[k + reach] = Math.exp(-0.5 * (k / width) ** 2) / std;
      kernels.set(key, kernel);
    }
    const reach = (kernel.length - 1) / 2;
    let acc = 0;
    for (let k = Math.max(-reach, -t); k <= reach && t + k < n; k++) acc += novelty[t + k]! * kernel[k + reach]!;
    out[t] = acc;
  }
  return out;
}

/** The last local maximum of the cumulative score that is at least half their median. */
function lastBeat(cumulative: Float64Array): number {
  const maxima: number[] = [];
  for (let t = 1; t < cumulative.length - 1; t++) {
    if (cumulative[t]! > cumulative[t - 1]! && cumulative[t]! >= cumulative[t + 1]!) maxima.push(t);
  }
  if (maxima.length === 0) return cumulative.length - 1;
  const values = maxima.map((t) => cumulative[t]!).sort((a, b) => a - b);
  const median = values[Math.floor(values.length / 2)]!;
  for (let i = maxima.length - 1; i >= 0; i--) {
    if (cumulative[maxima[i]!]! >= 0.5 * median) return maxima[i]!;
  }
  return maxima[maxima.length - 1]!;
}

/** Onset strength at each beat: the novelty's largest value within two frames. */
export function beatStrengths(novelty: Float32Array, beatFrames: readonly number[]): Float32Array {
  return Float32Array.from(beatFrames, (frame) => {
    let strength = 0;
    const centre = Math.round(frame);
    for (let t = Math.max(0, centre - 2); t <= Math.min(novelty.length - 1, centre + 2); t++) {
      strength = Math.max(strength, novelty[t]!);
    }
    return strength;
  });
}

/** How many good beats in a row make the start (or the end) of the beat. */
const RUN_BEATS = 4;
/** A beat carries an onset from this fraction of the median beat strength. */
const STRENGTH_THRESHOLD = 0.15;
/** An interval is regular within this fraction of the local period. */
const REGULARITY = 0.08;

/**
 * The beats without the leading and trailing ones that fall in silence or in a free-time
 * intro. A beat is good when it carries an onset and an interval to a neighbour is regular (in
 * a rubato intro the tracker hops between chord onsets at uneven intervals); the kept stretch
 * runs from the first run of four good beats to the last. A tracker keeps counting through
 * those stretches; a listener hears no beat there.
 */
export function trimBeats(
  beatFrames: readonly number[],
  strengths: Float32Array,
  periodFrames: Float32Array,
): number[] {
  const count = beatFrames.length;
  if (count < RUN_BEATS) return [];
  const sorted = Float32Array.from(strengths).sort();
  const threshold = Math.max(STRENGTH_THRESHOLD * sorted[count >> 1]!, Number.MIN_VALUE);
  const regular = (i: number) => {
    if (i < 0 || i + 1 >= count) return false;
    const period = periodFrames[Math.round(beatFrames[i]!)]!;
    return Math.abs(beatFrames[i + 1]! - beatFrames[i]! - period) <= REGULARITY * period;
  };
  const good = (i: number) => strengths[i]! >= threshold && (regular(i - 1) || regular(i));
  const runAt = (i: number) => {
    for (let k = 0; k < RUN_BEATS; k++) if (!good(i + k)) return false;
    return true;
  };
  let first = -1;
  for (let i = 0; i + RUN_BEATS <= count && first < 0; i++) if (runAt(i)) first = i;
  if (first < 0) return [];
  let last = first + RUN_BEATS - 1;
  for (let i = count - RUN_BEATS; i > first; i--) {
    if (runAt(i)) {
      last = i + RUN_BEATS - 1;
      break;
    }
  }
  return beatFrames.slice(first, last + 1);
}
