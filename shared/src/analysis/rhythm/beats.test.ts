import { describe, expect, it } from 'vitest';
import { beatStrengths, trackBeats, trimBeats } from './beats.ts';

/** Unit impulses at `times` (frames), with a little deterministic clutter in between. */
function impulses(length: number, times: number[]): Float32Array {
  const novelty = new Float32Array(length);
  for (let t = 0; t < length; t++) novelty[t] = (0.05 * ((t * 7919) % 13)) / 13;
  for (const t of times) novelty[t] = 1;
  return novelty;
}

describe('trackBeats', () => {
  it('puts a beat on every pulse of a steady train, and nothing else', () => {
    const pulses = Array.from({ length: 40 }, (_, i) => 10 + Math.round(i * 43.07));
    const length = pulses[39]! + 10;
    const beats = trackBeats(impulses(length, pulses), new Float32Array(length).fill(43.07));
    expect(beats).toEqual(pulses);
  });

  it('follows a tempo step when given the local period, and ignores a weak off-beat', () => {
    const pulses = [
      ...Array.from({ length: 20 }, (_, i) => 20 + 40 * i),
      ...Array.from({ length: 20 }, (_, i) => 820 + 50 * i),
    ];
    const length = pulses[39]! + 10;
    const novelty = impulses(length, pulses);
    for (const t of pulses) if (t + 20 < length) novelty[t + 20] = 0.3;
    const periods = Float32Array.from({ length }, (_, t) => (t < 800 ? 40 : 50));
    expect(trackBeats(novelty, periods)).toEqual(pulses);
  });

  it('finds no beats in silence', () => {
    expect(trackBeats(new Float32Array(500), new Float32Array(500).fill(40))).toEqual([]);
  });
});

describe('trimBeats', () => {
  it('drops beats counted through leading silence and trailing ring-out', () => {
    const pulses = Array.from({ length: 20 }, (_, i) => 300 + 40 * i);
    const novelty = impulses(1400, pulses).map((v) => (v === 1 ? 1 : 0));
    const counted = [60, 100, 140, 180, 220, 260, ...pulses, 1100, 1140, 1180];
    const periods = new Float32Array(1400).fill(40);
    expect(trimBeats(counted, beatStrengths(novelty, counted), periods)).toEqual(pulses);
  });

  it('drops intro beats that fall on onsets at uneven intervals (free time)', () => {
    const intro = [10, 75, 105, 160, 205];
    const pulses = Array.from({ length: 16 }, (_, i) => 255 + 40 * i);
    const beats = [...intro, ...pulses];
    const novelty = impulses(1000, beats);
    expect(trimBeats(beats, beatStrengths(novelty, beats), new Float32Array(1000).fill(40))).toEqual(pulses);
  });
});
