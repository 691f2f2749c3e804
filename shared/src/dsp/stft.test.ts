// The STFT against a straightforward torch.stft-style implementation (explicit reflect padding,
// periodic Hann, direct DFT), and perfect reconstruction at the models' sizes.
import { describe, expect, it } from 'vitest';
import { centredFrameCount, istft, reflectPadInto, Stft, stft } from './stft.ts';

function noise(length: number, seed = 1): Float32Array {
  let state = seed;
  return Float32Array.from({ length }, () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 1073741824 - 1;
  });
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  return worst;
}

/** torch.stft(center=True, pad_mode='reflect', window=hann_window(n)) written out plainly. */
function referenceStft(x: Float32Array, nFft: number, hop: number, normalized: boolean) {
  const half = nFft / 2;
  const reflect = (i: number) => (i < 0 ? -i : i >= x.length ? 2 * (x.length - 1) - i : i);
  const frames = Math.floor(x.length / hop) + 1;
  const out: { re: number[]; im: number[] }[] = [];
  for (let t = 0; t < frames; t++) {
    const re: number[] = [];
    const im: number[] = [];
    for (let k = 0; k <= half; k++) {
      let r = 0;
      let m = 0;
      for (let n = 0; n < nFft; n++) {
        const w = 0.5 - 0.5 * Math.cos((2 * Math.PI * n) / nFft);
        const v = x[reflect(t * hop + n - half)]! * w;
        r += v * Math.cos((2 * Math.PI * k * n) / nFft);
        m -= v * Math.sin((2 * Math.PI * k * n) / nFft);
      }
      const scale = normalized ? 1 / Math.sqrt(nFft) : 1;
      re.push(r * scale);
      im.push(m * scale);
    }
    out.push({ re, im });
  }
  return out;
}

describe('reflectPadInto', () => {
  it('mirrors without repeating the edge sample, like numpy', () => {
    const out = new Float32Array(8);
    reflectPadInto(Float32Array.of(1, 2, 3, 4), 2, 2, out);
    expect([...out]).toEqual([3, 2, 1, 2, 3, 4, 3, 2]);
    expect(() => reflectPadInto(Float32Array.of(1, 2), 2, 0, new Float32Array(4))).toThrow(/reflect/);
  });
});

describe('Stft', () => {
  it('matches a plain torch.stft-style computation, normalised or not', () => {
    const x = noise(300);
    for (const normalized of [true, false]) {
      const spec = stft(x, { nFft: 64, hopSize: 16, normalized });
      const reference = referenceStft(x, 64, 16, normalized);
      expect(spec.frames).toBe(reference.length);
      expect(spec.frames).toBe(centredFrameCount(300, 16));
      for (let t = 0; t < spec.frames; t++) {
        expect(maxAbsDiff(spec.re.subarray(t * 33, (t + 1) * 33), reference[t]!.re)).toBeLessThan(1e-5);
        expect(maxAbsDiff(spec.im.subarray(t * 33, (t + 1) * 33), reference[t]!.im)).toBeLessThan(1e-5);
      }
    }
  });

  it('reconstructs perfectly (to float32 precision) at the models sizes', () => {
    const x = noise(50_000, 7);
    for (const options of [
      { nFft: 4096, hopSize: 1024, normalized: true },
      { nFft: 6144, hopSize: 1024, normalized: false },
      { nFft: 7680, hopSize: 1024, normalized: false },
      { nFft: 512, hopSize: 128, normalized: true },
    ]) {
      const back = istft(stft(x, options), x.length, options);
      expect(maxAbsDiff(back, x)).toBeLessThan(2e-6);
    }
  });

  it('inverts a sub-range, adds to the output, and skips zero frames', () => {
    const options = { nFft: 256, hopSize: 64, normalized: true };
    const x = noise(2000, 3);
    const spec = stft(x, options);
    const transform = new Stft(options);
    const bins = transform.bins;
    const out = new Float32Array(500).fill(1);
    let calls = 0;
    const frame = { re: new Float64Array(bins), im: new Float64Array(bins), offset: 0 };
    transform.inverse(
      spec.frames,
      (t) => {
        calls++;
        frame.re.set(spec.re.subarray(t * bins, (t + 1) * bins));
        frame.im.set(spec.im.subarray(t * bins, (t + 1) * bins));
        return frame;
      },
      out,
      { start: 700, add: true },
    );
    // Only the frames that overlap samples 700..1199 are asked for.
    expect(calls).toBeLessThanOrEqual(Math.ceil(500 / 64) + 4);
    expect(
      maxAbsDiff(
        out,
        x.subarray(700, 1200).map((v) => v + 1),
      ),
    ).toBeLessThan(2e-6);

    const silent = new Float32Array(100).fill(5);
    transform.inverse(spec.frames, () => undefined, silent, { start: 0 });
    expect(silent.every((v) => v === 0)).toBe(true);
  });
});
