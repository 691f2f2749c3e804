// Key scoring on chroma built by hand: each key's own profile is recognised, and flat or empty
// chroma gives no confidence.
import { describe, expect, it } from 'vitest';
import type { TrackChroma } from './chroma.ts';
import { PROFILES } from './profiles.ts';
import { bestKey, correlation, MODES } from './scoring.ts';

/** A chroma (index 0 = C) shaped like `profile` (index 0 = tonic) set on `tonic`. */
function rotated(profile: readonly number[], tonic: number): Float64Array {
  return Float64Array.from({ length: 12 }, (_, pc) => profile[(pc - tonic + 12) % 12]!);
}

function chroma(treble: Float64Array, bass = new Float64Array(12)): TrackChroma {
  return { treble, bass, tonalFrames: 10 };
}

describe('key scoring', () => {
  it('recognises every key from a chroma shaped like its Krumhansl-Kessler profile', () => {
    // A different published profile from the one scoring uses, so this is not circular.
    for (const mode of MODES) {
      for (let tonic = 0; tonic < 12; tonic++) {
        const track = chroma(rotated(PROFILES.krumhansl[mode], tonic));
        const estimate = bestKey({ track, opening: track, soundingFrames: 10 });
        expect(estimate, `${tonic} ${mode}`).toMatchObject({ tonic, mode });
        expect(estimate.confidence).toBeGreaterThan(0.5);
      }
    }
  });

  it('lets the opening chord and bass decide between a major key and its relative minor', () => {
    // C major scale tones, evenly: C major and A minor fit it equally.
    const diatonic = Float64Array.from([1, 0, 1, 0, 1, 1, 0, 1, 0, 1, 0, 1]);
    const aMinorChord = Float64Array.from([1, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0]);
    const aBass = Float64Array.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0]);
    const estimate = bestKey({ track: chroma(diatonic), opening: chroma(aMinorChord, aBass), soundingFrames: 10 });
    expect(estimate).toMatchObject({ tonic: 9, mode: 'minor' });
  });

  it('gives no confidence for flat chroma or too little pitched content', () => {
    const flat = chroma(new Float64Array(12).fill(1));
    expect(bestKey({ track: flat, opening: flat, soundingFrames: 10 }).confidence).toBe(0);
    const sparse = chroma(rotated(PROFILES.krumhansl.major, 0));
    expect(bestKey({ track: sparse, opening: sparse, soundingFrames: 100 })).toEqual({
      tonic: 0,
      mode: 'major',
      confidence: 0,
    });
  });

  it('correlates like Pearson', () => {
    const profile = PROFILES.temperley.major;
    expect(correlation(rotated(profile, 5), profile, 5)).toBeCloseTo(1, 12);
    expect(
      correlation(
        rotated(profile, 5).map((v) => -v),
        profile,
        5,
      ),
    ).toBeCloseTo(-1, 12);
    expect(correlation(new Float64Array(12), profile, 0)).toBe(0);
  });
});
