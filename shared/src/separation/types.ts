// The one interface every separator satisfies: ONNX models behind their contracts (htdemucs,
// MDX-Net, waveform) and the built-in Quick DSP separator. The browser worker, the CLI and the
// offload server only ever talk to a `Separator`.

import type { StreamingResamplerSnapshot } from '../dsp/resample.ts';
import type { Progress } from '../protocol/progress.ts';

/** The four stems of the standard models; some models add more (guitar, piano). */
export type StemName = 'vocals' | 'drums' | 'bass' | 'other' | (string & {});

export const STANDARD_STEMS = ['vocals', 'drums', 'bass', 'other'] as const satisfies readonly StemName[];

/** Planar audio: one Float32Array per channel, all the same length. */
export interface PlanarAudio {
  sampleRate: number;
  channels: Float32Array[];
}

export type SeparationStage = 'prepare' | 'separate' | 'finish';

export interface SeparationProgress extends Progress<SeparationStage> {
  /** Segments done so far and in all (Quick counts its own blocks). */
  segment: number;
  segments: number;
  /** Estimated seconds left, once there is enough to estimate from. */
  etaSec?: number;
}

/**
 * A finished stretch of every requested stem, at the input's sample rate and channel count.
 * Chunks arrive in order, without gaps or overlaps, and together cover the input exactly.
 */
export interface StemChunk {
  /** Index of the chunk's first frame in the input. */
  startFrame: number;
  stems: Record<StemName, Float32Array[]>;
  /**
   * Where the separation can go on from once this chunk is stored: pass it back as `resume`.
   * Set by separators that can resume (the ONNX models; Quick is fast enough to start over).
   */
  checkpoint?: SeparationCheckpoint;
}

/**
 * A separation's state after a chunk. Passed back as `resume` with the same input and options,
 * the separator skips the finished work, and the chunks that follow equal, sample for sample,
 * those of an uninterrupted run. Structured-cloneable, so it can be stored with the chunk.
 */
export interface SeparationCheckpoint {
  /** Which run it belongs to: separator, input length, rate and channels, stems, shifts, seed, overlap. */
  run: string;
  /** Segment rounds finished (a round is one segment of every shift pass). */
  rounds: number;
  /** Track frames finished, at the model's rate, and delivered at the input's. */
  modelFrames: number;
  frames: number;
  /** The output resamplers' states, per model stem (null where there is none). */
  resamplers: (StreamingResamplerSnapshot | null)[];
}

export interface SeparateOptions {
  /** Which stems to produce; default `defaultStems`. Karaoke (everything but vocals) is `instrumental`. */
  stems?: readonly StemName[];
  signal?: AbortSignal;
  onProgress?: (progress: SeparationProgress) => void;
  /**
   * Receives stems as they are finished. When given with `collect: false`, the separator keeps
   * no whole-track stems in memory and resolves with empty `stems`.
   */
  onChunk?: (chunk: StemChunk) => void | Promise<void>;
  /** Keep whole-track stems and return them (default true). */
  collect?: boolean;
  /**
   * Model separators: passes over randomly delayed copies of the track (up to 0.5 s) to average,
   * as demucs's `shifts`; 0 (default) for one unshifted pass. Each pass costs a full run.
   */
  shifts?: number;
  /** Seed of the shifts' random delays (default 0): the same seed gives the same stems. */
  seed?: number;
  /** Model separators: fraction of a segment neighbours share (default: the model's, else 0.25). */
  overlap?: number;
  /**
   * Go on from a chunk's `checkpoint` (same input and options): only the chunks after it are
   * made. Separators without checkpoints refuse it.
   */
  resume?: SeparationCheckpoint;
}

export interface SeparationResult {
  sampleRate: number;
  stems: Record<StemName, Float32Array[]>;
}

export interface Separator {
  /** Catalogue id ('quick', 'htdemucs', ...). */
  readonly id: string;
  /** Every stem this separator can produce, derived ones ('instrumental' = mix - vocals) included. */
  readonly stems: readonly StemName[];
  /** What it produces when no stems are requested: the model's own stems, no derived ones. */
  readonly defaultStems: readonly StemName[];
  separate(input: PlanarAudio, options?: SeparateOptions): Promise<SeparationResult>;
}
