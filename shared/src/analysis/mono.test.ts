import { describe, expect, it } from 'vitest';
import { downmix, halve, monoAtRate } from './mono.ts';

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
