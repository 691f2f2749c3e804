import { describe, expect, it } from 'vitest';
import { beatChroma, computeChroma, harmonicNovelty } from './chroma.ts';

const SAMPLE_RATE = 11025;

/** Sum of sines at the given MIDI notes (A4 = 69 = 440 Hz). */
function chord(notes: number[], durationSec: number): Float32Array {
  return Float32Array.from({ length: Math.round(durationSec * SAMPLE_RATE) }, (_, i) =>
    notes.reduce((sum, note) => sum + Math.sin((2 * Math.PI * 440 * 2 ** ((note - 69) / 12) * i) / SAMPLE_RATE), 0),
  );
}

describe('chroma', () => {
  it('puts a low A (110 Hz) on pitch class A', async () => {
    const chroma = await computeChroma({ samples: chord([45], 2), sampleRate: SAMPLE_RATE });
    const middle = chroma.values.subarray(4 * 12, 5 * 12);
    expect(middle.indexOf(Math.max(...middle))).toBe(9);
  });

  it('peaks in harmonic novelty at the beat where C major turns into F major', async () => {
    const samples = new Float32Array(8 * SAMPLE_RATE);
    samples.set(chord([48, 52, 55], 4)); // C3 E3 G3
    samples.set(chord([53, 57, 60], 4), 4 * SAMPLE_RATE); // F3 A3 C4
    const chroma = await computeChroma({ samples, sampleRate: SAMPLE_RATE });
    const beats = Array.from({ length: 8 }, (_, i) => i);
    const novelty = harmonicNovelty(beatChroma(chroma, beats));
    expect(novelty.indexOf(Math.max(...novelty))).toBe(4);
    expect(novelty[4]).toBeGreaterThan(3 * Math.max(novelty[2]!, novelty[6]!));
  });
});
