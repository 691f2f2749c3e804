import { describe, expect, it } from 'vitest';
import { monoAtRate } from '../mono.ts';
import { noCheckpoint } from './checkpoint.ts';
import { monoAtRateInSlices } from './decimate.ts';

describe('monoAtRateInSlices', () => {
  const length = 700_001;
  const left = Float32Array.from({ length }, (_, i) => Math.sin(i * 0.0123) + 0.3 * Math.sin(i * 1.7));
  const right = Float32Array.from({ length }, (_, i) => Math.cos(i * 0.031) * 0.5);

  it.each([44100, 22050, 8000])('gives what one monoAtRate call gives, sample for sample, at %i Hz', async (rate) => {
    const whole = monoAtRate([left, right], rate, 11025);
    const sliced = await monoAtRateInSlices([left, right], rate, 11025, noCheckpoint);
    expect(sliced.sampleRate).toBe(whole.sampleRate);
    expect(sliced.samples.length).toBe(whole.samples.length);
    let mismatches = 0;
    for (let i = 0; i < whole.samples.length; i++) if (sliced.samples[i] !== whole.samples[i]) mismatches++;
    expect(mismatches).toBe(0);
  });
});
