import { describe, expect, it } from 'vitest';
import { autocorrelation, combSalience, refineTempo } from './tempogram.ts';

describe('autocorrelation', () => {
  it('agrees with the direct sum over lags (divided by the number of products)', () => {
    const x = Float32Array.from({ length: 300 }, (_, i) => Math.sin(i * 0.37) + 0.5 * Math.cos(i * i * 0.01));
    const acf = autocorrelation(x, 40);
    expect(acf.length).toBe(41);
    for (const lag of [0, 1, 7, 40]) {
      let direct = 0;
      for (let i = 0; i + lag < x.length; i++) direct += x[i]! * x[i + lag]!;
      expect(acf[lag]).toBeCloseTo(direct / (x.length - lag), 4);
    }
  });
});

describe('comb salience', () => {
  it('is highest at the period of a pulse train, and finds it to a fraction of a BPM', () => {
    const frameRate = 100;
    const pulses = new Float32Array(3000);
    for (let t = 0; t < 30; t += 60 / 96) pulses[Math.round(t * frameRate)] = 1;
    let mean = 0;
    for (const v of pulses) mean += v / pulses.length;
    const acf = autocorrelation(
      pulses.map((v) => v - mean),
      600,
    );
    expect(combSalience(acf, (60 * frameRate) / 96)).toBeGreaterThan(2 * combSalience(acf, (60 * frameRate) / 110));
    expect(refineTempo(acf, frameRate, 93).bpm).toBeCloseTo(96, 0);
  });
});
