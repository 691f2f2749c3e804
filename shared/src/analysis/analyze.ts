// The analysis engine's one entry: tempo and beats, key, loudness and the onset envelope of a
// decoded track, with one progress callback and one AbortSignal across all stages. The app's
// worker, the `sfa analyze` command and the offload server all call this.

import { throwIfAborted } from '../protocol/errors.ts';
import { stagedProgress, type ProgressCallback } from '../protocol/progress.ts';
import { detectKeyInMono } from './key/key.ts';
import { measureLoudness } from './loudness/loudness.ts';
import { createCheckpoint } from '../protocol/checkpoint.ts';
import { allFinite, checkPcm, withoutNonFinite } from './input.ts';
import { monoAtRateInSlices } from './mono.ts';
import { analyzeRhythmMono } from './rhythm/rhythm.ts';
import { ANALYSIS_ENGINE_VERSION, type AnalysisResult } from './types.ts';

export type AnalysisStage = 'decimate' | 'rhythm' | 'key' | 'loudness';

/** Shares of the total time each stage takes, measured on a 4-minute track. */
const STAGE_WEIGHTS: Record<AnalysisStage, number> = { decimate: 15, rhythm: 35, key: 15, loudness: 35 };

/**
 * Tempo and key both work on a mono mixdown: decimated once to 11.025 kHz for the onsets, and
 * halved again (5.5 kHz, still above the top of the chroma range) for the key.
 */
const RHYTHM_MIN_RATE = 11_000;
const KEY_MIN_RATE = 5_000;

export interface AnalyzeOptions {
  signal?: AbortSignal;
  onProgress?: ProgressCallback<AnalysisStage>;
}

/**
 * Analyses planar PCM (one Float32Array per channel, all of one length; any channel count, any
 * rate from 4 kHz). Throws SfaError 'no-audio' for an empty signal, 'bad-request' for channels
 * of different lengths or a sample rate below 4 kHz, and 'aborted' when `signal` fires. NaN and
 * infinite samples (a corrupt float file) are read as silence; `channels` are never modified.
 */
export async function analyzeTrack(
  channels: Float32Array[],
  sampleRate: number,
  options: AnalyzeOptions = {},
): Promise<AnalysisResult> {
  const { signal } = options;
  checkPcm(channels, sampleRate);
  throwIfAborted(signal);
  const frames = channels[0]!.length;
  const progress = stagedProgress(STAGE_WEIGHTS, options.onProgress);
  const checkpoint = createCheckpoint(signal);
  let mono = await monoAtRateInSlices(channels, sampleRate, RHYTHM_MIN_RATE, checkpoint);
  // A NaN or infinite sample anywhere reaches the mixdown (every filter tap is non-zero), which
  // is at most one channel long (an eighth of a 44.1 kHz stereo input): checking it costs next
  // to nothing, and only a corrupt track pays for a clean copy and a second mixdown.
  if (!allFinite(mono.samples)) {
    channels = withoutNonFinite(channels);
    mono = await monoAtRateInSlices(channels, sampleRate, RHYTHM_MIN_RATE, checkpoint);
  }
  progress.report('decimate', 1);
  const { tempo, onset } = await analyzeRhythmMono(mono, {
    signal,
    onProgress: (fraction) => progress.report('rhythm', fraction),
  });
  // The same samples as halve(mono.samples), in slices: on an hour-long track one call would
  // hold the thread for most of a second.
  const keyMono = await monoAtRateInSlices([mono.samples], mono.sampleRate, KEY_MIN_RATE, checkpoint);
  const key = await detectKeyInMono(keyMono, {
    signal,
    onProgress: (fraction) => progress.report('key', fraction),
  });
  const loudness = await measureLoudness(channels, sampleRate, {
    signal,
    onProgress: (fraction) => progress.report('loudness', fraction),
  });
  progress.done('loudness');
  // Below BS.1770's absolute gate (-70 LUFS) nothing is audible: the onset and chroma stages,
  // which normalise their input, would otherwise find a beat and a key in dither or hiss.
  const audible = loudness.integratedLufs > -Infinity;
  return {
    engineVersion: ANALYSIS_ENGINE_VERSION,
    durationSec: frames / sampleRate,
    sampleRate,
    tempo: audible ? tempo : { bpm: 0, confidence: 0, curve: [], beatsPerBar: 4, beats: [], downbeats: [] },
    key: audible ? key : { ...key, confidence: 0 },
    loudness,
    onset,
  };
}
