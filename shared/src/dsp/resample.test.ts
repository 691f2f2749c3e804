// Resampler quality against analytic sines: round-trip SNR, accuracy one way, alias and image
// rejection; the streaming form against the whole-signal one.
import { describe, expect, it } from 'vitest';
import { resample, Resampler, StreamingResampler } from './resample.ts';

function sine(frequency: number, sampleRate: number, length: number, amplitude = 0.5): Float32Array {
  return Float32Array.from(
    { length },
    (_, i) => amplitude * Math.sin((2 * Math.PI * frequency * i) / sampleRate + 0.3),
  );
}

/** SNR in dB of `estimate` against `reference` over [from, to). */
function snrDb(reference: Float32Array, estimate: Float32Array, from: number, to: number): number {
  let signal = 0;
  let error = 0;
  for (let i = from; i < to; i++) {
    signal += reference[i]! ** 2;
    error += (reference[i]! - estimate[i]!) ** 2;
  }
  return 10 * Math.log10(signal / error);
}

function rms(x: Float32Array, from: number, to: number): number {
  let sum = 0;
  for (let i = from; i < to; i++) sum += x[i]! ** 2;
  return Math.sqrt(sum / (to - from));
}

const EDGE = 400;

describe('Resampler', () => {
  it('gives ceil(length * to / from) samples', () => {
    expect(new Resampler(48_000, 44_100).outputLength(48_000)).toBe(44_100);
    expect(new Resampler(48_000, 44_100).outputLength(1)).toBe(1);
    expect(new Resampler(44_100, 48_000).outputLength(44_101)).toBe(48_002);
    expect(new Resampler(22_050, 44_100).outputLength(10)).toBe(20);
  });

  it('converts sines between 48 kHz, 22.05 kHz and 44.1 kHz to within -80 dB', () => {
    for (const [from, to] of [
      [48_000, 44_100],
      [44_100, 48_000],
      [22_050, 44_100],
      [44_100, 22_050],
      [32_000, 44_100],
    ] as const) {
      for (const frequency of [440, 5_000, 0.4 * Math.min(from, to)]) {
        const input = sine(frequency, from, from / 2);
        const [output] = resample([input], from, to);
        const expected = sine(frequency, to, output!.length);
        const snr = snrDb(expected, output!, EDGE, output!.length - EDGE);
        expect(snr, `${frequency} Hz, ${from} -> ${to}`).toBeGreaterThan(80);
      }
    }
  });

  it('round-trips 44.1 kHz -> 48 kHz -> 44.1 kHz with an SNR over 80 dB', () => {
    const input = sine(1_000, 44_100, 44_100).map((v, i) => v + 0.3 * Math.sin(i * 0.9));
    const [up] = resample([input], 44_100, 48_000);
    const [back] = resample([up!], 48_000, 44_100);
    expect(back!.length).toBe(input.length);
    expect(snrDb(input, back!, EDGE, input.length - EDGE)).toBeGreaterThan(80);
  });

  it('rejects what would alias (48 kHz -> 44.1 kHz) or image (22.05 kHz -> 44.1 kHz) by 80 dB', () => {
    // 23 kHz lies above 44.1 kHz's Nyquist and would fold to 21.1 kHz.
    const [aliased] = resample([sine(23_000, 48_000, 24_000)], 48_000, 44_100);
    expect(20 * Math.log10(rms(aliased!, EDGE, aliased!.length - EDGE) / (0.5 / Math.SQRT2))).toBeLessThan(-80);
    // Upsampling a 10 kHz tone must not leave its image at 22.05 - 10 = 12.05 kHz: project on it.
    const [up] = resample([sine(10_000, 22_050, 11_025)], 22_050, 44_100);
    let re = 0;
    let im = 0;
    // A Hann-weighted projection, so the 10 kHz tone's own leakage stays far below the limit.
    let weights = 0;
    const span = up!.length - 2 * EDGE;
    for (let i = 0; i < span; i++) {
      const w = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / span);
      const v = up![EDGE + i]! * w;
      re += v * Math.cos((2 * Math.PI * 12_050 * i) / 44_100);
      im += v * Math.sin((2 * Math.PI * 12_050 * i) / 44_100);
      weights += w;
    }
    const imageAmplitude = (2 * Math.hypot(re, im)) / weights;
    expect(20 * Math.log10(imageAmplitude / 0.5)).toBeLessThan(-80);
  });

  it('computes any output range on its own, identical to the whole', () => {
    const resampler = new Resampler(48_000, 44_100);
    const input = sine(700, 48_000, 10_000);
    const whole = new Float32Array(resampler.outputLength(input.length));
    resampler.resampleRange(input, whole, 0);
    const part = new Float32Array(1_000);
    resampler.resampleRange(input.subarray(4_000, 7_000), part, 4_000, 4_000, input.length);
    expect([...part]).toEqual([...whole.subarray(4_000, 5_000)]);
  });
});

describe('StreamingResampler', () => {
  it('streams chunks of any size to the same samples as the whole-signal conversion', () => {
    for (const [from, to] of [
      [44_100, 48_000],
      [44_100, 22_050],
      [44_100, 44_056],
    ] as const) {
      const input = sine(1_234, from, 20_000).map((v, i) => v + 0.1 * Math.cos(i * 1.3));
      const resampler = new Resampler(from, to);
      const whole = new Float32Array(resampler.outputLength(input.length));
      resampler.resampleRange(input, whole, 0);
      const stream = new StreamingResampler(resampler, 1, input.length);
      const parts: Float32Array[] = [];
      let at = 0;
      for (const size of [1, 999, 50, 7_000, 3, 11_947]) {
        parts.push(stream.push([input.subarray(at, at + size)])[0]!);
        at += size;
      }
      parts.push(stream.finish()[0]!);
      const joined = new Float32Array(whole.length);
      let offset = 0;
      for (const part of parts) {
        joined.set(part, offset);
        offset += part.length;
      }
      expect(offset).toBe(whole.length);
      expect(joined).toEqual(whole);
    }
  });
});
