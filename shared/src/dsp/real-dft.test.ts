// The mixed-radix real FFT against a direct DFT, for power-of-two sizes and for the 3- and
// 5-smooth sizes MDX-Net models use (6144, 7680).
import { describe, expect, it } from 'vitest';
import { fftFactors } from './complex-fft.ts';
import { RealDft } from './real-dft.ts';

function directBin(x: Float64Array, k: number): [number, number] {
  let re = 0;
  let im = 0;
  for (let t = 0; t < x.length; t++) {
    re += x[t]! * Math.cos((2 * Math.PI * k * t) / x.length);
    im -= x[t]! * Math.sin((2 * Math.PI * k * t) / x.length);
  }
  return [re, im];
}

function testSignal(size: number): Float64Array {
  return Float64Array.from({ length: size }, (_, i) => Math.sin(i * 0.37) + ((i * 7919) % 13) / 13 - 0.5);
}

describe('RealDft', () => {
  it('matches a direct DFT on every bin for small mixed sizes', () => {
    for (const size of [4, 6, 10, 12, 18, 20, 30, 48, 60, 90, 120]) {
      const x = testSignal(size);
      const dft = new RealDft(size);
      const re = new Float64Array(dft.bins);
      const im = new Float64Array(dft.bins);
      dft.forward(x, re, im);
      for (let k = 0; k < dft.bins; k++) {
        const [r, i] = directBin(x, k);
        expect(re[k]).toBeCloseTo(r, 10);
        expect(im[k]).toBeCloseTo(i, 10);
      }
    }
  });

  it('matches a direct DFT on sampled bins for the model sizes, and inverts exactly', () => {
    for (const size of [4096, 6144, 7680]) {
      const x = testSignal(size);
      const dft = new RealDft(size);
      const re = new Float64Array(dft.bins);
      const im = new Float64Array(dft.bins);
      dft.forward(x, re, im);
      for (const k of [0, 1, 7, 511, size / 4, size / 3, size / 2 - 1, size / 2].map(Math.floor)) {
        const [r, i] = directBin(x, k);
        expect(Math.abs(re[k]! - r)).toBeLessThan(1e-8);
        expect(Math.abs(im[k]! - i)).toBeLessThan(1e-8);
      }
      const back = new Float64Array(size);
      dft.inverse(re, im, back);
      let worst = 0;
      for (let t = 0; t < size; t++) worst = Math.max(worst, Math.abs(back[t]! - x[t]!));
      expect(worst).toBeLessThan(1e-12);
    }
  });

  it('windows on the way in and overlap-adds on the way out', () => {
    const size = 48;
    const dft = new RealDft(size);
    const signal = new Float32Array(100).map((_, i) => Math.cos(i * 0.2));
    const window = Float64Array.from({ length: size }, (_, n) => 1 + n / size);
    dft.forwardWindowed(signal, 10, window, 0.5);
    const windowed = Float64Array.from({ length: size }, (_, n) => signal[10 + n]! * window[n]! * 0.5);
    for (const k of [0, 3, 24]) {
      const [r, i] = directBin(windowed, k);
      expect(dft.re[k]).toBeCloseTo(r, 5);
      expect(dft.im[k]).toBeCloseTo(i, 5);
    }
    const out = new Float64Array(size + 5).fill(1);
    dft.inverseOverlapAdd(window, 2, out, 5);
    expect(out[0]).toBe(1);
    for (let n = 0; n < size; n++) expect(out[5 + n]).toBeCloseTo(1 + 2 * window[n]! * windowed[n]!, 6);
  });

  it('zero-pads an input shorter than its size', () => {
    const size = 64;
    const short = testSignal(size).subarray(0, 40);
    const padded = new Float64Array(size);
    padded.set(short);
    const dft = new RealDft(size);
    const spectrum = () => new Float64Array(dft.bins);
    const [re, im, rePadded, imPadded] = [spectrum(), spectrum(), spectrum(), spectrum()];
    dft.forward(short, re, im);
    dft.forward(padded, rePadded, imPadded);
    expect(re).toEqual(rePadded);
    expect(im).toEqual(imPadded);
  });

  it('refuses sizes with other prime factors', () => {
    expect(fftFactors(7680)).toEqual([8, 8, 8, 3, 5]);
    expect(() => new RealDft(14)).toThrow(/prime factors/);
    expect(() => new RealDft(9)).toThrow(/even/);
  });
});
