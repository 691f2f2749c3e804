// detectKey on a fixed set of corpus songs: the MIREX score floor and the tuning estimate of
// detuned songs. (The full corpus runs in e2e/bench/key-accuracy.ts.)
import { describe, expect, it } from 'vitest';
import { summariseKeyScores } from '../metrics/key-metrics.ts';
import { corpusSpecs } from '../../corpus/corpus.ts';
import { renderSong } from '../../corpus/song.ts';
import { detectKey } from './key.ts';

describe('detectKey on corpus songs', () => {
  it('gets a fixed set of corpus songs right, major and minor, detuned by up to 35 cents', async () => {
    // Twelve 15 s songs: six major, six minor (three of them on a loop that is also a major-key
    // loop), ten detuned, two with leading silence and one with a rubato intro.
    const picks = [2, 8, 11, 26, 29, 35, 13, 17, 20, 23, 38, 47];
    const specs = corpusSpecs({ count: 48, durationSec: 15 });
    const pairs = [];
    for (const index of picks) {
      const song = renderSong(specs[index]!);
      const estimate = await detectKey(song.mix, song.sampleRate);
      pairs.push({ reference: song.truth, estimate });
      expect(Math.abs(estimate.tuningCents - song.truth.tuningCents), `song ${index}`).toBeLessThanOrEqual(5);
    }
    expect(pairs.filter(({ reference }) => reference.tuningCents !== 0).length).toBeGreaterThanOrEqual(9);
    expect(summariseKeyScores(pairs).weightedScore).toBeGreaterThanOrEqual(0.9);
  }, 30_000);
});
