// `npx tsx e2e/bench/loudness-vs-ffmpeg.ts [--all | files...]`: our loudness measurement
// against ffmpeg's ebur128 filter on real music, and how long ours takes. The music is the Ogg
// Vorbis soundtrack of Debian's wesnoth-1.16-music or openarena-data (installed on request);
// without either, synthesised songs. Both sides read the same file: ours through the app's
// decoder, ffmpeg through its own.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { pathToFileURL } from 'node:url';
import { measureLoudness } from '../../shared/src/analysis/loudness/loudness.ts';
import type { LoudnessAnalysis } from '../../shared/src/analysis/types.ts';
import { decodeAudio } from '../../shared/src/audio/decode.ts';
import { encodeWav } from '../../shared/src/audio/wav-encode.ts';
import { synthesiseSong } from './song.ts';

const MUSIC_PACKAGES = ['wesnoth-1.16-music', 'openarena-data'];
export const DEFAULT_FILE_COUNT = 12;
const WORK_DIR = new URL('../.bench/loudness/', import.meta.url);

export interface FfmpegLoudness {
  integratedLufs: number;
  lra: number;
  truePeakDb: number;
}

export interface LoudnessComparison {
  file: string;
  durationSec: number;
  sampleRate: number;
  ours: FfmpegLoudness & { samplePeakDb: number };
  ffmpeg: FfmpegLoudness;
  /** Our measurement alone (decoded samples in, result out): the fastest of TIMED_RUNS, wall clock and CPU. */
  measureMs: number;
  measureCpuMs: number;
}

/** ffmpeg prints this, not -Infinity, when no block passes the gates. */
const FFMPEG_LOUDNESS_FLOOR = -70;
/** Below this linear true peak, the Summary's dB figure is more precise than 3-decimal metadata. */
const METADATA_PEAK_FLOOR = 0.11;

/**
 * Runs ffmpeg's ebur128 filter (peak=true) on `file`. Its Summary prints one decimal, so the
 * values come from the same run's per-frame metadata (three decimals; the true peak as a
 * linear ratio), checked against the Summary. ffmpeg's -70 LUFS floor reads as -Infinity.
 */
export function ffmpegLoudness(file: string): FfmpegLoudness {
  const run = spawnSync(
    'ffmpeg',
    [
      '-nostats',
      '-hide_banner',
      '-i',
      file,
      '-filter_complex',
      'ebur128=peak=true:metadata=1,ametadata=mode=print:file=-',
      '-f',
      'null',
      '-',
    ],
    { encoding: 'utf8', maxBuffer: 1 << 30 },
  );
  if (run.status !== 0) throw new Error(`ffmpeg failed on ${file}: ${run.stderr.slice(-500)}`);
  const summary = run.stderr.slice(run.stderr.lastIndexOf('Summary:'));
  const fromSummary = (label: string) => {
    const value = new RegExp(`${label}:\\s+(-?[\\d.]+|-inf)`).exec(summary)?.[1];
    return value === '-inf' ? -Infinity : Number(value);
  };
  const lastMetadata = (key: string) => {
    const matches = [...run.stdout.matchAll(new RegExp(`^lavfi\\.r128\\.${key}=(\\S+)$`, 'gm'))];
    return Number(matches.at(-1)?.[1]);
  };
  const integratedLufs = lastMetadata('I');
  const truePeak = lastMetadata('true_peak');
  const result = {
    integratedLufs: integratedLufs <= FFMPEG_LOUDNESS_FLOOR ? -Infinity : integratedLufs,
    lra: lastMetadata('LRA'),
    truePeakDb: truePeak >= METADATA_PEAK_FLOOR ? 20 * Math.log10(truePeak) : fromSummary('Peak'),
  };
  const agrees = (precise: number, rounded: number) => !(Math.abs(precise - rounded) > 0.051);
  if (!agrees(integratedLufs, fromSummary('I')) || !agrees(result.lra, fromSummary('LRA'))) {
    throw new Error(`ffmpeg's metadata and Summary disagree on ${file}: ${JSON.stringify(result)}\n${summary}`);
  }
  return result;
}

function cpuMs(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
}

/** Our measurement is timed this many times per file and the fastest run kept, as the machine may be shared. */
const TIMED_RUNS = 3;

/** Measures every file both ways; throws if a file cannot be decoded or ffmpeg fails. */
export async function compareWithFfmpeg(files: string[]): Promise<LoudnessComparison[]> {
  const rows: LoudnessComparison[] = [];
  for (const file of files) {
    const { channels, sampleRate } = await decodeAudio(new Uint8Array(readFileSync(file)));
    let ours: LoudnessAnalysis | undefined;
    let [measureMs, measureCpuMs] = [Infinity, Infinity];
    for (let run = 0; run < TIMED_RUNS; run++) {
      const wallStart = performance.now();
      const cpuStart = cpuMs();
      ours = await measureLoudness(channels, sampleRate);
      measureCpuMs = Math.min(measureCpuMs, cpuMs() - cpuStart);
      measureMs = Math.min(measureMs, performance.now() - wallStart);
    }
    rows.push({
      file,
      durationSec: (channels[0]?.length ?? 0) / sampleRate,
      sampleRate,
      ours: {
        integratedLufs: ours!.integratedLufs,
        lra: ours!.lra,
        truePeakDb: ours!.truePeakDb,
        samplePeakDb: ours!.samplePeakDb,
      },
      ffmpeg: ffmpegLoudness(file),
      measureMs,
      measureCpuMs,
    });
  }
  return rows;
}

function packageOggFiles(): string[] {
  return MUSIC_PACKAGES.flatMap((name) => {
    const listing = spawnSync('dpkg', ['-L', name], { encoding: 'utf8' });
    return listing.status === 0 ? listing.stdout.split('\n').filter((path) => path.endsWith('.ogg')) : [];
  });
}

/** Debian's game music, installing wesnoth's if neither package is there; else synthesised songs. */
export function findMusic(): { files: string[]; source: string } {
  let files = packageOggFiles();
  if (files.length === 0) {
    console.log('no music package installed; trying apt-get install -y wesnoth-1.16-music');
    spawnSync('apt-get', ['install', '-y', 'wesnoth-1.16-music'], { stdio: 'inherit' });
    files = packageOggFiles();
  }
  if (files.length > 0) return { files: files.sort(), source: 'Debian game music (Ogg Vorbis)' };
  mkdirSync(WORK_DIR, { recursive: true });
  const songs = [
    ['song-3min.wav', 180, 1],
    ['song-3min-loud.wav', 180, 2.5],
  ] as const;
  return {
    source: 'synthesised songs (no music package could be installed)',
    files: songs.map(([name, seconds, gain]) => {
      const path = new URL(name, WORK_DIR).pathname;
      // Louder than full scale and clipped, as a loudness-war master is.
      const song = synthesiseSong(seconds, 44_100).map((channel) =>
        channel.map((sample) => Math.max(-1, Math.min(1, gain * sample))),
      );
      writeFileSync(path, encodeWav(song, 44_100, 16));
      return path;
    }),
  };
}

export function printRows(rows: LoudnessComparison[]): void {
  const cell = (value: number, width = 7) =>
    (Number.isFinite(value) ? value.toFixed(2) : String(value)).padStart(width);
  const signed = (value: number) => (Number.isNaN(value) ? 'same' : (value >= 0 ? '+' : '') + value.toFixed(3));
  console.log(
    `${'file'.padEnd(28)} ${'dur s'.padStart(6)}  ${'I ours'.padStart(7)} ${'ffmpeg'.padStart(7)} ${'diff'.padStart(7)}` +
      `  ${'LRA ours'.padStart(8)} ${'ffmpeg'.padStart(7)} ${'diff'.padStart(7)}  ${'TP ours'.padStart(7)} ${'ffmpeg'.padStart(7)} ${'diff'.padStart(7)}` +
      `  ${'ms'.padStart(6)} ${'cpu ms'.padStart(6)} ${'x RT'.padStart(6)}`,
  );
  for (const row of rows) {
    const { ours, ffmpeg } = row;
    console.log(
      `${basename(row.file).slice(0, 28).padEnd(28)} ${row.durationSec.toFixed(0).padStart(6)}` +
        `  ${cell(ours.integratedLufs)} ${cell(ffmpeg.integratedLufs)} ${signed(ours.integratedLufs - ffmpeg.integratedLufs).padStart(7)}` +
        `  ${cell(ours.lra, 8)} ${cell(ffmpeg.lra)} ${signed(ours.lra - ffmpeg.lra).padStart(7)}` +
        `  ${cell(ours.truePeakDb)} ${cell(ffmpeg.truePeakDb)} ${signed(ours.truePeakDb - ffmpeg.truePeakDb).padStart(7)}` +
        `  ${row.measureMs.toFixed(0).padStart(6)} ${row.measureCpuMs.toFixed(0).padStart(6)} ${(row.durationSec / (row.measureMs / 1000)).toFixed(0).padStart(6)}`,
    );
  }
  // Silence reads -Infinity on both sides; the worst case is over finite differences.
  const worst = (pick: (row: LoudnessComparison) => number) =>
    Math.max(...rows.map((row) => Math.abs(pick(row))).filter(Number.isFinite));
  const totalSec = rows.reduce((sum, row) => sum + row.durationSec, 0);
  const totalMs = rows.reduce((sum, row) => sum + row.measureMs, 0);
  const totalCpuMs = rows.reduce((sum, row) => sum + row.measureCpuMs, 0);
  console.log(
    `\nworst |ours - ffmpeg|: I ${worst((row) => row.ours.integratedLufs - row.ffmpeg.integratedLufs).toFixed(3)} LU,` +
      ` LRA ${worst((row) => row.ours.lra - row.ffmpeg.lra).toFixed(3)} LU,` +
      ` true peak ${worst((row) => row.ours.truePeakDb - row.ffmpeg.truePeakDb).toFixed(3)} dB`,
  );
  console.log(
    `speed: ${(totalSec / 60).toFixed(1)} min of audio in ${totalMs.toFixed(0)} ms (${totalCpuMs.toFixed(0)} ms CPU),` +
      ` ${(totalSec / (totalMs / 1000)).toFixed(0)}x real time; per 4 min of stereo 44.1 kHz:` +
      ` ${((totalMs / totalSec) * 240).toFixed(0)} ms (${((totalCpuMs / totalSec) * 240).toFixed(0)} ms CPU)`,
  );
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const args = process.argv.slice(2);
  const explicit = args.filter((arg) => !arg.startsWith('--'));
  const found = explicit.length > 0 ? { files: explicit, source: 'files given' } : findMusic();
  const files = explicit.length > 0 || args.includes('--all') ? found.files : found.files.slice(0, DEFAULT_FILE_COUNT);
  console.log(`loudness vs ffmpeg ebur128 — ${new Date().toISOString()} — Node ${process.version}`);
  console.log(`${files.length} files: ${found.source}\n`);
  printRows(await compareWithFfmpeg(files));
}
