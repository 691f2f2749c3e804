// The demixing challenge SDR against values worked out by hand, and its float64 accumulation.
import { describe, expect, it } from 'vitest';
import { meanOverSongs, sdr, songSdr } from './sdr.ts';

const f32 = (...values: number[]) => Float32Array.from(values);

describe('sdr', () => {
  it('matches hand-computed values', () => {
    // signal 1 + 4 + 9 + 16 = 30, error (4 - 3)^2 = 1
    expect(sdr([f32(1, 2, 3, 4)], [f32(1, 2, 3, 3)])).toBeCloseTo(10 * Math.log10(30.0000001 / 1.0000001), 12);
    // Sums run over both channels: signal 1 + 4 = 5, error 1 + 4 = 5 -> 0 dB.
    expect(sdr([f32(1, 0), f32(0, 2)], [f32(0, 0), f32(0, 0)])).toBeCloseTo(0, 12);
    // A perfect estimate is bounded by the epsilon: 10 log10((2 + 1e-7) / 1e-7) = 73.0103 dB.
    expect(sdr([f32(1, -1)], [f32(1, -1)])).toBeCloseTo(10 * Math.log10(2.0000001 / 1e-7), 9);
    expect(sdr([f32(1, -1)], [f32(1, -1)])).toBeCloseTo(73.0103, 3);
  });

  it('scores a silent truth like any other stem: 0 dB only for silence', () => {
    expect(sdr([f32(0, 0, 0)], [f32(0, 0, 0)])).toBe(0);
    // 1e-7 / (1e-6 + 1e-7): -10.414 dB for an estimate of energy 1e-6.
    expect(sdr([f32(0, 0)], [f32(0.001, 0)])).toBeCloseTo(10 * Math.log10(1e-7 / 1.1e-6), 6);
    expect(sdr([f32(0, 0)], [f32(0.001, 0)])).toBeCloseTo(-10.414, 3);
  });

  it('accumulates in float64', () => {
    // 3 million samples of fround(0.1): a float32 sum would drift by ~1e-4 relative.
    const n = 3_000_000;
    const reference = new Float32Array(n).fill(0.1);
    const estimate = new Float32Array(n).fill(0.1);
    estimate[0] = 0;
    const v = Math.fround(0.1);
    const expected = 10 * Math.log10((n * v * v + 1e-7) / (v * v + 1e-7));
    expect(Math.abs(sdr([reference], [estimate]) - expected)).toBeLessThan(1e-9);
  });

  it('rejects different shapes', () => {
    expect(() => sdr([f32(1, 2)], [f32(1)])).toThrow(RangeError);
    expect(() => sdr([f32(1), f32(1)], [f32(1)])).toThrow(RangeError);
  });
});

describe('songSdr and meanOverSongs', () => {
  it('averages over stems, then over songs', () => {
    const truth = { a: [f32(1, 2, 3, 4)], b: [f32(1, 0)] };
    const song = songSdr(truth, { a: [f32(1, 2, 3, 3)], b: [f32(0, 0)] });
    const a = 10 * Math.log10(30.0000001 / 1.0000001);
    const b = 10 * Math.log10(1.0000001 / 1.0000001);
    expect(song.stems).toEqual({ a: expect.closeTo(a, 12), b: expect.closeTo(b, 12) });
    expect(song.mean).toBeCloseTo((a + b) / 2, 12);
    expect(meanOverSongs([song, { stems: {}, mean: 1 }])).toBeCloseTo(((a + b) / 2 + 1) / 2, 12);
    expect(() => songSdr(truth, { a: [f32(1, 2, 3, 3)] })).toThrow(/no estimate for stem 'b'/);
  });
});
