// The gates and percentiles on hand-made window values, worked out by hand beside each case.
import { describe, expect, it } from 'vitest';
import { integratedLoudness, loudnessRange, lufsOf, windowMeanSquares } from './gating.ts';
import type { EnergyTimeline } from './signal-scan.ts';

/** Mean squares that read `lufs` each. */
function blocks(...runs: [lufs: number, count: number][]): Float64Array {
  return Float64Array.from(runs.flatMap(([lufs, count]) => Array<number>(count).fill(10 ** ((lufs + 0.691) / 10))));
}

describe('integratedLoudness', () => {
  it('leaves out blocks under -70 LUFS, then those 10 LU under the mean of the rest', () => {
    // -20 x 10, -28 x 10 and -40 x 5 pass -70; their energy mean is -23.3, so the relative
    // gate sits at -33.3: -40 is out, -28 stays. The result is the energy mean of -20 and -28.
    const expected = lufsOf((10 * 10 ** ((-20 + 0.691) / 10) + 10 * 10 ** ((-28 + 0.691) / 10)) / 20);
    const result = integratedLoudness(blocks([-20, 10], [-28, 10], [-40, 5], [-80, 50]));
    expect(result).toBeCloseTo(expected, 9);
    expect(result).toBeCloseTo(-22.37, 2);
  });

  it('reads -Infinity when nothing passes the absolute gate', () => {
    expect(integratedLoudness(blocks([-75, 10]))).toBe(-Infinity);
    expect(integratedLoudness(new Float64Array(0))).toBe(-Infinity);
  });
});

describe('loudnessRange', () => {
  it('is the spread from the 10th to the 95th percentile of the gated values', () => {
    // -30.0, -29.9, ..., -10.0 (201 values): nearest ranks 20 and 190 read -28 and -11.
    const values = Float64Array.from({ length: 201 }, (_, i) => 10 ** ((-30 + i / 10 + 0.691) / 10));
    expect(loudnessRange(values)).toBeCloseTo(17, 9);
  });

  it('drops what is 20 LU under the mean of the values above -70 LUFS', () => {
    // Energy mean of -20 x 10 and -45 x 10 is -23.0: its gate at -43 drops -45, leaving 0 LU.
    expect(loudnessRange(blocks([-20, 10], [-45, 10], [-90, 10]))).toBeCloseTo(0, 9);
    expect(loudnessRange(blocks([-90, 10]))).toBe(0);
  });
});

describe('windowMeanSquares', () => {
  it('sums whole windows on the grid and divides by their length in samples', () => {
    // 7 whole sub-blocks of 3 samples and a partial eighth one that no window may use.
    const timeline: EnergyTimeline = {
      sampleRate: 300,
      frames: 23,
      energy: Float64Array.from([1, 2, 3, 4, 5, 6, 7, 100]),
      starts: [0, 3, 6, 9, 12, 15, 18, 21, 23],
      wholeSubBlocks: 7,
    };
    expect(Array.from(windowMeanSquares(timeline, 3, 1))).toEqual([6 / 9, 9 / 9, 12 / 9, 15 / 9, 18 / 9]);
    expect(Array.from(windowMeanSquares(timeline, 3, 2))).toEqual([6 / 9, 12 / 9, 18 / 9]);
    expect(windowMeanSquares(timeline, 8, 1)).toHaveLength(0);
  });
});
