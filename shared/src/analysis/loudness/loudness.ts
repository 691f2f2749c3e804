// Loudness of a whole track: BS.1770-4 integrated loudness, EBU Tech 3342 loudness range, the
// loudest momentary and short-term windows, sample peak and true peak. One scan K-weights the
// audio into 10 ms energies and a peak envelope; the windows, gates and the pruned true-peak
// search all work from those. Gating blocks and loudness-range values sit on the 100 ms grid
// the standards define (as in libebur128 and ffmpeg); the maxima use a 10 ms grid, where a
// 100 ms one reads a short burst up to 0.6 dB low. Runs in chunks so a worker can cancel it.

import { DecodeSteps } from '../../audio/decode-steps.ts';
import type { LoudnessAnalysis } from '../types.ts';
import {
  integratedLoudness,
  loudnessRange,
  maxWindowLoudness,
  MOMENTARY_SUB_BLOCKS,
  SHORT_TERM_SUB_BLOCKS,
  windowMeanSquares,
} from './gating.ts';
import { SignalScan, SUB_BLOCKS_PER_HOP } from './signal-scan.ts';
import { ENVELOPE_BLOCK, searchTruePeak, seedTruePeak } from './true-peak.ts';

export interface MeasureLoudnessOptions {
  signal?: AbortSignal;
  /** Fraction of the work done, in [0, 1]; never decreases, and the last call reports 1. */
  onProgress?: (fraction: number) => void;
  /** BS.1770 weight per channel, overriding `channelWeights(count)` (e.g. for a known layout). */
  weights?: readonly number[];
}

const SURROUND_WEIGHT = 1.41;

/**
 * BS.1770-4 channel weights by channel count, for channels in WAV / SMPTE order:
 * 1 mono, 2 L R, 3 L R C: all 1.0. 4 is taken as quad (L R Ls Rs), 5 as L R C Ls Rs, and 6
 * or more as L R C LFE followed by surrounds: the LFE is left out (0) and every channel after
 * it is weighted 1.41, as ffmpeg and libebur128 weigh side and back channels. Decoders hand
 * over the codec's own order (Vorbis and Opus put C second), so a caller that knows the layout
 * should pass `weights`.
 */
export function channelWeights(count: number): number[] {
  if (count <= 3) return Array<number>(count).fill(1);
  if (count === 4) return [1, 1, SURROUND_WEIGHT, SURROUND_WEIGHT];
  if (count === 5) return [1, 1, 1, SURROUND_WEIGHT, SURROUND_WEIGHT];
  return [1, 1, 1, 0, ...Array<number>(count - 4).fill(SURROUND_WEIGHT)];
}

/** Sub-blocks scanned between checks for cancellation: 1 s of audio, about 1 ms per channel. */
const SCAN_SUB_BLOCKS_PER_STEP = 100;
/** Envelope blocks searched for true peak between checks (3 s of audio at 44.1 kHz). */
const PEAK_BLOCKS_PER_STEP = 4096;
/** Share of the progress bar the scan takes; the true-peak search gets the rest. */
const SCAN_SHARE = 0.9;

/**
 * Measures a track's loudness. `channels` are planar samples, all the same length, at
 * `sampleRate` Hz (8 kHz to 192 kHz; any rate above 3.36 kHz works). Loudness values are LUFS and
 * -Infinity for silence; `lra` is 0 when nothing passes its gates or the track is shorter than
 * 3 s; peaks are dBFS / dBTP, -Infinity for digital silence. Yields to the event loop every
 * ~25 ms of work.
 *
 * Throws `SfaError` `aborted` if `options.signal` fires, and RangeError for no channels,
 * channels of different lengths, weights that do not match them or a rate of 3.36 kHz or less.
 */
export async function measureLoudness(
  channels: Float32Array[],
  sampleRate: number,
  options: MeasureLoudnessOptions = {},
): Promise<LoudnessAnalysis> {
  const frames = channels[0]?.length ?? 0;
  if (channels.length === 0) throw new RangeError('loudness needs at least one channel');
  if (channels.some((samples) => samples.length !== frames)) {
    throw new RangeError('loudness needs channels of one length');
  }
  if (options.weights && options.weights.length !== channels.length) {
    throw new RangeError(`loudness needs one weight per channel, got ${options.weights.length} for ${channels.length}`);
  }
  // DecodeSteps is the app's chunked-work helper (cancellation, monotonic progress, yielding);
  // nothing in it is specific to decoding.
  const steps = new DecodeSteps(options);
  steps.report(0);

  const scan = new SignalScan(channels, sampleRate, options.weights ?? channelWeights(channels.length));
  while (!scan.done) {
    scan.scan(SCAN_SUB_BLOCKS_PER_STEP);
    await steps.step(SCAN_SHARE * scan.progress);
  }

  // The interpolated signal passes through every sample, so the search starts from the sample
  // peak, and a sparse pass then raises that before the full one: most blocks are then pruned.
  const samplePeak = Math.max(0, ...scan.envelopes.map((envelope) => envelope.samplePeak));
  let truePeak = samplePeak;
  const blocks = Math.ceil(frames / ENVELOPE_BLOCK);
  const passes = [seedTruePeak, searchTruePeak];
  const totalSteps = passes.length * channels.length * blocks;
  let stepsDone = 0;
  for (const search of passes) {
    for (let channel = 0; channel < channels.length; channel++) {
      for (let block = 0; block < blocks; block += PEAK_BLOCKS_PER_STEP) {
        const to = Math.min(blocks, block + PEAK_BLOCKS_PER_STEP);
        truePeak = search(channels[channel]!, scan.envelopes[channel]!, block, to, truePeak);
        stepsDone += to - block;
        await steps.step(SCAN_SHARE + ((1 - SCAN_SHARE) * stepsDone) / totalSteps);
      }
    }
  }

  const blockMeanSquares = windowMeanSquares(scan, MOMENTARY_SUB_BLOCKS, SUB_BLOCKS_PER_HOP);
  const shortTermMeanSquares = windowMeanSquares(scan, SHORT_TERM_SUB_BLOCKS, SUB_BLOCKS_PER_HOP);
  const result: LoudnessAnalysis = {
    integratedLufs: integratedLoudness(blockMeanSquares),
    lra: loudnessRange(shortTermMeanSquares),
    samplePeakDb: 20 * Math.log10(samplePeak),
    truePeakDb: 20 * Math.log10(truePeak),
    shortTermMaxLufs: maxWindowLoudness(scan, SHORT_TERM_SUB_BLOCKS),
    momentaryMaxLufs: maxWindowLoudness(scan, MOMENTARY_SUB_BLOCKS),
  };
  steps.done();
  return result;
}
