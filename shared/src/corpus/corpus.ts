// The corpus: a fixed, seeded list of song specs that covers what the analysis and separation
// engines must handle (tempi 60-190 BPM, all 24 keys, swing, no drums, 3/4, tempo changes,
// rubato intros, leading silence, detuning). The same list renders the same audio everywhere.

import { Random } from './random.ts';
import { renderSong, type RenderedSong, type SongSpec } from './song.ts';

export interface CorpusOptions {
  /** How many songs; the first 24 cover every key once. */
  count: number;
  seed?: number;
  sampleRate?: number;
  durationSec?: number;
  /** Leave out songs whose tempo changes (for global-tempo scoring). Default false. */
  steadyOnly?: boolean;
}

export function corpusSpecs(options: CorpusOptions): SongSpec[] {
  const { count, seed = 1, sampleRate = 44100, durationSec = 30, steadyOnly = false } = options;
  const random = new Random(seed);
  const specs: SongSpec[] = [];
  for (let i = 0; specs.length < count; i++) {
    // Stratified tempi: each song draws from its own slice of 60-190 BPM, slices shuffled by i.
    const slice = (i * 7) % count;
    const bpm = Math.round((60 + ((slice + random.next()) * 130) / count) * 10) / 10;
    const changes = !steadyOnly && i % 11 === 10;
    specs.push({
      seed: seed * 1000 + i,
      sampleRate,
      durationSec,
      tempo: changes
        ? {
            bpm,
            endBpm: Math.round(bpm * random.pick([0.85, 1.15]) * 10) / 10,
            change: random.pick(['step', 'ramp'] as const),
          }
        : { bpm },
      // Picked by i mod 5 (not 7, which shares a factor with the tempo stride): 3/4 songs then
      // spread over the whole tempo range.
      beatsPerBar: i % 5 === 3 ? 3 : 4,
      tonic: i % 12,
      mode: Math.floor(i / 12) % 2 === 0 ? 'major' : 'minor',
      swing: i % 5 === 4 ? random.range(0.15, 1 / 3) : 0,
      // Every sixth song has no drums, and so does every other tempo-change song.
      drums: i % 6 !== 5 && i % 22 !== 21,
      leadSilenceSec: i % 4 === 1 ? random.range(0.5, 2) : 0,
      rubatoIntroSec: i % 9 === 8 ? random.range(2, 4) : 0,
      tuningCents: i % 3 === 2 ? Math.round(random.range(-35, 35)) : 0,
    });
  }
  return specs;
}

/** Renders songs one at a time, so a long corpus never holds more than one in memory. */
export function* renderCorpus(options: CorpusOptions): Generator<RenderedSong> {
  for (const spec of corpusSpecs(options)) yield renderSong(spec);
}
