import { describe, expect, it } from 'vitest';
import { fittedBpm, localPeriods, tempoSegments } from './tempo-curve.ts';

/** Beat times at `bpm` from `startSec` for `count` beats, with ±`jitterSec` of fixed pseudo-noise. */
function steadyBeats(bpm: number, startSec: number, count: number, jitterSec = 0): number[] {
  return Array.from({ length: count }, (_, i) => startSec + (60 / bpm) * i + jitterSec * Math.sin(i * 12.9898));
}

describe('tempoSegments', () => {
  it('gives one segment, at the tempo to 0.1 BPM, for a steady track with timing jitter', () => {
    const segments = tempoSegments(steadyBeats(123.4, 1.5, 120, 0.004));
    expect(segments).toHaveLength(1);
    expect(segments[0]!.startSec).toBeCloseTo(1.5, 2);
    expect(segments[0]!.bpm).toBeCloseTo(123.4, 5);
  });

  it('cuts a tempo step into two segments at the step', () => {
    const first = steadyBeats(120, 0, 30);
    const second = steadyBeats(100, first[29]! + 0.5, 25);
    const segments = tempoSegments([...first, ...second]);
    expect(segments.map((s) => s.bpm)).toEqual([120, 100]);
    expect(Math.abs(segments[1]!.startSec - first[29]!)).toBeLessThan(0.6);
  });

  it('has nothing to say about fewer than two beats', () => {
    expect(tempoSegments([1])).toEqual([]);
    expect(fittedBpm([])).toBe(0);
  });
});

describe('localPeriods', () => {
  it('follows a step from 120 to 138 BPM near the global 120', () => {
    const frameRate = 100;
    const novelty = new Float32Array(40 * frameRate);
    for (let t = 0; t < 20; t += 0.5) novelty[Math.round(t * frameRate)] = 1;
    for (let t = 20; t < 40; t += 60 / 138) novelty[Math.round(t * frameRate)] = 1;
    const periods = localPeriods(novelty, frameRate, 120);
    expect((60 * frameRate) / periods[5 * frameRate]!).toBeCloseTo(120, -0.5);
    expect((60 * frameRate) / periods[35 * frameRate]!).toBeCloseTo(138, -0.5);
  });
});
