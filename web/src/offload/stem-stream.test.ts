import { describe, expect, it } from 'vitest';
import { encodeWav } from '@sfa/shared/audio/wav-encode';
import { floatWavBytes, readFloatWavHeader, StemStream } from './stem-stream.ts';

function planar(frames: number, channels: number, base: number): Float32Array[] {
  return Array.from({ length: channels }, (_, c) => Float32Array.from({ length: frames }, (_, i) => base + c + i / 7));
}

describe('StemStream', () => {
  const a = planar(1000, 2, 1);
  const b = planar(1000, 2, -3);
  const wavA = encodeWav(a, 44_100, 32);
  const wavB = encodeWav(b, 44_100, 32);

  it('reads the float WAV header', () => {
    expect(readFloatWavHeader(wavA.subarray(0, 20))).toBeUndefined();
    expect(readFloatWavHeader(wavA)).toMatchObject({ channels: 2, sampleRate: 44_100, frames: 1000 });
    expect(() => readFloatWavHeader(encodeWav(a, 44_100, 16))).toThrow(/float/);
  });

  it('cuts chunks of frames every stem has, equal to the samples, from bytes in odd pieces', () => {
    const stream = new StemStream(['a', 'b']);
    const cuts = [0, 5, 30, 61, 2003, 4000, wavA.length];
    for (let i = 1; i < cuts.length; i++) stream.push('a', cuts[i - 1]!, wavA.subarray(cuts[i - 1], cuts[i]));
    expect(stream.available()).toBe(0);
    stream.push('b', 0, wavB.subarray(0, 3000));
    const first = stream.available();
    expect(first).toBeGreaterThan(0);
    const chunk1 = stream.take(first);
    // A repeated stretch is skipped, not stored twice.
    stream.push('b', 0, wavB.subarray(0, 3000));
    stream.push('b', 3000, wavB.subarray(3000));
    const chunk2 = stream.take(stream.available());
    expect(chunk1.startFrame).toBe(0);
    expect(chunk2.startFrame).toBe(first);
    expect(chunk1.frames + chunk2.frames).toBe(1000);
    for (const [stem, want] of [
      ['a', a],
      ['b', b],
    ] as const) {
      for (let c = 0; c < 2; c++) {
        const got = new Float32Array(1000);
        got.set(chunk1.stems[stem]![c]!, 0);
        got.set(chunk2.stems[stem]![c]!, first);
        expect(got).toEqual(want[c]);
      }
    }
  });

  it('resumes after stored frames, and rebuilds the bytes the server sent', () => {
    const header = wavA.subarray(0, readFloatWavHeader(wavA)!.headerBytes);
    const stored = [a.map((ch) => ch.slice(0, 400)), a.map((ch) => ch.slice(400, 600))];
    const rebuilt = floatWavBytes(header, stored);
    expect(rebuilt).toEqual(wavA.subarray(0, rebuilt.length));
    const stream = new StemStream(['a'], { startFrame: 600, header });
    stream.push('a', rebuilt.length, wavA.subarray(rebuilt.length));
    const chunk = stream.take(stream.available());
    expect(chunk).toMatchObject({ startFrame: 600, frames: 400 });
    expect(chunk.stems.a![1]).toEqual(a[1]!.slice(600));
  });
});
