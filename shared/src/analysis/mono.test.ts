import { describe, expect, it } from 'vitest';
import { downmix, halve, halveStereo, monoAtRate, monoAtRateInSlices, SHARP, WIDE } from './mono.ts';

const sine = (frequency: number, sampleRate: number, length: number) =>
  Float32Array.from({ length }, (_, i) => Math.sin((2 * Math.PI * frequency * i) / sampleRate));

function rms(x: Float32Array, from = 100, to = x.length - 100): number {
  let sum = 0;
  for (let i = from; i < to; i++) sum += x[i]! ** 2;
  return Math.sqrt(sum / (to - from));
}

describe('monoAtRate', () => {
  it('keeps what lies well below the new Nyquist and rejects what would alias', () => {
    const passed = halve(sine(2000, 44100, 20000)); // 2 kHz, new rate 22.05 kHz
    expect(rms(passed)).toBeCloseTo(Math.SQRT1_2, 2);
    const rejected = halve(sine(16000, 44100, 20000)); // would alias to 6.05 kHz
    expect(20 * Math.log10(rms(rejected) / Math.SQRT1_2)).toBeLessThan(-60);
  });

  it('mixes channels down and halves until the rate is as low as allowed', () => {
    const left = sine(440, 44100, 44100);
    const right = new Float32Array(44100);
    expect(downmix([left, right])[1]).toBeCloseTo(left[1]! / 2, 7);
    const mono = monoAtRate([left, right], 44100, 10000);
    expect(mono.sampleRate).toBe(11025);
    expect(mono.samples.length).toBe(11025);
    expect(rms(mono.samples)).toBeCloseTo(Math.SQRT1_2 / 2, 2);
    expect(monoAtRate([left], 8000, 11025).sampleRate).toBe(8000);
  });
});

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

describe('halve', () => {
  it('gives through the unrolled filters what the general loop gives', () => {
    const left = noise(5001, 7);
    const right = noise(5001, 8);
    // A copy of the wide filter is not the same object, so it takes the general loop.
    const mono = downmix([left, right]);
    for (const filter of [WIDE, SHARP]) {
      const general = { centre: filter.centre, odd: filter.odd.slice() };
      const reference = halve(mono, general);
      for (const result of [halve(mono, filter), halveStereo(left, right, filter)]) {
        expect(result.length).toBe(reference.length);
        for (let i = 0; i < reference.length; i++) expect(result[i]).toBeCloseTo(reference[i]!, 6);
      }
    }
  });
});
