// The rhythm analysis of a track: onset envelope, global tempo, beats, tempo curve, metre and
// downbeats. Stages: mono at ~11 kHz -> spectral-flux onsets and bass chroma -> candidate tempi
// scored by periodicity and metrical evidence -> local tempo path -> dynamic-programming beats
// -> tempo segments -> bar grid from where the harmony changes.

import { monoAtRateInSlices, type MonoSignal } from '../mono.ts';
import type { OnsetEnvelope, TempoAnalysis } from '../types.ts';
import { beatStrengths, trackBeats, trimBeats } from './beats.ts';
import { createCheckpoint, type Checkpoint } from '../../protocol/checkpoint.ts';
import { beatChroma, computeChroma, harmonicNovelty } from './chroma.ts';

import { chooseBars } from './downbeats.ts';
import { computeOnsetFeatures, normalisePeak, ONSET_MIN_RATE } from './onset.ts';
import { chooseTempo } from './tempo.ts';
import { fittedBpm, localPeriods, tempoSegments } from './tempo-curve.ts';
import { autocorrelation, novelty as onsetNovelty } from './tempogram.ts';

export interface RhythmOptions {
  signal?: AbortSignal;
  /** Fraction done in [0, 1]: never decreases, ends at exactly 1. */
  onProgress?: (fraction: number) => void;
}

export interface RhythmResult {
  tempo: TempoAnalysis;
  onset: OnsetEnvelope;
}

/** Say of the onset strength at each beat, in the bass band and overall, beside the harmony's. */
const BASS_ACCENT_WEIGHT = 0.3;
const ACCENT_WEIGHT = 0.3;
/** Longest beat period the autocorrelation must cover, with room for three comb teeth. */
const MAX_LAG_SEC = 6;

/**
 * Tempo, beats, tempo curve, metre and downbeats of a track (channels of equal length at
 * `sampleRate`). Yields to the event loop every few tens of milliseconds; rejects with an
 * `aborted` SfaError when `options.signal` fires. Silence gives bpm 0, confidence 0, no beats.
 */
export async function analyzeRhythm(
  channels: Float32Array[],
  sampleRate: number,
  options: RhythmOptions = {},
): Promise<RhythmResult> {
  const checkpoint = createCheckpoint(options.signal);
  const progress = progressReporter(options.onProgress);
  await checkpoint();
  progress(0);
  const mono = await monoAtRateInSlices(channels, sampleRate, ONSET_MIN_RATE, checkpoint);
  progress(0.3);
  return analyzeMono(mono, checkpoint, (fraction) => progress(0.3 + 0.7 * fraction));
}

/**
 * `analyzeRhythm` on a signal already mixed down and decimated (monoAtRate towards 11025 Hz):
 * the engine makes that signal once for every analysis that needs it.
 */
export async function analyzeRhythmMono(mono: MonoSignal, options: RhythmOptions = {}): Promise<RhythmResult> {
  const checkpoint = createCheckpoint(options.signal);
  const progress = progressReporter(options.onProgress);
  await checkpoint();
  progress(0);
  return analyzeMono(mono, checkpoint, progress);
}

async function analyzeMono(
  mono: MonoSignal,
  checkpoint: Checkpoint,
  progress: (fraction: number) => void,
): Promise<RhythmResult> {
  const features = await computeOnsetFeatures(mono, checkpoint);
  const { frameRate } = features;
  const onset: OnsetEnvelope = { frameRate, values: normalisePeak(features.flux) };
  progress(0.45);
  const chroma = await computeChroma(mono, checkpoint);
  progress(0.6);

  const novelty = onsetNovelty(features.flux, frameRate);
  const acf = autocorrelation(centred(novelty), Math.round(MAX_LAG_SEC * frameRate));
  await checkpoint();
  const choice = await chooseTempo(novelty, acf, frameRate, chroma, checkpoint);
  progress(0.8);
  if (!choice) return finish({ tempo: noTempo(), onset }, progress);

  const periods = localPeriods(novelty, frameRate, choice.best.bpm);
  await checkpoint();
  const tracked = trackBeats(novelty, periods);
  const beatFrames = trimBeats(tracked, beatStrengths(novelty, tracked), periods);
  progress(0.9);
  if (beatFrames.length < 2) return finish({ tempo: noTempo(), onset }, progress);
  await checkpoint();

  // Frame n's flux is the rise since frame n - 1: the onset lies half a hop before its centre.
  const beats = beatFrames.map((frame) => roundMs(Math.max(0, frame - 0.5) / frameRate));
  const curve = tempoSegments(beats);
  const harmonic = harmonicNovelty(beatChroma(chroma, beats));
  const bars = chooseBars(
    harmonic,
    [
      { values: beatStrengths(onsetNovelty(features.lowFlux, frameRate), beatFrames), weight: BASS_ACCENT_WEIGHT },
      { values: beatStrengths(novelty, beatFrames), weight: ACCENT_WEIGHT },
    ],
    2,
    beats.length - 2,
  );
  const downbeats = beats.filter((_, i) => i % bars.beatsPerBar === bars.phase);
  const tempo: TempoAnalysis = {
    bpm: dominantBpm(curve, beats),
    confidence: round3(choice.confidence),
    curve,
    beatsPerBar: bars.beatsPerBar,
    beats,
    downbeats,
  };
  return finish({ tempo, onset }, progress);
}

function finish(result: RhythmResult, progress: (fraction: number) => void): RhythmResult {
  progress(1);
  return result;
}

function noTempo(): TempoAnalysis {
  return { bpm: 0, confidence: 0, curve: [], beatsPerBar: 4, beats: [], downbeats: [] };
}

/** The tempo of the longest segment (of all beats when steady), to 0.1 BPM. */
function dominantBpm(curve: readonly { startSec: number; bpm: number }[], beats: readonly number[]): number {
  if (curve.length <= 1) return fittedBpm(beats);
  let best = curve[0]!;
  let longest = 0;
  const end = beats[beats.length - 1]!;
  curve.forEach((segment, i) => {
    const duration = (curve[i + 1]?.startSec ?? end) - segment.startSec;
    if (duration > longest) {
      longest = duration;
      best = segment;
    }
  });
  return best.bpm;
}

function centred(values: Float32Array): Float32Array {
  let mean = 0;
  for (let i = 0; i < values.length; i++) mean += values[i]!;
  mean /= values.length || 1;
  return Float32Array.from(values, (v) => v - mean);
}

/** Reports each fraction at most once and never a smaller one than before. */
function progressReporter(onProgress?: (fraction: number) => void): (fraction: number) => void {
  let last = -1;
  return (fraction) => {
    const clamped = Math.min(1, Math.max(last, fraction));
    if (clamped <= last) return;
    last = clamped;
    onProgress?.(clamped);
  };
}

const roundMs = (sec: number) => Math.round(sec * 1000) / 1000;
const round3 = (value: number) => Math.round(value * 1000) / 1000;
