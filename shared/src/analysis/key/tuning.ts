// Tuning: how far the recording's semitone grid sits from A = 440 Hz, from where its spectral
// peaks fall within a semitone. Chroma is computed on the grid this finds, so a band tuned
// 30 cents flat still puts its notes in the right pitch class.

import type { SpectralPeaks } from './peaks.ts';

/** Histogram resolution: bins per semitone. */
const BINS = 100;
/** Half-width of the smoothing kernel and of the refinement window, cents. */
const SMOOTH_CENTS = 8;
const REFINE_CENTS = 12;

/** Cents above the nearest A = 440 Hz semitone, in [-50, 50). */
export function centsOffGrid(frequencyHz: number): number {
  const cents = 1200 * Math.log2(frequencyHz / 440);
  return cents - 100 * Math.round(cents / 100);
}

/** Wraps cents into (-50, 50]. */
export function wrapCents(cents: number): number {
  const wrapped = cents - 100 * Math.round(cents / 100);
  return wrapped <= -50 ? wrapped + 100 : wrapped;
}

/**
 * Deviation of the recording from A = 440 Hz, cents in (-50, 50]; 0 when there are no peaks.
 * Each peak votes for its offset from the grid, weighted by its level: the mode of those votes
 * (not their mean) is the tuning, since the 5th and 7th harmonics of every note sit 14 and 31
 * cents flat of the grid and a singer's vibrato spreads votes both ways.
 */
export function estimateTuning(peaks: SpectralPeaks): number {
  const histogram = new Float64Array(BINS);
  let total = 0;
  for (let i = 0; i < peaks.frequencyHz.length; i++) {
    const weight = peakWeight(peaks.levelDb[i]!);
    const offset = centsOffGrid(peaks.frequencyHz[i]!);
    // Split each vote between the two nearest bins so the estimate is not quantised.
    const position = (((offset * BINS) / 100) % BINS) + BINS;
    const lower = Math.floor(position);
    const fraction = position - lower;
    histogram[lower % BINS]! += weight * (1 - fraction);
    histogram[(lower + 1) % BINS]! += weight * fraction;
    total += weight;
  }
  if (total === 0) return 0;

  // Smooth with a triangular kernel and take the highest bin...
  let best = 0;
  let bestValue = -1;
  const width = Math.round((SMOOTH_CENTS * BINS) / 100);
  for (let b = 0; b < BINS; b++) {
    let value = 0;
    for (let d = -width; d <= width; d++) value += (width + 1 - Math.abs(d)) * histogram[(b + d + BINS) % BINS]!;
    if (value > bestValue) {
      bestValue = value;
      best = b;
    }
  }
  // ...then refine it with the weighted mean of the votes around it.
  const reach = Math.round((REFINE_CENTS * BINS) / 100);
  let sum = 0;
  let weightSum = 0;
  for (let d = -reach; d <= reach; d++) {
    const weight = histogram[(best + d + BINS) % BINS]!;
    sum += weight * d;
    weightSum += weight;
  }
  const refined = best + (weightSum > 0 ? sum / weightSum : 0);
  return wrapCents((refined * 100) / BINS);
}

/** Votes grow with level but slower than amplitude, so one loud note does not decide alone. */
function peakWeight(levelDb: number): number {
  return 10 ** (levelDb / 40);
}
