// What the analysis engine reports for one track. The same shape is stored in IndexedDB,
// printed by `sfa analyze --json` and sent by the offload server.

/** Bumped whenever a change to the engine changes its results: stored results are recomputed. */
// 2: no beat and no key below the -70 LUFS gate (version 1 found a tempo in near-silence).
export const ANALYSIS_ENGINE_VERSION = 2;

export type Mode = 'major' | 'minor';

/** A stretch of the track at one tempo; a steady track has exactly one. */
export interface TempoSegment {
  startSec: number;
  bpm: number;
}

export interface TempoAnalysis {
  /** Global tempo in BPM, to 0.1 BPM (the dominant tempo when it changes). */
  bpm: number;
  /** In [0, 1]: how clearly one tempo (and not its half or double) stands out. */
  confidence: number;
  /** Tempo over time; one segment when steady. */
  curve: TempoSegment[];
  /** Beats per bar: 4 for 4/4, 3 for 3/4. */
  beatsPerBar: 3 | 4;
  /** Beat times in seconds, ascending. */
  beats: number[];
  /** Bar starts in seconds, a subset of `beats`. */
  downbeats: number[];
}

export interface KeyAnalysis {
  /** Pitch class of the tonic, 0 = C ... 11 = B. */
  tonic: number;
  mode: Mode;
  /** In [0, 1]. */
  confidence: number;
  /** Deviation of the recording's tuning from A = 440 Hz, in cents (-50, 50]. */
  tuningCents: number;
  /** 'F# minor' */
  name: string;
  /** '11A' */
  camelot: string;
}

export interface LoudnessAnalysis {
  /** ITU-R BS.1770-4 integrated loudness, LUFS; -Infinity for silence. */
  integratedLufs: number;
  /** EBU Tech 3342 loudness range, LU. */
  lra: number;
  /** Largest absolute sample, dBFS. */
  samplePeakDb: number;
  /** BS.1770-4 true peak (4x oversampled or more), dBTP. */
  truePeakDb: number;
  /** Largest short-term (3 s) loudness, LUFS. */
  shortTermMaxLufs: number;
  /** Largest momentary (400 ms) loudness, LUFS. */
  momentaryMaxLufs: number;
}

export interface OnsetEnvelope {
  /** Frames per second of `values`. */
  frameRate: number;
  /** Onset strength per frame, normalised to a maximum of 1. */
  values: Float32Array;
}

export interface AnalysisResult {
  engineVersion: number;
  durationSec: number;
  sampleRate: number;
  tempo: TempoAnalysis;
  key: KeyAnalysis;
  loudness: LoudnessAnalysis;
  onset: OnsetEnvelope;
}
