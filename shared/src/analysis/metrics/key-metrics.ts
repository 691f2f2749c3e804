// The MIREX key-detection score: 1 for the right key, partial credit for the errors a listener
// would call close (a fifth away, relative or parallel major/minor), 0 otherwise.

import type { Mode } from '../types.ts';

export interface KeyLabel {
  /** Pitch class of the tonic, 0 = C ... 11 = B. */
  tonic: number;
  mode: Mode;
}

export const KEY_RELATIONS = ['correct', 'fifth', 'relative', 'parallel', 'other'] as const;
export type KeyRelation = (typeof KEY_RELATIONS)[number];

const RELATION_SCORE: Record<KeyRelation, number> = {
  correct: 1,
  fifth: 0.5,
  relative: 0.3,
  parallel: 0.2,
  other: 0,
};

const pitchClass = (tonic: number) => ((tonic % 12) + 12) % 12;

/**
 * How `estimate` relates to `reference`: the same key; a perfect fifth (tonic a fifth above or
 * below, same mode); the relative major/minor (A minor for C major, and back); the parallel one
 * (C minor for C major); or none of these.
 */
export function keyRelation(reference: KeyLabel, estimate: KeyLabel): KeyRelation {
  const interval = pitchClass(estimate.tonic - reference.tonic);
  if (estimate.mode === reference.mode) {
    if (interval === 0) return 'correct';
    return interval === 7 || interval === 5 ? 'fifth' : 'other';
  }
  if (interval === 0) return 'parallel';
  const relative = reference.mode === 'major' ? 9 : 3;
  return interval === relative ? 'relative' : 'other';
}

/** MIREX weighted score of one estimate: 1, 0.5, 0.3, 0.2 or 0. */
export function mirexKeyScore(reference: KeyLabel, estimate: KeyLabel): number {
  return RELATION_SCORE[keyRelation(reference, estimate)];
}

export interface KeyScoreSummary {
  count: number;
  /** Mean MIREX score over the pairs, in [0, 1]; 0 for none. */
  weightedScore: number;
  /** How many estimates fell into each relation. */
  breakdown: Record<KeyRelation, number>;
}

/** MIREX weighted score and breakdown over reference/estimate pairs. */
export function summariseKeyScores(pairs: readonly { reference: KeyLabel; estimate: KeyLabel }[]): KeyScoreSummary {
  const breakdown = Object.fromEntries(KEY_RELATIONS.map((relation) => [relation, 0])) as Record<KeyRelation, number>;
  let total = 0;
  for (const { reference, estimate } of pairs) {
    const relation = keyRelation(reference, estimate);
    breakdown[relation]++;
    total += RELATION_SCORE[relation];
  }
  return { count: pairs.length, weightedScore: pairs.length ? total / pairs.length : 0, breakdown };
}
