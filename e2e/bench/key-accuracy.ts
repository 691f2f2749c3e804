// `npx tsx e2e/bench/key-accuracy.ts [--count 48] [--duration 30] [--seed 1] [--no-timing]`: key detection on
// the synthetic corpus (every key, detuned songs, intros, leading silence). Prints truth against
// estimate per song, the MIREX weighted score with its breakdown, the tuning error, the time per
// song, and the time detectKey takes on a 4-minute stereo 44.1 kHz track. The lead's
// `bench:analysis-accuracy` calls `keyAccuracy` for the aggregate.
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { detectKey, detectKeyInMono, KEY_MIN_SAMPLE_RATE } from '../../shared/src/analysis/key/key.ts';
import { keyName } from '../../shared/src/analysis/key/camelot.ts';
import {
  summariseKeyScores,
  keyRelation,
  type KeyScoreSummary,
} from '../../shared/src/analysis/metrics/key-metrics.ts';
import { monoAtRate } from '../../shared/src/analysis/mono.ts';
import { corpusSpecs } from '../../shared/src/corpus/corpus.ts';
import { renderSong } from '../../shared/src/corpus/song.ts';
import { synthesiseSong } from './song.ts';

export interface KeyAccuracyOptions {
  /** Corpus songs; the first 24 cover every key once. Default 48. */
  count?: number;
  durationSec?: number;
  seed?: number;
  /** Also time a 4-minute track (a few seconds more). Default true. */
  timeLongTrack?: boolean;
  /** Where lines go; default console.log. */
  log?: (line: string) => void;
}

export interface KeyAccuracy extends KeyScoreSummary {
  tuning: {
    /** Mean and largest |estimate - truth| over all songs, cents. */
    meanAbsErrorCents: number;
    maxAbsErrorCents: number;
    /** Songs detuned from A = 440 Hz, and how many of them got the right key. */
    detunedSongs: number;
    detunedCorrect: number;
  };
  /** detectKey on one corpus song (decimation included), mean, ms. */
  msPerSong: number;
  /** On 4 minutes of stereo 44.1 kHz audio: detectKey, and its two parts. */
  longTrack?: { durationSec: number; detectKey: Timing; decimation: Timing; detectKeyInMono: Timing };
}

/** Best of several runs: wall-clock time, and the CPU time the process spent (steadier on a busy machine). */
export interface Timing {
  wallMs: number;
  cpuMs: number;
}

const LONG_TRACK_SEC = 240;
const SAMPLE_RATE = 44_100;

export async function keyAccuracy(options: KeyAccuracyOptions = {}): Promise<KeyAccuracy> {
  const { count = 48, durationSec = 30, seed = 1, timeLongTrack = true, log = console.log } = options;
  const pairs = [];
  const tuningErrors: number[] = [];
  let detunedSongs = 0;
  let detunedCorrect = 0;
  let totalMs = 0;
  log(`Key accuracy: ${count} corpus songs of ${durationSec} s (seed ${seed})`);
  log(
    `${'song'.padEnd(5)}${'truth'.padEnd(12)}${'estimate'.padEnd(12)}${'camelot'.padEnd(8)}conf   tuning (true/est)  relation   ms`,
  );
  for (const [index, spec] of corpusSpecs({ count, durationSec, seed }).entries()) {
    const song = renderSong(spec);
    const started = performance.now();
    const estimate = await detectKey(song.mix, song.sampleRate);
    const ms = performance.now() - started;
    totalMs += ms;
    const reference = { tonic: song.truth.tonic, mode: song.truth.mode };
    const relation = keyRelation(reference, estimate);
    pairs.push({ reference, estimate });
    tuningErrors.push(Math.abs(estimate.tuningCents - song.truth.tuningCents));
    if (song.truth.tuningCents !== 0) {
      detunedSongs++;
      if (relation === 'correct') detunedCorrect++;
    }
    log(
      `${String(index).padEnd(5)}${keyName(reference.tonic, reference.mode).padEnd(12)}${estimate.name.padEnd(12)}` +
        `${estimate.camelot.padEnd(8)}${estimate.confidence.toFixed(2).padEnd(7)}` +
        `${`${song.truth.tuningCents} / ${estimate.tuningCents.toFixed(1)}`.padEnd(19)}${relation.padEnd(11)}${ms.toFixed(0)}`,
    );
  }
  const summary = summariseKeyScores(pairs);
  const result: KeyAccuracy = {
    ...summary,
    tuning: {
      meanAbsErrorCents: tuningErrors.reduce((sum, e) => sum + e, 0) / Math.max(1, tuningErrors.length),
      maxAbsErrorCents: Math.max(0, ...tuningErrors),
      detunedSongs,
      detunedCorrect,
    },
    msPerSong: totalMs / Math.max(1, count),
  };
  log(`MIREX weighted score: ${summary.weightedScore.toFixed(3)} over ${summary.count} songs`);
  log(
    `Breakdown: ${Object.entries(summary.breakdown)
      .map(([relation, n]) => `${relation} ${n}`)
      .join(', ')}`,
  );
  log(
    `Tuning error: mean ${result.tuning.meanAbsErrorCents.toFixed(2)} cents, max ${result.tuning.maxAbsErrorCents.toFixed(2)} cents; ` +
      `detuned songs with the right key: ${detunedCorrect}/${detunedSongs}`,
  );
  log(`Time per ${durationSec} s song: ${result.msPerSong.toFixed(1)} ms`);
  if (timeLongTrack) {
    const longTrack = await measureLongTrack();
    result.longTrack = longTrack;
    const format = ({ wallMs, cpuMs }: Timing) => `${wallMs.toFixed(0)} ms (CPU ${cpuMs.toFixed(0)} ms)`;
    const realTime = (LONG_TRACK_SEC * 1000) / longTrack.detectKey.wallMs;
    log(`${LONG_TRACK_SEC / 60}-minute stereo 44.1 kHz track, best of ${TIMING_RUNS}:`);
    log(`  detectKey        ${format(longTrack.detectKey)}, ${realTime.toFixed(0)}x real time`);
    log(`  of which monoAtRate (decimation to ~5.5 kHz) ${format(longTrack.decimation)}`);
    log(`  and detectKeyInMono (the rest) ${format(longTrack.detectKeyInMono)}`);
  }
  return result;
}

const TIMING_RUNS = 5;

async function best(run: () => unknown): Promise<Timing> {
  const timing = { wallMs: Infinity, cpuMs: Infinity };
  for (let i = 0; i < TIMING_RUNS; i++) {
    const cpu = process.cpuUsage();
    const started = performance.now();
    await run();
    timing.wallMs = Math.min(timing.wallMs, performance.now() - started);
    const used = process.cpuUsage(cpu);
    timing.cpuMs = Math.min(timing.cpuMs, (used.user + used.system) / 1000);
  }
  return timing;
}

async function measureLongTrack(): Promise<NonNullable<KeyAccuracy['longTrack']>> {
  const channels = synthesiseSong(LONG_TRACK_SEC, SAMPLE_RATE);
  const mono = monoAtRate(channels, SAMPLE_RATE, KEY_MIN_SAMPLE_RATE);
  return {
    durationSec: LONG_TRACK_SEC,
    detectKey: await best(() => detectKey(channels, SAMPLE_RATE)),
    decimation: await best(() => monoAtRate(channels, SAMPLE_RATE, KEY_MIN_SAMPLE_RATE)),
    detectKeyInMono: await best(() => detectKeyInMono(mono)),
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({
    options: {
      count: { type: 'string' },
      duration: { type: 'string' },
      seed: { type: 'string' },
      'no-timing': { type: 'boolean' },
    },
  });
  await keyAccuracy({
    count: values.count ? Number(values.count) : undefined,
    durationSec: values.duration ? Number(values.duration) : undefined,
    seed: values.seed ? Number(values.seed) : undefined,
    timeLongTrack: !values['no-timing'],
  });
}
