// Tempo over time. Before tracking: the local beat period, followed window by window near the
// global tempo (a Viterbi path through a short-time tempogram), so a step or a ramp does not
// throw the beat tracker off. After tracking: the tempo curve the result reports, the beats'
// own intervals cut into stretches of steady tempo.

import type { TempoSegment } from '../types.ts';
import { Autocorrelator, combSalience } from './tempogram.ts';

/** Short-time tempogram windows, seconds. */
const WINDOW_SEC = 8;
const HOP_SEC = 2;
/** Local tempi are searched this far either side of the global tempo (a factor). */
const LOCAL_RANGE = 1.35;
/** Tempo states per octave of the path. */
const STATES_PER_OCTAVE = 120;
/** Cost of moving one state between windows, in units of normalised salience. */
const MOVE_COST = 0.02;
/**
 * Cost per window of each state away from the global tempo: a tempo change is followed when
 * the music holds it for a few windows, but a passage that merely favours a neighbouring
 * metrical level (4/3 or 3/4 of the beat) does not pull the path over to it.
 */
const DISTANCE_COST = 0.003;

/**
 * The beat period in frames at every frame: a Viterbi path through the salience of tempi
 * within a factor 1.35 of `globalBpm`, window by window, interpolated between window centres.
 */
export function localPeriods(novelty: Float32Array, frameRate: number, globalBpm: number): Float32Array {
  const n = novelty.length;
  const globalPeriod = (60 * frameRate) / globalBpm;
  const periods = new Float32Array(n).fill(globalPeriod);
  const window = Math.round(WINDOW_SEC * frameRate);
  const hop = Math.round(HOP_SEC * frameRate);
  if (n < window + hop) return periods;

  const halfRange = Math.round(STATES_PER_OCTAVE * Math.log2(LOCAL_RANGE));
  const states = 2 * halfRange + 1;
  const bpmOf = (state: number) => globalBpm * 2 ** ((state - halfRange) / STATES_PER_OCTAVE);
  const starts: number[] = [];
  for (let start = 0; start + window <= n; start += hop) starts.push(start);
  const maxLag = Math.ceil((3 * 60 * frameRate) / bpmOf(0)) + 2;

  // Salience of every state in every window, each window scaled to a maximum of 1.
  const autocorrelator = new Autocorrelator(window, maxLag);
  const lags = Float64Array.from({ length: states }, (_, s) => (60 * frameRate) / bpmOf(s));
  const centred = new Float32Array(window);
  const salience = starts.map((start) => {
    let mean = 0;
    for (let i = 0; i < window; i++) mean += novelty[start + i]!;
    mean /= window;
    for (let i = 0; i < window; i++) centred[i] = novelty[start + i]! - mean;
    const acf = autocorrelator.compute(centred);
    const row = new Float64Array(states);
    let peak = 0;
    for (let s = 0; s < states; s++) {
      row[s] = combSalience(acf, lags[s]!, 3);
      peak = Math.max(peak, row[s]!);
    }
    if (peak > 0) for (let s = 0; s < states; s++) row[s] = row[s]! / peak;
    return row;
  });

  for (const row of salience) {
    for (let s = 0; s < states; s++) row[s] = row[s]! - DISTANCE_COST * Math.abs(s - halfRange);
  }
  const path = viterbi(salience, states);
  const centres = starts.map((start) => start + window / 2);
  // Between window centres the period moves linearly; before the first and after the last it holds.
  let w = 0;
  for (let t = 0; t < n; t++) {
    while (w + 1 < centres.length && centres[w + 1]! <= t) w++;
    const from = (60 * frameRate) / bpmOf(path[w]!);
    if (w + 1 >= centres.length || t <= centres[0]!) {
      periods[t] = from;
      continue;
    }
    const to = (60 * frameRate) / bpmOf(path[w + 1]!);
    const u = (t - centres[w]!) / (centres[w + 1]! - centres[w]!);
    periods[t] = from + (to - from) * u;
  }
  return periods;
}

/** The state sequence maximising salience minus MOVE_COST per state moved. */
function viterbi(salience: Float64Array[], states: number): Int32Array {
  const windows = salience.length;
  const back = salience.map(() => new Int32Array(states));
  let score = Float64Array.from(salience[0]!);
  for (let w = 1; w < windows; w++) {
    const next = new Float64Array(states);
    for (let s = 0; s < states; s++) {
      let best = -Infinity;
      let from = s;
      for (let p = 0; p < states; p++) {
        const candidate = score[p]! - MOVE_COST * Math.abs(s - p);
        if (candidate > best) {
          best = candidate;
          from = p;
        }
      }
      next[s] = best + salience[w]![s]!;
      back[w]![s] = from;
    }
    score = next;
  }
  const path = new Int32Array(windows);
  let state = 0;
  for (let s = 1; s < states; s++) if (score[s]! > score[state]!) state = s;
  for (let w = windows - 1; w >= 0; w--) {
    path[w] = state;
    state = back[w]![state]!;
  }
  return path;
}

/** Relative tempo difference that makes two stretches different segments. */
const SEGMENT_THRESHOLD = 0.04;
/** Fewest beats in a segment. */
const MIN_SEGMENT_BEATS = 8;

/**
 * Stretches of steady tempo in a beat sequence (seconds): binary segmentation of the
 * median-smoothed inter-beat tempo, splitting where the mean tempi of the two sides differ most,
 * as long as they differ by more than 4 %.
 * A steady track gives exactly one segment; each segment's tempo is fitted to its beats.
 */
export function tempoSegments(beatsSec: readonly number[]): TempoSegment[] {
  if (beatsSec.length < 2) return [];
  const local = smoothedTempi(beatsSec);
  const prefix = [0];
  for (const bpm of local) prefix.push(prefix[prefix.length - 1]! + bpm);
  const mean = (from: number, to: number) => (prefix[to]! - prefix[from]!) / (to - from);
  const cuts = [0, local.length];
  const split = (from: number, to: number) => {
    let bestCut = -1;
    let bestGap = SEGMENT_THRESHOLD;
    for (let cut = from + MIN_SEGMENT_BEATS; cut <= to - MIN_SEGMENT_BEATS; cut++) {
      const left = mean(from, cut);
      const right = mean(cut, to);
      const gap = Math.abs(left - right) / Math.min(left, right);
      if (gap > bestGap) {
        bestGap = gap;
        bestCut = cut;
      }
    }
    if (bestCut < 0) return;
    cuts.push(bestCut);
    split(from, bestCut);
    split(bestCut, to);
  };
  split(0, local.length);
  cuts.sort((a, b) => a - b);
  const segments: TempoSegment[] = [];
  for (let i = 0; i + 1 < cuts.length; i++) {
    // Interval k lies between beats k and k + 1: the segment spans beats cuts[i] .. cuts[i + 1].
    const beats = beatsSec.slice(cuts[i], cuts[i + 1]! + 1);
    segments.push({ startSec: beatsSec[cuts[i]!]!, bpm: fittedBpm(beats) });
  }
  return segments;
}

/** Tempo of each inter-beat interval, BPM, median-smoothed over seven intervals. */
function smoothedTempi(beatsSec: readonly number[]): number[] {
  const raw: number[] = [];
  for (let i = 0; i + 1 < beatsSec.length; i++) raw.push(60 / (beatsSec[i + 1]! - beatsSec[i]!));
  return raw.map((_, i) => median(raw.slice(Math.max(0, i - 3), i + 4)));
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * Tempo of a run of beats from the least-squares slope of beat time against beat number, which
 * averages out the jitter of single intervals; rounded to 0.1 BPM.
 */
export function fittedBpm(beatsSec: readonly number[]): number {
  const n = beatsSec.length;
  if (n < 2) return 0;
  const meanIndex = (n - 1) / 2;
  let meanTime = 0;
  for (const t of beatsSec) meanTime += t;
  meanTime /= n;
  let covariance = 0;
  let variance = 0;
  for (let i = 0; i < n; i++) {
    covariance += (i - meanIndex) * (beatsSec[i]! - meanTime);
    variance += (i - meanIndex) ** 2;
  }
  const period = covariance / variance;
  return period > 0 ? Math.round(600 / period) / 10 : 0;
}
