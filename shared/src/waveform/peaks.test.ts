// Peaks checked against a brute-force min/max over the samples each peak covers.
import { describe, expect, it } from 'vitest';
import { computePeaks, PeakBuilder, FINEST_SAMPLES_PER_PEAK, levelForZoom, peakRange } from './peaks.ts';

function noise(length: number, seed: number): Float32Array {
  const out = new Float32Array(length);
  let state = seed;
  for (let i = 0; i < length; i++) {
    state = (state * 1664525 + 1013904223) >>> 0;
    out[i] = (state / 2 ** 32) * 2 - 1;
  }
  return out;
}

/** Brute force over the samples a peak covers: the independent reference. */
function bruteRange(channels: Float32Array[], start: number, end: number): [number, number] {
  let min = Infinity;
  let max = -Infinity;
  for (const channel of channels) {
    for (let i = start; i < Math.min(end, channel.length); i++) {
      min = Math.min(min, channel[i]!);
      max = Math.max(max, channel[i]!);
    }
  }
  return [min, max];
}

describe('computePeaks', () => {
  const left = noise(300_001, 1).map((v) => v * 0.5);
  const right = noise(300_001, 2).map((v) => v * 0.25);
  right[123_456] = 0.99; // a lone spike on one channel must survive every level
  const peaks = computePeaks([left, right], 44_100);

  it('covers the whole signal at every level, finest first, each 4x coarser', () => {
    expect(peaks.length).toBe(300_001);
    expect(peaks.levels[0]!.samplesPerPeak).toBe(FINEST_SAMPLES_PER_PEAK);
    for (const [i, level] of peaks.levels.entries()) {
      expect(level.data.length / 2).toBe(Math.ceil(300_001 / level.samplesPerPeak));
      if (i > 0) expect(level.samplesPerPeak).toBe(peaks.levels[i - 1]!.samplesPerPeak * 4);
    }
    expect(peaks.levels.at(-1)!.data.length / 2).toBeLessThanOrEqual(1024);
  });

  it('matches a brute-force min/max at every level within one quantisation step', () => {
    const step = 1 / 32767;
    for (const level of peaks.levels) {
      const count = level.data.length / 2;
      for (const peak of [0, 1, Math.floor(count / 2), count - 1]) {
        const start = peak * level.samplesPerPeak;
        const [min, max] = bruteRange([left, right], start, start + level.samplesPerPeak);
        expect(Math.abs(level.data[peak * 2]! / 32767 - min)).toBeLessThanOrEqual(step);
        expect(Math.abs(level.data[peak * 2 + 1]! / 32767 - max)).toBeLessThanOrEqual(step);
      }
    }
  });

  it('keeps a one-sample spike at the coarsest level', () => {
    const coarsest = peaks.levels.at(-1)!;
    const [, max] = peakRange(coarsest, 123_456, 123_457);
    expect(max).toBeCloseTo(0.99, 4);
  });

  it('clips out-of-range samples instead of wrapping', () => {
    const loud = computePeaks([new Float32Array([1.5, -2, 0.5])], 8000);
    expect(Array.from(loud.levels[0]!.data)).toEqual([-32767, 32767]);
  });

  it('handles empty audio', () => {
    const empty = computePeaks([new Float32Array(0)], 8000);
    expect(empty.length).toBe(0);
    expect(empty.levels[0]!.data.length).toBe(0);
  });
});

describe('levelForZoom', () => {
  const peaks = computePeaks([noise(2_000_000, 3)], 48_000);
  it('picks the coarsest level that still resolves one pixel', () => {
    expect(levelForZoom(peaks, 10).samplesPerPeak).toBe(128);
    expect(levelForZoom(peaks, 600).samplesPerPeak).toBe(512);
    expect(levelForZoom(peaks, 2048).samplesPerPeak).toBe(2048);
  });
});

describe('PeakBuilder', () => {
  it('equals computePeaks on the joined audio, whatever the stretches', () => {
    const length = 300_001;
    const channels = [0, 1].map((c) =>
      Float32Array.from({ length }, (_, i) => Math.sin(i * (0.001 + c * 0.0007)) * (0.2 + (i % 977) / 1300)),
    );
    const whole = computePeaks(channels, 48_000);
    for (const stretch of [1_000, 4_410, 128 * 7 + 3, length]) {
      const builder = new PeakBuilder(48_000, length);
      for (let start = 0; start < length; start += stretch) {
        builder.add(
          channels.map((channel) => channel.subarray(start, start + stretch)),
          start,
        );
      }
      const built = builder.finish();
      expect(built.length).toBe(whole.length);
      expect(built.levels.map((level) => level.samplesPerPeak)).toEqual(whole.levels.map((l) => l.samplesPerPeak));
      built.levels.forEach((level, i) => expect(Array.from(level.data)).toEqual(Array.from(whole.levels[i]!.data)));
    }
  });
});
