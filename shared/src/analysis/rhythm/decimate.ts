// The analysis signal (mono, decimated by monoAtRate) built a few seconds at a time, so a
// worker running it can still take a cancel: monoAtRate on a 4-minute track holds the thread
// for a few hundred milliseconds. Slices overlap by more than the decimation filters reach,
// so the result is sample for sample what one call on the whole track gives.

import { monoAtRate, type MonoSignal } from '../mono.ts';
import type { Checkpoint } from './checkpoint.ts';

/** Output samples per slice. */
const SLICE_OUTPUT = 1 << 16;
/** Reach of one half-band stage (47 taps) in its input samples, rounded up. */
const HALF_BAND_REACH = 24;

export async function monoAtRateInSlices(
  channels: readonly Float32Array[],
  sampleRate: number,
  minRate: number,
  checkpoint: Checkpoint,
): Promise<MonoSignal> {
  let factor = 1;
  while (sampleRate / (factor * 2) >= minRate) factor *= 2;
  const length = channels[0]?.length ?? 0;
  const outputLength = Math.ceil(length / factor);
  if (outputLength <= SLICE_OUTPUT) return monoAtRate(channels, sampleRate, minRate);
  // Stage j reaches HALF_BAND_REACH samples at its own rate, 2^(j-1) input samples each.
  const margin = HALF_BAND_REACH * factor;
  const samples = new Float32Array(outputLength);
  for (let first = 0; first < outputLength; first += SLICE_OUTPUT) {
    await checkpoint();
    const last = Math.min(outputLength, first + SLICE_OUTPUT);
    // A multiple of `factor`, so slice output k is output (start / factor + k) of the whole.
    const start = Math.max(0, first * factor - margin);
    const end = Math.min(length, last * factor + margin);
    const slice = monoAtRate(
      channels.map((channel) => channel.subarray(start, end)),
      sampleRate,
      minRate,
    );
    samples.set(slice.samples.subarray(first - start / factor, last - start / factor), first);
  }
  return { samples, sampleRate: sampleRate / factor };
}
