// The segment plan against demucs's apply_model arithmetic: weights, offsets, centred short
// chunks, per-pass normalisation, and what is final when.
import { describe, expect, it } from 'vitest';
import { blendWeights, SegmentPlan, seededRandom } from './segments.ts';

describe('blendWeights', () => {
  it("is demucs's triangle: arange(1, n//2+1) then arange(n - n//2, 0, -1), over its max", () => {
    expect([...blendWeights(6)]).toEqual([1, 2, 3, 3, 2, 1].map((w) => Math.fround(w / 3)));
    expect([...blendWeights(5)]).toEqual([1, 2, 3, 2, 1].map((w) => Math.fround(w / 3)));
  });
});

describe('SegmentPlan', () => {
  const base = { segmentLength: 100, overlap: 0.25, maxShift: 50, seed: 3 };

  it('cuts every int((1 - overlap) * segment) samples and centres a short last chunk', () => {
    const plan = new SegmentPlan({ ...base, length: 230, shifts: 0 });
    const pass = plan.passes[0]!;
    expect(plan.stride).toBe(75);
    expect(pass.segments).toBe(4); // offsets 0, 75, 150, 225
    expect([0, 1, 2, 3].map((k) => plan.chunkLength(pass, k))).toEqual([100, 100, 80, 5]);
    // TensorChunk.padded: start = offset - (segment - chunk) // 2
    expect(plan.inputStart(pass, 3)).toBe(225 - Math.floor(95 / 2));
    expect(plan.inputStart(pass, 0)).toBe(0);
  });

  it('gives gains that sum to one at every sample, over all passes', () => {
    for (const [length, shifts] of [
      [230, 0],
      [100, 0],
      [101, 0],
      [75 * 3, 0],
      [1, 0],
      [500, 3],
    ] as const) {
      const plan = new SegmentPlan({ ...base, length, shifts });
      const total = new Float64Array(length);
      const gains = new Float32Array(100);
      for (const pass of plan.passes) {
        for (let k = 0; k < pass.segments; k++) {
          plan.chunkGains(pass, k, gains);
          const start = k * plan.stride - pass.delay;
          for (let i = 0; i < plan.chunkLength(pass, k); i++) {
            if (start + i >= 0 && start + i < length) total[start + i]! += gains[i]!;
          }
        }
      }
      for (let i = 0; i < length; i++)
        expect(total[i], `length ${length}, shifts ${shifts}, sample ${i}`).toBeCloseTo(1, 6);
    }
  });

  it('draws the same delays for the same seed, within 0 .. maxShift', () => {
    const delays = (seed: number) =>
      new SegmentPlan({ ...base, length: 1000, shifts: 5, seed }).passes.map((p) => p.delay);
    expect(delays(3)).toEqual(delays(3));
    expect(delays(3)).not.toEqual(delays(4));
    for (const delay of delays(3)) {
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThanOrEqual(50);
    }
  });

  it('says samples are final only once no later segment of any pass reaches them', () => {
    const plan = new SegmentPlan({ ...base, length: 1000, shifts: 2 });
    const minDelay = Math.min(...plan.passes.map((p) => p.delay));
    const maxDelay = Math.max(...plan.passes.map((p) => p.delay));
    expect(plan.finalBefore(0)).toBe(75 - maxDelay);
    expect(plan.finalBefore(100)).toBe(1000);
    expect(minDelay).toBeLessThanOrEqual(maxDelay);
  });
});

describe('seededRandom', () => {
  it('is uniform-ish in [0, 1) and repeatable', () => {
    const a = seededRandom(42);
    const b = seededRandom(42);
    let sum = 0;
    for (let i = 0; i < 10_000; i++) {
      const v = a();
      expect(v).toBe(b());
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThan(1);
      sum += v;
    }
    expect(sum / 10_000).toBeCloseTo(0.5, 1);
  });
});
