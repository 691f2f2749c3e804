// Decimating in slices gives exactly what one call on the whole track gives.
import { describe, expect, it } from 'vitest';
import { monoAtRate } from '../mono.ts';
import { monoAtRateInSlices } from './mono-slices.ts';

function noise(length: number, seed: number): Float32Array {
  let state = seed;
  return Float32Array.from({ length }, () => {
    state = (state * 16807) % 2147483647;
    return state / 2147483647 - 0.5;
  });
}

describe('monoAtRateInSlices', () => {
  it('matches monoAtRate sample for sample at any rate and length, pausing between slices', async () => {
    for (const [sampleRate, length, minRate] of [
      [44100, 50003, 5000],
      [48000, 37777, 5000],
      [96000, 70000, 5000],
      [44100, 32768, 11025],
      [8000, 20001, 5000],
    ] as const) {
      const channels = [noise(length, 1), noise(length, 2)];
      const whole = monoAtRate(channels, sampleRate, minRate);
      const done: number[] = [];
      const sliced = await monoAtRateInSlices(channels, sampleRate, minRate, async (f) => void done.push(f), 4096);
      expect(sliced.sampleRate).toBe(whole.sampleRate);
      expect(sliced.samples).toEqual(whole.samples);
      expect(done.length).toBe(Math.ceil(length / 4096));
      expect(done.at(-1)).toBe(1);
    }
  });

  it('handles no channels and short tracks in one go', async () => {
    const pause = async () => {};
    expect((await monoAtRateInSlices([], 44100, 5000, pause)).samples.length).toBe(0);
    const short = noise(1000, 3);
    expect((await monoAtRateInSlices([short], 44100, 5000, pause)).samples).toEqual(
      monoAtRate([short], 44100, 5000).samples,
    );
  });
});
