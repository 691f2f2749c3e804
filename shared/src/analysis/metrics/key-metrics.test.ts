// The MIREX key score on hand-worked cases, both modes and both directions of each relation.
import { describe, expect, it } from 'vitest';
import { keyRelation, mirexKeyScore, summariseKeyScores, type KeyLabel } from './key-metrics.ts';

const C_MAJOR: KeyLabel = { tonic: 0, mode: 'major' };
const A_MINOR: KeyLabel = { tonic: 9, mode: 'minor' };

describe('MIREX key score', () => {
  it('scores the close errors of a major key', () => {
    expect(mirexKeyScore(C_MAJOR, { tonic: 0, mode: 'major' })).toBe(1);
    expect(mirexKeyScore(C_MAJOR, { tonic: 7, mode: 'major' })).toBe(0.5); // G: a fifth above
    expect(mirexKeyScore(C_MAJOR, { tonic: 5, mode: 'major' })).toBe(0.5); // F: a fifth below
    expect(mirexKeyScore(C_MAJOR, { tonic: 9, mode: 'minor' })).toBe(0.3); // A minor: relative
    expect(mirexKeyScore(C_MAJOR, { tonic: 0, mode: 'minor' })).toBe(0.2); // C minor: parallel
    expect(mirexKeyScore(C_MAJOR, { tonic: 2, mode: 'major' })).toBe(0);
    expect(mirexKeyScore(C_MAJOR, { tonic: 4, mode: 'minor' })).toBe(0); // E minor: not relative
    expect(mirexKeyScore(C_MAJOR, { tonic: 7, mode: 'minor' })).toBe(0); // G minor: fifth, wrong mode
  });

  it('scores the close errors of a minor key, wrapping round the octave', () => {
    expect(mirexKeyScore(A_MINOR, { tonic: 9, mode: 'minor' })).toBe(1);
    expect(mirexKeyScore(A_MINOR, { tonic: 4, mode: 'minor' })).toBe(0.5); // E minor
    expect(mirexKeyScore(A_MINOR, { tonic: 2, mode: 'minor' })).toBe(0.5); // D minor
    expect(mirexKeyScore(A_MINOR, { tonic: 0, mode: 'major' })).toBe(0.3); // C major
    expect(mirexKeyScore(A_MINOR, { tonic: 9, mode: 'major' })).toBe(0.2); // A major
    expect(mirexKeyScore(A_MINOR, { tonic: 6, mode: 'major' })).toBe(0); // F# major: relative of D# minor
    expect(keyRelation({ tonic: 11, mode: 'minor' }, { tonic: 2, mode: 'major' })).toBe('relative'); // B minor, D major
    expect(keyRelation({ tonic: 10, mode: 'major' }, { tonic: 5, mode: 'major' })).toBe('fifth'); // Bb, F
  });

  it('averages over a set and counts each relation', () => {
    const summary = summariseKeyScores([
      { reference: C_MAJOR, estimate: C_MAJOR },
      { reference: C_MAJOR, estimate: { tonic: 7, mode: 'major' } },
      { reference: A_MINOR, estimate: C_MAJOR },
      { reference: A_MINOR, estimate: { tonic: 1, mode: 'minor' } },
    ]);
    expect(summary.count).toBe(4);
    expect(summary.weightedScore).toBeCloseTo((1 + 0.5 + 0.3 + 0) / 4, 12);
    expect(summary.breakdown).toEqual({ correct: 1, fifth: 1, relative: 1, parallel: 0, other: 1 });
    expect(summariseKeyScores([]).weightedScore).toBe(0);
  });
});
