// `npx tsx e2e/bench/rhythm-accuracy.ts [--count 48] [--duration 30] [--seed 1]`: tempo, beats,
// metre and downbeats on the synthetic corpus (60-190 BPM, swing, 3/4, songs without drums,
// rubato intros, leading silence), and the tempo curve on the corpus songs whose tempo steps or
// ramps. Prints truth against estimate per song, the standard scores (tempo Acc1/Acc2, mir_eval
// beat F-measure at ±70 ms, downbeat F-measure, metre accuracy), the time per song, and the time
// analyzeRhythm takes on a 4-minute stereo 44.1 kHz track. The lead's `bench:analysis-accuracy`
// calls `rhythmAccuracy` for the aggregate.
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import {
  beatFMeasure,
  downbeatFMeasure,
  tempoAcc1,
  tempoAcc2,
  trimBeats,
} from '../../shared/src/analysis/metrics/beat-metrics.ts';
import { monoAtRate } from '../../shared/src/analysis/mono.ts';
import { ONSET_MIN_RATE } from '../../shared/src/analysis/rhythm/onset.ts';
import { analyzeRhythm, analyzeRhythmMono } from '../../shared/src/analysis/rhythm/rhythm.ts';
import type { TempoAnalysis, TempoSegment } from '../../shared/src/analysis/types.ts';
import { corpusSpecs } from '../../shared/src/corpus/corpus.ts';
import { renderSong, type SongTruth } from '../../shared/src/corpus/song.ts';
import { synthesiseSong } from './song.ts';

export interface RhythmAccuracyOptions {
  /** Steady-tempo corpus songs scored for tempo, beats and bars. Default 48. */
  count?: number;
  durationSec?: number;
  seed?: number;
  /** Also time a 4-minute track (some seconds more). Default true. */
  timeLongTrack?: boolean;
  /** Where lines go; default console.log. */
  log?: (line: string) => void;
}

export interface RhythmAccuracy {
  /** Steady songs scored. */
  songs: number;
  /** Fraction of steady songs within 4 % of the true tempo; and counting x2, x3, x1/2, x1/3. */
  acc1: number;
  acc2: number;
  /** Fraction of steady songs whose reported tempo is within 0.1 BPM of the truth. */
  within01Bpm: number;
  /** Mean mir_eval beat F-measure (±70 ms) over songs with and without drums, and all. */
  beatF: { drums: number; noDrums: number; all: number; allTrimmed5s: number };
  /** Mean downbeat F-measure, and the fraction of songs with the right beats per bar. */
  downbeatF: number;
  metreAccuracy: number;
  /** Songs whose tempo steps or ramps: how many got the right segments. */
  tempoChanges: { songs: number; rightCurve: number; beatF: number };
  /** analyzeRhythm on one corpus song (decimation included), mean, ms. */
  msPerSong: number;
  /**
   * analyzeRhythm on 4 minutes of stereo 44.1 kHz audio and its parts, best of 3, ms: wall
   * clock, and the process's CPU time (the fairer figure on a machine shared with other work).
   */
  longTrack?: {
    durationSec: number;
    analyzeRhythmMs: number;
    analyzeRhythmMonoMs: number;
    decimationMs: number;
    cpu: { analyzeRhythmMs: number; analyzeRhythmMonoMs: number; decimationMs: number };
  };
}

const LONG_TRACK_SEC = 240;
const SAMPLE_RATE = 44_100;

export async function rhythmAccuracy(options: RhythmAccuracyOptions = {}): Promise<RhythmAccuracy> {
  const { count = 48, durationSec = 30, seed = 1, timeLongTrack = true, log = console.log } = options;
  log(`Rhythm accuracy: ${count} steady corpus songs of ${durationSec} s (seed ${seed})`);
  log(header());
  const steady = [];
  let totalMs = 0;
  for (const [index, spec] of corpusSpecs({ count, durationSec, seed, steadyOnly: true }).entries()) {
    const song = renderSong(spec);
    const started = performance.now();
    const { tempo } = await analyzeRhythm(song.mix, song.sampleRate);
    const ms = performance.now() - started;
    totalMs += ms;
    const scores = scoreSong(song.truth, tempo);
    steady.push(scores);
    log(row(index, song.truth, tempo, scores, ms));
  }

  // The tempo-change songs of the full corpus of the same size and seed.
  log('');
  log('Tempo changes (truth curve -> estimated curve):');
  const changing = [];
  for (const [index, spec] of corpusSpecs({ count, durationSec, seed }).entries()) {
    if (!spec.tempo.change) continue;
    const song = renderSong(spec);
    const { tempo } = await analyzeRhythm(song.mix, song.sampleRate);
    const rightCurve = curveIsRight(song.truth, spec.tempo.change, tempo.curve);
    const beatF = beatFMeasure(song.truth.beats, tempo.beats);
    changing.push({ rightCurve, beatF });
    log(
      `${String(index).padEnd(5)}${spec.tempo.change.padEnd(6)}${formatCurve(song.truth.curve).padEnd(28)}` +
        `-> ${formatCurve(tempo.curve).padEnd(40)}${rightCurve ? 'right' : 'WRONG'}  beat F ${beatF.toFixed(3)}`,
    );
  }

  // NaN (printed as such) when a group is empty, rather than a misleading 0.
  const mean = (values: number[]) => values.reduce((sum, v) => sum + v, 0) / values.length;
  const fraction = (flags: boolean[]) => flags.filter(Boolean).length / Math.max(1, flags.length);
  const result: RhythmAccuracy = {
    songs: steady.length,
    acc1: fraction(steady.map((s) => s.acc1)),
    acc2: fraction(steady.map((s) => s.acc2)),
    within01Bpm: fraction(steady.map((s) => s.within01Bpm)),
    beatF: {
      drums: mean(steady.filter((s) => s.hasDrums).map((s) => s.beatF)),
      noDrums: mean(steady.filter((s) => !s.hasDrums).map((s) => s.beatF)),
      all: mean(steady.map((s) => s.beatF)),
      allTrimmed5s: mean(steady.map((s) => s.beatFTrimmed)),
    },
    downbeatF: mean(steady.map((s) => s.downbeatF)),
    metreAccuracy: fraction(steady.map((s) => s.metreRight)),
    tempoChanges: {
      songs: changing.length,
      rightCurve: changing.filter((c) => c.rightCurve).length,
      beatF: mean(changing.map((c) => c.beatF)),
    },
    msPerSong: totalMs / Math.max(1, steady.length),
  };
  log('');
  log(
    `Tempo: Acc1 ${percent(result.acc1)}, Acc2 ${percent(result.acc2)}, within 0.1 BPM ${percent(result.within01Bpm)}`,
  );
  log(
    `Beat F-measure: drums ${result.beatF.drums.toFixed(3)}, no drums ${result.beatF.noDrums.toFixed(3)}, ` +
      `all ${result.beatF.all.toFixed(3)} (first 5 s trimmed as mir_eval.beat.evaluate: ${result.beatF.allTrimmed5s.toFixed(3)})`,
  );
  log(`Downbeat F-measure ${result.downbeatF.toFixed(3)}, metre accuracy ${percent(result.metreAccuracy)}`);
  log(
    `Tempo curves: ${result.tempoChanges.rightCurve} of ${result.tempoChanges.songs} right, ` +
      `beat F ${result.tempoChanges.beatF.toFixed(3)}`,
  );
  log(`analyzeRhythm: ${result.msPerSong.toFixed(1)} ms per ${durationSec}-s song`);
  if (timeLongTrack) {
    result.longTrack = await timeLong();
    const { cpu } = result.longTrack;
    for (const [label, times] of [
      ['wall clock', result.longTrack],
      ['CPU time', cpu],
    ] as const) {
      log(
        `4-minute stereo 44.1 kHz track, ${label}: analyzeRhythm ${times.analyzeRhythmMs.toFixed(0)} ms ` +
          `(${((LONG_TRACK_SEC * 1000) / times.analyzeRhythmMs).toFixed(0)}x real time); monoAtRate alone ` +
          `${times.decimationMs.toFixed(0)} ms, the analysis of its output ${times.analyzeRhythmMonoMs.toFixed(0)} ms`,
      );
    }
  }
  return result;
}

interface SongScores {
  acc1: boolean;
  acc2: boolean;
  within01Bpm: boolean;
  hasDrums: boolean;
  beatF: number;
  beatFTrimmed: number;
  downbeatF: number;
  metreRight: boolean;
}

function scoreSong(truth: SongTruth, tempo: TempoAnalysis): SongScores {
  return {
    acc1: tempoAcc1(truth.bpm, tempo.bpm),
    acc2: tempoAcc2(truth.bpm, tempo.bpm),
    within01Bpm: Math.abs(tempo.bpm - truth.bpm) <= 0.1 + 1e-9,
    hasDrums: truth.hasDrums,
    beatF: beatFMeasure(truth.beats, tempo.beats),
    beatFTrimmed: beatFMeasure(trimBeats(truth.beats), trimBeats(tempo.beats)),
    downbeatF: downbeatFMeasure(truth.downbeats, tempo.downbeats),
    metreRight: tempo.beatsPerBar === truth.beatsPerBar,
  };
}

/**
 * A step must give exactly its two segments (tempi within 4 %, change within a second); a
 * ramp has no single change point, so its first and last segments must match the tempi before
 * and after it.
 */
function curveIsRight(truth: SongTruth, change: 'step' | 'ramp', curve: readonly TempoSegment[]): boolean {
  const first = truth.curve[0]!;
  const last = truth.curve[truth.curve.length - 1]!;
  if (curve.length < 2) return false;
  const ends = tempoAcc1(first.bpm, curve[0]!.bpm) && tempoAcc1(last.bpm, curve[curve.length - 1]!.bpm);
  if (change === 'ramp') return ends && curveAgreement(truth, curve) >= 0.8;
  return ends && curve.length === 2 && Math.abs(curve[1]!.startSec - last.startSec) < 1;
}

/** Fraction of the beat span, sampled every 0.25 s, where the two curves agree within 4%. */
function curveAgreement(truth: SongTruth, curve: readonly TempoSegment[]): number {
  const at = (segments: readonly TempoSegment[], t: number) =>
    segments.findLast((segment) => segment.startSec <= t)?.bpm ?? segments[0]!.bpm;
  const from = truth.beats[0]!;
  const to = truth.beats.at(-1)!;
  let agree = 0;
  let total = 0;
  for (let t = from; t <= to; t += 0.25, total++) if (tempoAcc1(at(truth.curve, t), at(curve, t))) agree++;
  return total ? agree / total : 0;
}

function header(): string {
  return `${'song'.padEnd(5)}${'truth'.padEnd(24)}${'estimate'.padEnd(20)}beat F  downbeat F  ms`;
}

function row(index: number, truth: SongTruth, tempo: TempoAnalysis, scores: SongScores, ms: number): string {
  const truthText = `${truth.bpm} ${truth.beatsPerBar}/4${truth.hasDrums ? '' : ' no drums'}${truth.swing ? ' swing' : ''}`;
  const flag = scores.acc1 ? '' : scores.acc2 ? ' (octave)' : ' (WRONG)';
  const estimate = `${tempo.bpm} ${tempo.beatsPerBar}/4 c${tempo.confidence.toFixed(2)}${flag}`;
  return (
    `${String(index).padEnd(5)}${truthText.padEnd(24)}${estimate.padEnd(20)}` +
    `${scores.beatF.toFixed(3)}   ${scores.downbeatF.toFixed(3)}       ${ms.toFixed(0)}`
  );
}

function formatCurve(curve: readonly TempoSegment[]): string {
  return curve.map((s) => `${s.bpm}@${s.startSec.toFixed(1)}s`).join(' ');
}

const percent = (value: number) => `${(100 * value).toFixed(1)} %`;

async function timeLong(): Promise<NonNullable<RhythmAccuracy['longTrack']>> {
  const channels = synthesiseSong(LONG_TRACK_SEC, SAMPLE_RATE);
  const cpuMs = () => {
    const { user, system } = process.cpuUsage();
    return (user + system) / 1000;
  };
  /** Best of three runs, wall clock and CPU time measured apart. */
  const fastest = async (run: () => unknown): Promise<{ wall: number; cpu: number }> => {
    let wall = Infinity;
    let cpu = Infinity;
    for (let i = 0; i < 3; i++) {
      const startedWall = performance.now();
      const startedCpu = cpuMs();
      await run();
      wall = Math.min(wall, performance.now() - startedWall);
      cpu = Math.min(cpu, cpuMs() - startedCpu);
    }
    return { wall, cpu };
  };
  const mono = monoAtRate(channels, SAMPLE_RATE, ONSET_MIN_RATE);
  const whole = await fastest(() => analyzeRhythm(channels, SAMPLE_RATE));
  const ofMono = await fastest(() => analyzeRhythmMono(mono));
  const decimation = await fastest(() => monoAtRate(channels, SAMPLE_RATE, ONSET_MIN_RATE));
  return {
    durationSec: LONG_TRACK_SEC,
    analyzeRhythmMs: whole.wall,
    analyzeRhythmMonoMs: ofMono.wall,
    decimationMs: decimation.wall,
    cpu: { analyzeRhythmMs: whole.cpu, analyzeRhythmMonoMs: ofMono.cpu, decimationMs: decimation.cpu },
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({
    options: { count: { type: 'string' }, duration: { type: 'string' }, seed: { type: 'string' } },
  });
  await rhythmAccuracy({
    count: Number(values.count ?? 48),
    durationSec: Number(values.duration ?? 30),
    seed: Number(values.seed ?? 1),
  });
}
