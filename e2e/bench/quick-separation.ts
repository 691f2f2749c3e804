// `npx tsx e2e/bench/quick-separation.ts [--count 24] [--duration 30] [--seed 1]`: the Quick
// separator on the synthetic corpus against the trivial baseline (every stem = mix / 4), scored
// with the demixing challenge SDR per stem over the whole track. Prints per-song and per-stem
// SDR for both, the mean improvement, and Quick's real-time factor on one 4-minute stereo
// 44.1 kHz track (wall clock and process CPU time, best of 3, after a warm-up). The lead's
// `bench:separation` calls `quickSeparationFigures` for the aggregate.
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { corpusSpecs } from '../../shared/src/corpus/corpus.ts';
import { CORPUS_STEMS, renderSong, type SongSpec } from '../../shared/src/corpus/song.ts';
import { meanOverSongs, songSdr, type SongSdr } from '../../shared/src/separation/metrics/sdr.ts';
import { createQuickSeparator } from '../../shared/src/separation/quick/quick.ts';

export interface QuickSeparationOptions {
  /** Corpus songs (every sixth has no drums). Default 24. */
  count?: number;
  durationSec?: number;
  seed?: number;
  /** Also time a 4-minute track (about 10 s more). Default true. */
  timeLongTrack?: boolean;
  /** Also score the mono downmix of this many of the songs (0: skip). Default 8. */
  monoSongs?: number;
  /** Where lines go; default console.log. */
  log?: (line: string) => void;
}

type StemSdr = Record<(typeof CORPUS_STEMS)[number], number>;

export interface QuickSeparationFigures {
  songs: { seed: number; hasDrums: boolean; quick: SongSdr; baseline: SongSdr }[];
  /** Mean over songs of each stem's SDR, and the mean over stems then songs, dB. */
  quick: { stems: StemSdr; mean: number };
  baseline: { stems: StemSdr; mean: number };
  /** quick.mean - baseline.mean, dB. */
  improvementDb: number;
  /** The same means over the songs that have drums only (no silent stem in the truth). */
  withDrums: { quick: { stems: StemSdr; mean: number }; baseline: { stems: StemSdr; mean: number } };
  /** Mono downmixes (mono stems against downmixed truth): mean SDR of Quick and of mix/4. */
  mono?: { songs: number; quick: number; baseline: number };
  /** Separating all four stems of a 4-minute stereo 44.1 kHz corpus song, best of 3. */
  speed?: {
    durationSec: number;
    wallSec: number;
    cpuSec: number;
    realTimeFactor: number;
    cpuRealTimeFactor: number;
    /** The same with the stems streamed (`onChunk`, `collect: false`), as the CLI and the app use it. */
    streamedWallSec: number;
    streamedRealTimeFactor: number;
  };
}

const LONG_TRACK_SEC = 240;

function stemMeans(songs: readonly SongSdr[]): StemSdr {
  const means = {} as StemSdr;
  for (const stem of CORPUS_STEMS) means[stem] = songs.reduce((sum, s) => sum + s.stems[stem]!, 0) / songs.length;
  return means;
}

const formatRow = (label: string, sdr: SongSdr) =>
  `${label.padEnd(10)}${CORPUS_STEMS.map((stem) => sdr.stems[stem]!.toFixed(2).padStart(9)).join('')}${sdr.mean.toFixed(2).padStart(9)}`;

export async function quickSeparationFigures(options: QuickSeparationOptions = {}): Promise<QuickSeparationFigures> {
  const { count = 24, durationSec = 30, seed = 1, timeLongTrack = true, monoSongs = 8, log = console.log } = options;
  const quick = createQuickSeparator();
  const songs: QuickSeparationFigures['songs'] = [];
  log(`Quick separation: ${count} corpus songs of ${durationSec} s (seed ${seed}), SDR in dB`);
  log(`${'song'.padEnd(10)}${[...CORPUS_STEMS, 'mean'].map((s) => s.padStart(9)).join('')}`);
  for (const spec of corpusSpecs({ count, durationSec, seed })) {
    const song = renderSong(spec);
    const { stems } = await quick.separate({ sampleRate: song.sampleRate, channels: song.mix });
    const quarter = song.mix.map((channel) => channel.map((v) => v / 4));
    const quickSdr = songSdr(song.stems, stems);
    const baselineSdr = songSdr(song.stems, Object.fromEntries(CORPUS_STEMS.map((stem) => [stem, quarter])));
    songs.push({ seed: spec.seed, hasDrums: song.truth.hasDrums, quick: quickSdr, baseline: baselineSdr });
    log(formatRow(`${spec.seed}${spec.drums ? '' : ' (-d)'}`, quickSdr));
    log(formatRow('  mix/4', baselineSdr));
  }
  const means = (sdrs: SongSdr[]) => ({ stems: stemMeans(sdrs), mean: meanOverSongs(sdrs) });
  const quickMeans = means(songs.map((s) => s.quick));
  const baselineMeans = means(songs.map((s) => s.baseline));
  const drummed = songs.filter((s) => s.hasDrums);
  const figures: QuickSeparationFigures = {
    songs,
    quick: quickMeans,
    baseline: baselineMeans,
    improvementDb: quickMeans.mean - baselineMeans.mean,
    withDrums: { quick: means(drummed.map((s) => s.quick)), baseline: means(drummed.map((s) => s.baseline)) },
  };
  log('Mean over songs:');
  log(formatRow('Quick', quickMeans));
  log(formatRow('mix/4', baselineMeans));
  log(`Improvement: ${figures.improvementDb.toFixed(2)} dB of mean SDR`);
  log(`Mean over the ${drummed.length} songs with drums:`);
  log(formatRow('Quick', figures.withDrums.quick));
  log(formatRow('mix/4', figures.withDrums.baseline));
  if (monoSongs > 0) {
    figures.mono = await scoreMono(corpusSpecs({ count, durationSec, seed }).slice(0, monoSongs));
    const { quick, baseline } = figures.mono;
    log(
      `Mono downmix of the first ${figures.mono.songs} songs: Quick ${quick.toFixed(2)} dB, mix/4 ${baseline.toFixed(2)} dB ` +
        `(improvement ${(quick - baseline).toFixed(2)} dB)`,
    );
  }
  if (timeLongTrack) {
    figures.speed = await timeLong(seed);
    const { wallSec, cpuSec, realTimeFactor, cpuRealTimeFactor, streamedWallSec, streamedRealTimeFactor } =
      figures.speed;
    log(
      `4-minute stereo 44.1 kHz track, four stems kept in memory: ${wallSec.toFixed(2)} s wall (${realTimeFactor.toFixed(0)}x real time), ` +
        `${cpuSec.toFixed(2)} s CPU (${cpuRealTimeFactor.toFixed(0)}x), best of 3`,
    );
    log(
      `the same, stems streamed out as they are made (as sfa separate and the app run it): ` +
        `${streamedWallSec.toFixed(2)} s wall (${streamedRealTimeFactor.toFixed(0)}x real time), best of 3`,
    );
  }
  return figures;
}

async function scoreMono(specs: SongSpec[]): Promise<NonNullable<QuickSeparationFigures['mono']>> {
  const quick = createQuickSeparator();
  const downmix = ([left, right]: readonly Float32Array[]) => [left!.map((v, i) => 0.5 * (v + right![i]!))];
  const quickSdr: SongSdr[] = [];
  const baselineSdr: SongSdr[] = [];
  for (const spec of specs) {
    const song = renderSong(spec);
    const mix = downmix(song.mix);
    const truth = Object.fromEntries(CORPUS_STEMS.map((stem) => [stem, downmix(song.stems[stem])]));
    const { stems } = await quick.separate({ sampleRate: song.sampleRate, channels: mix });
    const quarter = [mix[0]!.map((v) => v / 4)];
    quickSdr.push(songSdr(truth, stems));
    baselineSdr.push(songSdr(truth, Object.fromEntries(CORPUS_STEMS.map((stem) => [stem, quarter]))));
  }
  return { songs: specs.length, quick: meanOverSongs(quickSdr), baseline: meanOverSongs(baselineSdr) };
}

async function timeLong(seed: number): Promise<NonNullable<QuickSeparationFigures['speed']>> {
  const song = renderSong(corpusSpecs({ count: 1, durationSec: LONG_TRACK_SEC, seed })[0]!);
  const quick = createQuickSeparator();
  const input = { sampleRate: song.sampleRate, channels: song.mix };
  // Warm up the JIT on a short stretch first.
  await quick.separate({ sampleRate: song.sampleRate, channels: song.mix.map((c) => c.subarray(0, 10 * 44_100)) });
  let wallSec = Infinity;
  let cpuSec = Infinity;
  for (let i = 0; i < 3; i++) {
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    await quick.separate(input);
    wallSec = Math.min(wallSec, (performance.now() - started) / 1000);
    const cpu = process.cpuUsage(cpuBefore);
    cpuSec = Math.min(cpuSec, (cpu.user + cpu.system) / 1e6);
  }
  let streamedWallSec = Infinity;
  for (let i = 0; i < 3; i++) {
    const started = performance.now();
    await quick.separate(input, { collect: false, onChunk: () => {} });
    streamedWallSec = Math.min(streamedWallSec, (performance.now() - started) / 1000);
  }
  return {
    durationSec: LONG_TRACK_SEC,
    wallSec,
    cpuSec,
    realTimeFactor: LONG_TRACK_SEC / wallSec,
    cpuRealTimeFactor: LONG_TRACK_SEC / cpuSec,
    streamedWallSec,
    streamedRealTimeFactor: LONG_TRACK_SEC / streamedWallSec,
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({
    options: { count: { type: 'string' }, duration: { type: 'string' }, seed: { type: 'string' } },
  });
  await quickSeparationFigures({
    count: values.count ? Number(values.count) : undefined,
    durationSec: values.duration ? Number(values.duration) : undefined,
    seed: values.seed ? Number(values.seed) : undefined,
  });
}
