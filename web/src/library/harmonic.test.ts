// Harmonic mixing rules: wheel order, compatible keys and tempi (half and double time count).
import { describe, expect, it } from 'vitest';
import type { AnalysisSummary } from '../storage/db.ts';
import { bpmDistance, bpmInRange, CAMELOT_WHEEL, camelotOrder, compatibleTracks } from './harmonic.ts';

function summary(bpm: number, camelot: string): AnalysisSummary {
  return { bpm, bpmMin: bpm, bpmMax: bpm, camelot, keyName: camelot, integratedLufs: -10 };
}

describe('Camelot order', () => {
  it('runs 1A, 1B, 2A … 12B, with unknown codes last', () => {
    expect(CAMELOT_WHEEL.map((key) => key.code)).toEqual(
      Array.from({ length: 24 }, (_, i) => `${Math.floor(i / 2) + 1}${i % 2 ? 'B' : 'A'}`),
    );
    expect(CAMELOT_WHEEL.find((key) => key.code === '8A')?.name).toBe('A minor');
    expect(CAMELOT_WHEEL.find((key) => key.code === '8B')?.name).toBe('C major');
    expect(camelotOrder('12B')).toBeGreaterThan(camelotOrder('2A'));
    expect(camelotOrder('?')).toBe(Number.POSITIVE_INFINITY);
  });
});

describe('tempo matching', () => {
  it('measures the closest of same, half and double time', () => {
    expect(bpmDistance(120, 126)).toBeCloseTo(0.05, 6);
    expect(bpmDistance(120, 61)).toBeCloseTo(2 / 120, 6);
    expect(bpmDistance(70, 139)).toBeCloseTo(1 / 140, 6);
    expect(bpmDistance(120, 0)).toBe(Number.POSITIVE_INFINITY);
  });

  it('matches a range, with half/double time only when asked; an unknown tempo only an open range', () => {
    expect(bpmInRange(64, 120, 130, false)).toBe(false);
    expect(bpmInRange(64, 120, 130, true)).toBe(true);
    expect(bpmInRange(0, 120, undefined, true)).toBe(false);
    expect(bpmInRange(0, undefined, undefined, false)).toBe(true);
  });
});

describe('compatibleTracks', () => {
  it('lists neighbouring keys within ±6% (or half/double), same key first, then closest tempo', () => {
    const library = new Map([
      ['self', summary(120, '8A')],
      ['relative', summary(125, '8B')],
      ['same', summary(118, '8A')],
      ['half', summary(61, '9A')],
      ['too-fast', summary(128, '7A')],
      ['far-key', summary(120, '2A')],
    ]);
    const found = compatibleTracks('self', library.get('self')!, library);
    expect(found.map((match) => match.id)).toEqual(['same', 'half', 'relative']);
    expect(found[0]!.sameKey).toBe(true);
  });
});
