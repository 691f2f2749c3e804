import { describe, expect, it } from 'vitest';
import {
  beatFMeasure,
  countMatches,
  downbeatFMeasure,
  eventScores,
  tempoAcc1,
  tempoAcc2,
  trimBeats,
} from './beat-metrics.ts';

describe('tempo accuracy', () => {
  it('Acc1 accepts within 4 % of the reference and nothing else', () => {
    expect(tempoAcc1(120, 124)).toBe(true); // 3.3 %
    expect(tempoAcc1(120, 115.5)).toBe(true); // -3.75 %
    expect(tempoAcc1(120, 125)).toBe(false); // 4.2 %
    expect(tempoAcc1(120, 60)).toBe(false);
    expect(tempoAcc1(0, 0)).toBe(false);
  });

  it('Acc2 also accepts double, triple, half and third, but not 3/2 or 2/3', () => {
    for (const estimate of [240, 360, 60, 40, 122, 243]) expect(tempoAcc2(120, estimate)).toBe(true);
    for (const estimate of [180, 80, 90, 300]) expect(tempoAcc2(120, estimate)).toBe(false);
  });
});

describe('beat F-measure (mir_eval.beat.f_measure, ±70 ms)', () => {
  it('counts a match only within the window: 2 of 4 each way gives F = 0.5', () => {
    // 1 <-> 1.05 (50 ms) and 3 <-> 3 match; 2.1 is 100 ms off; 5 has no partner.
    const scores = eventScores([1, 2, 3, 4], [1.05, 2.1, 3, 5]);
    expect(scores).toEqual({ precision: 0.5, recall: 0.5, fMeasure: 0.5 });
  });

  it('matches each beat at most once: a doubled estimate costs precision', () => {
    // 0.97 and 1.03 both lie near 1, but only one of them may match it: P = 2/3, R = 1.
    expect(beatFMeasure([1, 2], [0.97, 1.03, 2])).toBeCloseTo(0.8, 12);
  });

  it('finds the largest matching, not the nearest neighbours', () => {
    // Nearest-first would pair 1.10 with 1.06 and leave 1.00 alone; both can be matched.
    expect(countMatches([1.0, 1.1], [1.06, 1.15], 0.07)).toBe(2);
    expect(countMatches([1.0, 1.1], [1.06], 0.07)).toBe(1);
  });

  it('compares distances as mir_eval does, to the last bit', () => {
    // |1.07 - 1.0| is 0.07000000000000006 in doubles: just outside, for numpy too.
    expect(beatFMeasure([1.0], [1.07])).toBe(0);
    expect(beatFMeasure([1.0], [1.0625])).toBe(1);
  });

  it('is 0 when either list is empty, and 1 for identical lists', () => {
    expect(beatFMeasure([], [1, 2])).toBe(0);
    expect(beatFMeasure([1, 2], [])).toBe(0);
    expect(beatFMeasure([0.5, 1, 1.5], [0.5, 1, 1.5])).toBe(1);
  });

  it('scores downbeats the same way, and trims the first 5 s as mir_eval.beat.evaluate does', () => {
    expect(downbeatFMeasure([0, 2, 4], [0.02, 4.03])).toBeCloseTo(0.8, 12);
    expect(trimBeats([1, 4.99, 5, 6.5])).toEqual([5, 6.5]);
  });
});
