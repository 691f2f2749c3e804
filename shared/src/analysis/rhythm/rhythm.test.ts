import { beforeAll, describe, expect, it } from 'vitest';
import { corpusSpecs } from '../../corpus/corpus.ts';
import { renderSong, type RenderedSong, type SongSpec } from '../../corpus/song.ts';
import { SfaError } from '../../protocol/errors.ts';
import { beatFMeasure, downbeatFMeasure, tempoAcc1, tempoAcc2 } from '../metrics/beat-metrics.ts';
import { analyzeRhythm, type RhythmResult } from './rhythm.ts';

// 22.05 kHz renders twice as fast as 44.1 kHz; the analysis decimates to 11 kHz either way.
const SAMPLE_RATE = 22050;
const specs = corpusSpecs({ count: 48, durationSec: 20, sampleRate: SAMPLE_RATE });
// Drums and none, swing up to triplet, 3/4, leading silence, rubato intros, a tempo step,
// tempi from 62 to 185 BPM.
const SET = [0, 4, 5, 6, 8, 10, 17, 23, 27, 39, 44, 47];

function clickTrack(bpm: number, durationSec: number): { channels: Float32Array[]; clicksSec: number[] } {
  const samples = new Float32Array(durationSec * SAMPLE_RATE);
  const clicksSec: number[] = [];
  for (let t = 0.5; t < durationSec - 0.2; t += 60 / bpm) {
    clicksSec.push(t);
    const start = Math.round(t * SAMPLE_RATE);
    for (let i = 0; i < 0.02 * SAMPLE_RATE; i++) {
      samples[start + i] = Math.sin((2 * Math.PI * 1500 * i) / SAMPLE_RATE) * Math.exp(-i / (0.004 * SAMPLE_RATE));
    }
  }
  return { channels: [samples, samples], clicksSec };
}

describe('analyzeRhythm on corpus songs', () => {
  const results: { song: RenderedSong; result: RhythmResult }[] = [];

  beforeAll(async () => {
    for (const index of SET) {
      const song = renderSong(specs[index]!);
      results.push({ song, result: await analyzeRhythm(song.mix, SAMPLE_RATE) });
    }
  }, 60_000);

  it('finds the tempo (Acc1 >= 0.9 on steady songs, Acc2 on all) and the beats (F >= 0.9 with drums)', () => {
    const steady = results.filter(({ song }) => !song.truth.tempoChanges);
    const acc1 = steady.filter(({ song, result }) => tempoAcc1(song.truth.bpm, result.tempo.bpm)).length;
    expect(acc1 / steady.length).toBeGreaterThanOrEqual(0.9);
    for (const { song, result } of steady) expect(tempoAcc2(song.truth.bpm, result.tempo.bpm)).toBe(true);
    const withDrums = results.filter(({ song }) => song.truth.hasDrums);
    const fMeasures = withDrums.map(({ song, result }) => beatFMeasure(song.truth.beats, result.tempo.beats));
    expect(fMeasures.reduce((sum, f) => sum + f, 0) / fMeasures.length).toBeGreaterThanOrEqual(0.9);
    for (const f of fMeasures) expect(f).toBeGreaterThan(0.8);
  });

  it('reports 3 beats to the bar for 3/4 songs and 4 for 4/4, with downbeats on bar starts', () => {
    for (const { song, result } of results) {
      expect(result.tempo.beatsPerBar).toBe(song.truth.beatsPerBar);
      expect(downbeatFMeasure(song.truth.downbeats, result.tempo.downbeats)).toBeGreaterThan(0.8);
    }
  });

  it('gives a tempo-step song two segments at the right tempi, and a steady song one', () => {
    for (const { song, result } of results) {
      const { curve } = result.tempo;
      if (!song.truth.tempoChanges) {
        expect(curve).toHaveLength(1);
        continue;
      }
      expect(curve).toHaveLength(2);
      curve.forEach((segment, i) => expect(tempoAcc1(song.truth.curve[i]!.bpm, segment.bpm)).toBe(true));
      expect(Math.abs(curve[1]!.startSec - song.truth.curve[1]!.startSec)).toBeLessThan(1);
    }
  });

  it('reports beats where the music has them, ascending, with downbeats among them', () => {
    for (const { song, result } of results) {
      const { beats, downbeats } = result.tempo;
      // Silence and free-time intros are trimmed; a chord that happens to fall a beat before
      // the first bar is indistinguishable from a pickup, so one early beat is tolerated.
      const early = beats.filter((t) => t < song.truth.beats[0]! - 0.07);
      expect(early.length).toBeLessThanOrEqual(1);
      for (let i = 1; i < beats.length; i++) expect(beats[i]!).toBeGreaterThan(beats[i - 1]!);
      for (const downbeat of downbeats) expect(beats).toContain(downbeat);
      expect(result.tempo.confidence).toBeGreaterThanOrEqual(0);
      expect(result.tempo.confidence).toBeLessThanOrEqual(1);
    }
  });
});

describe('analyzeRhythm', () => {
  it('tells a 70 BPM song from the same song at 140 BPM', async () => {
    const base: SongSpec = specs[2]!;
    for (const bpm of [70, 140]) {
      const song = renderSong({ ...base, tempo: { bpm } });
      const { tempo } = await analyzeRhythm(song.mix, SAMPLE_RATE);
      expect(tempo.bpm).toBeCloseTo(bpm, 0);
      expect(beatFMeasure(song.truth.beats, tempo.beats)).toBeGreaterThan(0.9);
    }
  });

  it('tracks a click track at 100 BPM to 0.1 BPM, beat for beat', async () => {
    const { channels, clicksSec } = clickTrack(100, 15);
    const { tempo, onset } = await analyzeRhythm(channels, SAMPLE_RATE);
    expect(Math.abs(tempo.bpm - 100)).toBeLessThanOrEqual(0.1);
    expect(beatFMeasure(clicksSec, tempo.beats)).toBe(1);
    expect(tempo.curve).toHaveLength(1);
    expect(onset.frameRate).toBeCloseTo(11025 / 128, 6);
    expect(onset.values.length).toBe(Math.floor((15 * 11025) / 128) + 1);
  });

  it('gives silence no tempo and no beats, without failing', async () => {
    const silence = [new Float32Array(10 * SAMPLE_RATE), new Float32Array(10 * SAMPLE_RATE)];
    const { tempo, onset } = await analyzeRhythm(silence, SAMPLE_RATE);
    expect(tempo).toEqual({ bpm: 0, confidence: 0, curve: [], beatsPerBar: 4, beats: [], downbeats: [] });
    expect(onset.values.every((v) => v === 0)).toBe(true);
    expect((await analyzeRhythm([new Float32Array(0)], SAMPLE_RATE)).tempo.beats).toEqual([]);
  });

  it('reports progress that never decreases and ends at exactly 1, and yields while it works', async () => {
    // Long enough that the work outlasts several 30 ms slices on any machine: a worker's
    // timers (and cancel messages) must get through at least every ~150 ms.
    const { channels } = clickTrack(120, 120);
    const fractions: number[] = [];
    let ticks = 0;
    const timer = setInterval(() => ticks++, 0);
    const started = performance.now();
    await analyzeRhythm(channels, SAMPLE_RATE, { onProgress: (fraction) => fractions.push(fraction) });
    const elapsedMs = performance.now() - started;
    clearInterval(timer);
    expect(fractions.length).toBeGreaterThan(3);
    for (let i = 1; i < fractions.length; i++) expect(fractions[i]!).toBeGreaterThanOrEqual(fractions[i - 1]!);
    expect(fractions[fractions.length - 1]).toBe(1);
    expect(ticks).toBeGreaterThanOrEqual(Math.max(1, Math.floor(elapsedMs / 150)));
  });

  it('rejects with an aborted SfaError when cancelled, before or during the work', async () => {
    const { channels } = clickTrack(120, 20);
    const before = new AbortController();
    before.abort();
    await expect(analyzeRhythm(channels, SAMPLE_RATE, { signal: before.signal })).rejects.toMatchObject({
      name: 'SfaError',
      code: 'aborted',
    });
    const during = new AbortController();
    const run = analyzeRhythm(channels, SAMPLE_RATE, {
      signal: during.signal,
      onProgress: (fraction) => fraction > 0 && during.abort(),
    });
    await expect(run).rejects.toBeInstanceOf(SfaError);
  });
});
