import { describe, expect, it } from 'vitest';
import { corpusSpecs } from '../corpus/corpus.ts';
import { renderSong } from '../corpus/song.ts';
import { SfaError } from '../protocol/errors.ts';
import { analyzeTrack } from './analyze.ts';
import { detectKey } from './key/key.ts';
import { analyzeRhythm } from './rhythm/rhythm.ts';
import { ANALYSIS_ENGINE_VERSION } from './types.ts';

// A 15-second corpus song: 96 BPM, E major (tonic 4), drums.
const spec = {
  ...corpusSpecs({ count: 1, durationSec: 15 })[0]!,
  tempo: { bpm: 96 },
  tonic: 4,
  mode: 'major' as const,
};
const song = renderSong(spec);

describe('analyzeTrack', () => {
  it('reports tempo, beats, key and loudness of a known song, with monotonic progress', async () => {
    const fractions: number[] = [];
    const result = await analyzeTrack(song.mix, spec.sampleRate, { onProgress: (p) => fractions.push(p.fraction) });
    expect(result.engineVersion).toBe(ANALYSIS_ENGINE_VERSION);
    expect(result.durationSec).toBeCloseTo(15, 6);
    expect(Math.abs(result.tempo.bpm - 96) / 96).toBeLessThan(0.04);
    expect(result.key.name).toBe('E major');
    expect(result.key.camelot).toBe('12B');
    expect(result.loudness.integratedLufs).toBeLessThan(0);
    expect(result.onset.values.length).toBeGreaterThan(15 * 50);
    expect(fractions.every((f, i) => i === 0 || f >= fractions[i - 1]!)).toBe(true);
    expect(fractions.at(-1)).toBe(1);
  });

  it('gives the same tempo and key as the stages run on their own (one shared decimation)', async () => {
    const [whole, rhythm, key] = await Promise.all([
      analyzeTrack(song.mix, spec.sampleRate),
      analyzeRhythm(song.mix, spec.sampleRate),
      detectKey(song.mix, spec.sampleRate),
    ]);
    expect(whole.tempo.bpm).toBeCloseTo(rhythm.tempo.bpm, 1);
    expect(whole.tempo.beats.length).toBe(rhythm.tempo.beats.length);
    expect(whole.key.name).toBe(key.name);
  });

  it('finds no beat and no key in near-silence (a song at -80 dBFS, below the -70 LUFS gate)', async () => {
    const gain = 10 ** (-80 / 20);
    const quiet = song.mix.map((channel) => channel.map((v) => v * gain));
    const result = await analyzeTrack(quiet, spec.sampleRate);
    expect(result.loudness.integratedLufs).toBe(-Infinity);
    expect(result.tempo).toMatchObject({ bpm: 0, confidence: 0, beats: [], downbeats: [], curve: [] });
    expect(result.key.confidence).toBe(0);
    // The same song 20 dB louder than the gate still gets its tempo.
    const audible = await analyzeTrack(
      song.mix.map((channel) => channel.map((v) => v * 10 ** (-40 / 20))),
      spec.sampleRate,
    );
    expect(Math.abs(audible.tempo.bpm - 96) / 96).toBeLessThan(0.04);
  });

  it('refuses an empty signal and stops when cancelled', async () => {
    await expect(analyzeTrack([new Float32Array(0)], 44100)).rejects.toMatchObject({ code: 'no-audio' });
    const controller = new AbortController();
    const pending = analyzeTrack(song.mix, spec.sampleRate, {
      signal: controller.signal,
      onProgress: (p) => p.fraction > 0.2 && controller.abort(),
    });
    await expect(pending).rejects.toBeInstanceOf(SfaError);
    await expect(pending).rejects.toMatchObject({ code: 'aborted' });
  });

  it('refuses channels of unequal length with an SfaError, before any work', async () => {
    const shorter = song.mix[1].subarray(0, song.mix[1].length - 1);
    let progressReports = 0;
    const pending = analyzeTrack([song.mix[0], shorter], spec.sampleRate, { onProgress: () => progressReports++ });
    await expect(pending).rejects.toMatchObject({ name: 'SfaError', code: 'bad-request' });
    expect(progressReports).toBe(0);
  });

  it('refuses a sample rate it cannot measure with an SfaError', async () => {
    // Below 3.4 kHz the K-weighting's 1.68 kHz shelf lies above the Nyquist frequency: the
    // filter is unstable and reads a 100 Hz tone as +Infinity LUFS.
    for (const sampleRate of [Infinity, 3000, 1000]) {
      const tone = Float32Array.from({ length: 5000 }, (_, i) => 0.5 * Math.sin((2 * Math.PI * 100 * i) / 3000));
      await expect(analyzeTrack([tone], sampleRate)).rejects.toMatchObject({ name: 'SfaError', code: 'bad-request' });
    }
  });

  it('reads NaN and infinite samples (a corrupt float file) as silence instead of losing the whole track', async () => {
    const clean = await analyzeTrack(song.mix, spec.sampleRate);
    const [left, right] = song.mix.map((channel) => Float32Array.from(channel));
    // Three samples in 660 000 read as zero move the loudness by a hair and nothing else.
    left![spec.sampleRate * 3] = NaN;
    right![spec.sampleRate * 7 + 1] = Infinity;
    left![spec.sampleRate * 11] = -Infinity;
    const corrupt = await analyzeTrack([left!, right!], spec.sampleRate);
    expect(corrupt.tempo.bpm).toBe(clean.tempo.bpm);
    expect(corrupt.tempo.beats).toEqual(clean.tempo.beats);
    expect(corrupt.key.name).toBe(clean.key.name);
    expect(corrupt.loudness.samplePeakDb).toBe(clean.loudness.samplePeakDb);
    expect(Math.abs(corrupt.loudness.integratedLufs - clean.loudness.integratedLufs)).toBeLessThan(0.05);
    expect(Math.abs(corrupt.loudness.truePeakDb - clean.loudness.truePeakDb)).toBeLessThan(0.05);
    expect(corrupt.onset.values.every(Number.isFinite)).toBe(true);
    // The caller's arrays are left as they were.
    expect(Number.isNaN(left![spec.sampleRate * 3])).toBe(true);
  });
});
