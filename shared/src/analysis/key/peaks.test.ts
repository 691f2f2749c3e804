// Spectral peaks: where a partial is, how loud, and nothing where there is only noise.
import { describe, expect, it } from 'vitest';
import { DEFAULT_PEAK_OPTIONS, PeakPicker, type SpectralPeaks } from './peaks.ts';

const RATE = 5512.5;

function allPeaks(samples: Float32Array): SpectralPeaks {
  const picker = new PeakPicker(samples, RATE);
  for (let f = 0; f < picker.frameCount; f++) picker.pickFrame(f);
  return picker.result();
}

describe('PeakPicker', () => {
  it('finds a partial to a few hundredths of a bin and its level against a full-scale sine', () => {
    const frequency = 261.3;
    const samples = Float32Array.from(
      { length: 4 * 8192 },
      (_, i) => 0.5 * Math.sin((2 * Math.PI * frequency * i) / RATE),
    );
    const peaks = allPeaks(samples);
    const picker = new PeakPicker(samples, RATE);
    expect(picker.fftSize).toBe(4096); // 0.74 s: 1.35 Hz bins
    expect(picker.hopSize).toBe(2048);
    expect(peaks.frameCount).toBe(picker.frameCount);
    expect(peaks.soundingFrames).toBe(peaks.frameCount);
    expect(peaks.frequencyHz.length).toBe(peaks.frameCount); // one peak a frame, no sidelobes
    for (let i = 0; i < peaks.frequencyHz.length; i++) {
      expect(Math.abs(peaks.frequencyHz[i]! - frequency)).toBeLessThan(0.03 * (RATE / 4096));
      expect(peaks.levelDb[i]).toBeCloseTo(20 * Math.log10(0.5), 0);
    }
  });

  it('keeps to the band and finds nothing in noise or silence', () => {
    let seed = 7;
    const noise = Float32Array.from({ length: RATE * 20 }, () => {
      seed = (seed * 16807) % 2147483647;
      return seed / 2147483647 - 0.5;
    });
    const noisePeaks = allPeaks(noise);
    expect(noisePeaks.soundingFrames).toBe(noisePeaks.frameCount);
    expect(noisePeaks.frequencyHz.length).toBeLessThan(noisePeaks.frameCount); // at most a stray one
    const silence = allPeaks(new Float32Array(RATE * 5));
    expect(silence.soundingFrames).toBe(0);
    expect(silence.frequencyHz.length).toBe(0);
    const outOfBand = Float32Array.from({ length: RATE * 3 }, (_, i) => Math.sin((2 * Math.PI * 2400 * i) / RATE));
    expect(allPeaks(outOfBand).frequencyHz.length).toBe(0);
    expect(DEFAULT_PEAK_OPTIONS.maxHz).toBeLessThan(2400);
  });
});
