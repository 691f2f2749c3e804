// Tuning: harmonic tones on grids detuned by known amounts, estimated within 3 cents.
import { describe, expect, it } from 'vitest';
import { PeakPicker } from './peaks.ts';
import { chordNotes, renderTones } from './testing/tones.ts';
import { centsOffGrid, estimateTuning, wrapCents } from './tuning.ts';

const RATE = 5512.5;
// C major, F major, G major, A minor triads with a bass note: 8 s.
const CHORDS = [
  [48, 60, 64, 67],
  [53, 60, 65, 69],
  [43, 59, 62, 67],
  [45, 60, 64, 69],
];

/** Distance between two tunings round the semitone circle, cents. */
const circularError = (estimate: number, truth: number) => Math.abs(wrapCents(estimate - truth));

function tuningOf(tuningCents: number, harmonics = 6): number {
  const samples = renderTones(chordNotes(CHORDS, 2), 8, RATE, tuningCents, harmonics);
  const picker = new PeakPicker(samples, RATE);
  for (let f = 0; f < picker.frameCount; f++) picker.pickFrame(f);
  return estimateTuning(picker.result());
}

describe('estimateTuning', () => {
  it('finds grids detuned by known amounts within 3 cents', () => {
    for (const cents of [0, 20, -30, 45, -45]) {
      const estimate = tuningOf(cents);
      expect(circularError(estimate, cents), `${cents} cents`).toBeLessThan(3);
      expect(estimate > -50 && estimate <= 50).toBe(true);
    }
  });

  it('is not pulled by the 5th and 7th harmonics, which sit 14 and 31 cents flat', () => {
    expect(circularError(tuningOf(10, 10), 10)).toBeLessThan(3);
  });

  it('treats half a semitone sharp and flat as the same grid, and nothing as 0', () => {
    expect(circularError(tuningOf(-50), 50)).toBeLessThan(3);
    const empty = new PeakPicker(new Float32Array(RATE * 3), RATE);
    for (let f = 0; f < empty.frameCount; f++) empty.pickFrame(f);
    expect(estimateTuning(empty.result())).toBe(0);
  });

  it('wraps cents into (-50, 50]', () => {
    expect(wrapCents(-50)).toBe(50);
    expect(wrapCents(50)).toBe(50);
    expect(wrapCents(149)).toBeCloseTo(49, 9);
    expect(wrapCents(-151)).toBeCloseTo(49, 9);
    expect(centsOffGrid(440 * 2 ** (1 / 12 + 0.2 / 12))).toBeCloseTo(20, 6);
    expect(centsOffGrid(440 * 2 ** (-0.3 / 12))).toBeCloseTo(-30, 6);
  });
});
