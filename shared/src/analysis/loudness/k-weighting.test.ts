// The derived K-weighting against the coefficients BS.1770-4 publishes for 48 kHz, and its
// response at other rates against the 48 kHz one.
import { describe, expect, it } from 'vitest';
import { biquadGain, kWeighting, type Biquad } from './k-weighting.ts';

// ITU-R BS.1770-4, Annex 1, Tables 1 and 2.
const PUBLISHED_SHELF: Biquad = {
  b0: 1.53512485958697,
  b1: -2.69169618940638,
  b2: 1.19839281085285,
  a1: -1.69065929318241,
  a2: 0.73248077421585,
};
const PUBLISHED_HIGH_PASS: Biquad = { b0: 1, b1: -2, b2: 1, a1: -1.99004745483398, a2: 0.99007225036621 };

function kGainDb(frequencyHz: number, sampleRate: number): number {
  const { shelf, highPass } = kWeighting(sampleRate);
  return 20 * Math.log10(biquadGain(shelf, frequencyHz, sampleRate) * biquadGain(highPass, frequencyHz, sampleRate));
}

describe('kWeighting', () => {
  it('reproduces the published 48 kHz coefficients', () => {
    const { shelf, highPass } = kWeighting(48_000);
    for (const key of ['b0', 'b1', 'b2', 'a1', 'a2'] as const) {
      expect(Math.abs(shelf[key] - PUBLISHED_SHELF[key])).toBeLessThan(1e-12);
      expect(Math.abs(highPass[key] - PUBLISHED_HIGH_PASS[key])).toBeLessThan(1e-12);
    }
  });

  it('has the K-curve landmarks: +0.69 dB at 1 kHz, about +4 dB above 5 kHz, a 38 Hz high-pass', () => {
    expect(kGainDb(997, 48_000)).toBeCloseTo(0.691, 2);
    expect(kGainDb(10_000, 48_000)).toBeGreaterThan(3.9);
    expect(kGainDb(10_000, 48_000)).toBeLessThan(4.2);
    expect(kGainDb(20, 48_000)).toBeLessThan(-8);
  });

  it('keeps the same response from 22.05 to 192 kHz', () => {
    for (const sampleRate of [22_050, 44_100, 88_200, 96_000, 192_000]) {
      for (const frequencyHz of [30, 100, 997, 3000]) {
        expect(Math.abs(kGainDb(frequencyHz, sampleRate) - kGainDb(frequencyHz, 48_000))).toBeLessThan(0.05);
      }
    }
  });

  it('refuses rates it cannot filter', () => {
    expect(() => kWeighting(0)).toThrow(RangeError);
    expect(() => kWeighting(Number.NaN)).toThrow(RangeError);
    // With the 1.68 kHz shelf above the Nyquist frequency the shelf is unstable.
    expect(() => kWeighting(1000)).toThrow(RangeError);
    expect(() => kWeighting(3000)).toThrow(RangeError);
  });

  it('gives stable filters at every rate it accepts', () => {
    // A biquad is stable when its poles lie inside the unit circle: |a2| < 1 and |a1| < 1 + a2.
    for (const sampleRate of [3400, 4000, 8000, 44_100, 384_000]) {
      for (const filter of Object.values(kWeighting(sampleRate))) {
        expect(Math.abs(filter.a2)).toBeLessThan(1);
        expect(Math.abs(filter.a1)).toBeLessThan(1 + filter.a2);
      }
    }
  });
});
