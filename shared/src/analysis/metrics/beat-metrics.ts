// The standard scores for tempo and beat estimates, as the MIR literature and mir_eval define
// them, so figures here compare with published ones: tempo accuracy 1 and 2 (Gouyon et al.
// 2006) and the beat F-measure with a ±70 ms window (mir_eval.beat.f_measure), which is also
// how downbeats are scored.

/** Relative tolerance of tempo accuracy 1 and 2. */
export const TEMPO_TOLERANCE = 0.04;
/** Half-width of the window in which an estimated beat matches a reference beat, seconds. */
export const BEAT_WINDOW_SEC = 0.07;
/** mir_eval.beat.evaluate ignores beats before this time: a tracker needs time to lock on. */
export const TRIM_BEFORE_SEC = 5;

/** Accuracy 1: the estimate is within 4 % of the reference tempo. */
export function tempoAcc1(referenceBpm: number, estimatedBpm: number, tolerance = TEMPO_TOLERANCE): boolean {
  return referenceBpm > 0 && Math.abs(estimatedBpm - referenceBpm) <= tolerance * referenceBpm;
}

/** Accuracy 2: within 4 % of the reference tempo or of its double, triple, half or third. */
export function tempoAcc2(referenceBpm: number, estimatedBpm: number, tolerance = TEMPO_TOLERANCE): boolean {
  return [1, 2, 3, 1 / 2, 1 / 3].some((factor) => tempoAcc1(referenceBpm * factor, estimatedBpm, tolerance));
}

/**
 * The largest number of one-to-one pairs of a reference and an estimated event at most
 * `windowSec` apart (mir_eval.util.match_events). Both lists ascending. On a line, matching
 * each reference to the earliest unmatched estimate within reach is a maximum matching.
 */
export function countMatches(reference: readonly number[], estimated: readonly number[], windowSec: number): number {
  let matches = 0;
  let next = 0;
  for (const time of reference) {
    // Distances as mir_eval computes them, |reference - estimate| <= window, to the last ulp.
    while (next < estimated.length && estimated[next]! < time && time - estimated[next]! > windowSec) next++;
    if (next < estimated.length && Math.abs(estimated[next]! - time) <= windowSec) {
      matches++;
      next++;
    }
  }
  return matches;
}

export interface EventScores {
  precision: number;
  recall: number;
  fMeasure: number;
}

/**
 * Precision, recall and F-measure of estimated event times (beats or downbeats, seconds,
 * ascending) against reference times, as mir_eval.beat.f_measure: 0 when either list is
 * empty.
 */
export function eventScores(
  reference: readonly number[],
  estimated: readonly number[],
  windowSec = BEAT_WINDOW_SEC,
): EventScores {
  if (reference.length === 0 || estimated.length === 0) return { precision: 0, recall: 0, fMeasure: 0 };
  const matches = countMatches(reference, estimated, windowSec);
  const precision = matches / estimated.length;
  const recall = matches / reference.length;
  const fMeasure = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
  return { precision, recall, fMeasure };
}

/** Beat F-measure (mir_eval.beat.f_measure, ±70 ms). */
export function beatFMeasure(reference: readonly number[], estimated: readonly number[]): number {
  return eventScores(reference, estimated).fMeasure;
}

/** Downbeat F-measure: the beat F-measure applied to bar starts. */
export function downbeatFMeasure(reference: readonly number[], estimated: readonly number[]): number {
  return eventScores(reference, estimated).fMeasure;
}

/** mir_eval.beat.trim_beats: the beats at or after `minSec` (5 s by default). */
export function trimBeats(beats: readonly number[], minSec = TRIM_BEFORE_SEC): number[] {
  return beats.filter((time) => time >= minSec);
}
