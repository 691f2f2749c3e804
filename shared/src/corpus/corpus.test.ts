import { describe, expect, it } from 'vitest';
import { corpusSpecs } from './corpus.ts';
import { CORPUS_STEMS, renderSong } from './song.ts';

describe('corpus', () => {
  const specs = corpusSpecs({ count: 24, durationSec: 12 });

  it('covers all 24 keys, tempi across 60-190 BPM, 3/4, swing and songs without drums', () => {
    expect(new Set(specs.map((s) => `${s.tonic}${s.mode}`)).size).toBe(24);
    const tempi = specs.map((s) => s.tempo.bpm);
    expect(Math.min(...tempi)).toBeLessThan(75);
    expect(Math.max(...tempi)).toBeGreaterThan(175);
    expect(specs.some((s) => s.beatsPerBar === 3)).toBe(true);
    expect(specs.some((s) => s.swing > 0)).toBe(true);
    expect(specs.some((s) => !s.drums)).toBe(true);
  });

  it('renders a mix that is exactly the sum of its stems, the same for the same seed', () => {
    const spec = specs[4]!;
    const song = renderSong(spec);
    const again = renderSong(spec);
    expect(song.mix[0].length).toBe(Math.round(spec.durationSec * spec.sampleRate));
    for (let c = 0; c < 2; c++) {
      const mix = song.mix[c]!;
      let maxError = 0;
      for (let i = 0; i < mix.length; i++) {
        let sum = 0;
        for (const stem of CORPUS_STEMS) sum += song.stems[stem][c]![i]!;
        maxError = Math.max(maxError, Math.abs(Math.fround(sum) - mix[i]!));
      }
      expect(maxError).toBeLessThan(1e-6);
      expect(again.mix[c]!.every((v, i) => v === mix[i])).toBe(true);
    }
    let peak = 0;
    for (const channel of song.mix) for (const v of channel) peak = Math.max(peak, Math.abs(v));
    expect(peak).toBeCloseTo(0.891, 2);
  });

  it('lays beats at the stated tempo and bars of the stated length', () => {
    for (const spec of specs.slice(0, 8)) {
      const song = renderSong(spec);
      const { truth } = song;
      const gaps = truth.beats.slice(1).map((t, i) => t - truth.beats[i]!);
      for (const gap of gaps) expect(gap).toBeCloseTo(60 / spec.tempo.bpm, 6);
      expect(truth.downbeats.length).toBe(truth.beats.length / spec.beatsPerBar);
      expect(truth.beats[0]).toBeCloseTo(spec.leadSilenceSec + spec.rubatoIntroSec, 6);
      // Every stem sounds (the drum stem is silent exactly when the song has no drums).
      expect(stemEnergy(song.stems.drums[0]) > 0).toBe(spec.drums);
      for (const stem of ['vocals', 'bass', 'other'] as const)
        expect(stemEnergy(song.stems[stem][0])).toBeGreaterThan(0);
    }
  });
});

function stemEnergy(channel: Float32Array): number {
  let sum = 0;
  for (const v of channel) sum += v * v;
  return sum;
}
