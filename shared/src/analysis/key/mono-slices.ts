// monoAtRate in slices, with a pause between them: decimating a 4-minute track takes a few hundred
// milliseconds, too long to hold a worker's event loop (cancellation could not get through).
// Each slice carries enough of its neighbours for the filters to settle, so the result is the
// same, sample for sample, as one call on the whole track.

import { monoAtRate, type MonoSignal } from '../mono.ts';

/** Input samples per slice: about 12 s at 44.1 kHz, some 30 ms of work. */
const SLICE_SAMPLES = 2 ** 19;
/**
 * Extra output samples on each side of a slice. A 47-tap half-band corrupts 23 samples at an
 * edge, and each later halving reaches half as far back into the last one's corrupted edge:
 * 23 * (1/2 + 1/4 + ...) < 23 output samples after any number of halvings.
 */
const MARGIN_OUTPUT_SAMPLES = 32;

/**
 * What `monoAtRate(channels, sampleRate, minRate)` returns, computed slice by slice with
 * `await pause(fractionDone)` after each slice. `sliceSamples` (a power of two) is for tests.
 */
export async function monoAtRateInSlices(
  channels: readonly Float32Array[],
  sampleRate: number,
  minRate: number,
  pause: (fractionDone: number) => Promise<void>,
  sliceSamples = SLICE_SAMPLES,
): Promise<MonoSignal> {
  let factor = 1;
  while (sampleRate / (factor * 2) >= minRate) factor *= 2;
  const length = channels[0]?.length ?? 0;
  if (length <= sliceSamples) return monoAtRate(channels, sampleRate, minRate);

  const step = Math.max(sliceSamples, factor);
  const margin = MARGIN_OUTPUT_SAMPLES * factor;
  const samples = new Float32Array(Math.ceil(length / factor));
  // Slice starts and margins are multiples of `factor`, so every slice keeps the same samples
  // as the whole-track decimation would.
  for (let start = 0; start < length; start += step) {
    const from = Math.max(0, start - margin);
    const to = Math.min(length, start + step + margin);
    const slice = monoAtRate(
      channels.map((channel) => channel.subarray(from, to)),
      sampleRate,
      minRate,
    ).samples;
    const skip = (start - from) / factor;
    const count = Math.min(step / factor, samples.length - start / factor);
    samples.set(slice.subarray(skip, skip + count), start / factor);
    await pause(Math.min(1, (start + step) / length));
  }
  return { samples, sampleRate: sampleRate / factor };
}
