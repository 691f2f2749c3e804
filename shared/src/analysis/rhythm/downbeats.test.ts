import { describe, expect, it } from 'vitest';
import { barContrast, bestBarGrid, chooseBars } from './downbeats.ts';

/** Evidence 1 on every `period`-th beat from `phase`, small fixed clutter elsewhere. */
function periodic(count: number, period: number, phase: number): Float32Array {
  return Float32Array.from({ length: count }, (_, b) => (b % period === phase ? 1 : 0.1 + 0.05 * Math.sin(b * 3.7)));
}

describe('bestBarGrid', () => {
  it('finds bars of three and of four, and where they start', () => {
    expect(bestBarGrid(periodic(60, 3, 1))).toMatchObject({ beatsPerBar: 3, phase: 1 });
    expect(bestBarGrid(periodic(60, 4, 2))).toMatchObject({ beatsPerBar: 4, phase: 2 });
  });

  it('does not take a pattern that repeats every two beats for bars of four', () => {
    const twos = periodic(60, 2, 0);
    expect(Math.abs(barContrast(twos, 4, 0, 0, 60))).toBeLessThan(0.05);
  });
});

describe('chooseBars', () => {
  it('reads 3/4 from clear harmony, with the accents helping the phase', () => {
    const harmonic = periodic(48, 3, 2);
    const accents = [{ values: periodic(48, 3, 2), weight: 0.3 }];
    expect(chooseBars(harmonic, accents, 2, 46)).toMatchObject({ beatsPerBar: 3, phase: 2 });
  });

  it('falls back to 4/4 when the harmony says nothing clear', () => {
    const noise = Float32Array.from({ length: 24 }, (_, b) => 0.5 + 0.1 * Math.sin(b * b * 1.3));
    expect(chooseBars(noise, [], 2, 22).beatsPerBar).toBe(4);
  });
});
