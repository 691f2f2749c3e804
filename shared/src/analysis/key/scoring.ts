// From chroma to a key: every one of the 24 keys is scored by how well the track's pitch-class
// profiles correlate with that key's profile, and the best one wins.
//
// score = corr(treble, profile) + BASS_WEIGHT * corr(bass, profile)
//       + OPENING_WEIGHT * (corr(opening treble, tonic triad) + corr(opening bass, tonic))
//
// The profiles are Sha'ath's (KeyFinder), chosen on the synthetic corpus (e2e/bench/key-accuracy.ts,
// 288 songs over six seeds) among the published ones in profiles.ts; Krumhansl-Kessler's scored the
// same to 0.001 and edma's within 0.01, so the choice is not fitted to the corpus.
//
// The opening term is a heuristic (songs mostly begin on the tonic), weighted to break near-ties:
// it moves a key's score by at most ±0.5 against up to 1.5 for the whole track. Without it the
// corpus scores about 0.87, because a minor song looping i-VI-III-VII has exactly the pitch
// content of its relative major looping I-V-vi-IV. On real music an intro on another chord can
// pull a close call towards a related key.

import type { Mode } from '../types.ts';
import type { TrackChroma } from './chroma.ts';
import { PROFILES } from './profiles.ts';

const PROFILE = PROFILES.shaath;
/** The bass line is mostly chord roots: useful evidence, but sparser than the chords above it. */
const BASS_WEIGHT = 0.5;
/** How much the opening chord counts next to the whole track (see opening.ts). */
const OPENING_WEIGHT = 0.25;
/** A winner ahead of the runner-up by this much of the score is as clear as it gets. */
const CLEAR_MARGIN = 0.25;
/** Below this share of frames with pitched content, a track is treated as atonal. */
const MIN_TONAL_SHARE = 0.2;

const TONIC_TRIAD: Record<Mode, readonly number[]> = {
  major: [1, 0, 0, 0, 1, 0, 0, 1, 0, 0, 0, 0],
  minor: [1, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0],
};
const TONIC_ONLY = [1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];

export const MODES: readonly Mode[] = ['major', 'minor'];

export interface KeyEstimate {
  tonic: number;
  mode: Mode;
  /** In [0, 1]; 0 when there was no pitched content to judge by. */
  confidence: number;
}

export interface KeyEvidence {
  /** The whole track. */
  track: TrackChroma;
  /** Its first second or so from where sound begins. */
  opening: TrackChroma;
  /** Frames of the whole track that are not silent (those with pitched content are in `track`). */
  soundingFrames: number;
}

/** Pearson correlation of `chroma` with `profile` (index 0 = tonic) set on `tonic`; 0 if either is flat. */
export function correlation(chroma: ArrayLike<number>, profile: readonly number[], tonic: number): number {
  let chromaMean = 0;
  let profileMean = 0;
  for (let i = 0; i < 12; i++) {
    chromaMean += chroma[i]!;
    profileMean += profile[i]!;
  }
  chromaMean /= 12;
  profileMean /= 12;
  let product = 0;
  let chromaSquares = 0;
  let profileSquares = 0;
  for (let i = 0; i < 12; i++) {
    const c = chroma[(i + tonic) % 12]! - chromaMean;
    const p = profile[i]! - profileMean;
    product += c * p;
    chromaSquares += c * c;
    profileSquares += p * p;
  }
  return chromaSquares > 0 && profileSquares > 0 ? product / Math.sqrt(chromaSquares * profileSquares) : 0;
}

/** Scores of the 24 keys: index tonic for major, 12 + tonic for minor. */
export function keyScores(evidence: KeyEvidence): Float64Array {
  const { track, opening } = evidence;
  const scores = new Float64Array(24);
  MODES.forEach((mode, m) => {
    for (let tonic = 0; tonic < 12; tonic++) {
      scores[m * 12 + tonic] =
        correlation(track.treble, PROFILE[mode], tonic) +
        BASS_WEIGHT * correlation(track.bass, PROFILE[mode], tonic) +
        OPENING_WEIGHT *
          (correlation(opening.treble, TONIC_TRIAD[mode], tonic) + correlation(opening.bass, TONIC_ONLY, tonic));
    }
  });
  return scores;
}

/**
 * The best-scoring key. Confidence is the winner's fit to its profile (its treble correlation),
 * halved for a dead heat with the runner-up and whole when it leads by CLEAR_MARGIN or more;
 * 0 for a track with (almost) no pitched content, which then reads as C major.
 */
export function bestKey(evidence: KeyEvidence): KeyEstimate {
  const { track, soundingFrames } = evidence;
  if (track.tonalFrames === 0 || track.tonalFrames < MIN_TONAL_SHARE * soundingFrames) {
    return { tonic: 0, mode: 'major', confidence: 0 };
  }
  const scores = keyScores(evidence);
  let best = 0;
  for (let k = 1; k < 24; k++) if (scores[k]! > scores[best]!) best = k;
  let runnerUp = -Infinity;
  for (let k = 0; k < 24; k++) if (k !== best) runnerUp = Math.max(runnerUp, scores[k]!);
  const tonic = best % 12;
  const mode = MODES[Math.floor(best / 12)]!;
  const fit = Math.max(0, correlation(track.treble, PROFILE[mode], tonic));
  const clarity = Math.min(1, (scores[best]! - runnerUp) / CLEAR_MARGIN);
  return { tonic, mode, confidence: fit * (0.5 + 0.5 * clarity) };
}
