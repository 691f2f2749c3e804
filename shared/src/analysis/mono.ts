// The analysis engine's input: the track mixed to mono and decimated by powers of two towards a
// target rate. Tempo and key need neither stereo nor the top octaves, and every stage after this
// runs several times faster on the smaller signal. The halvings are a cascade of half-band
// filters: cheap wide ones first, one sharp one last.

/**
 * A half-band low-pass as its centre tap and the taps at odd offsets 1, 3, 5, ... (every other
 * tap of a half-band filter is zero, so only these are multiplied).
 */
interface HalfBand {
  centre: number;
  odd: Float64Array;
}

/** The last halving: 47-tap Blackman-windowed sinc, sharp (flat to ~0.19 fs, -75 dB from 0.31 fs). */
const SHARP: HalfBand = (() => {
  const length = 47;
  const middle = (length - 1) / 2;
  const taps = new Float64Array(length);
  let sum = 0;
  for (let n = 0; n < length; n++) {
    const x = n - middle;
    const sinc = x === 0 ? 0.5 : Math.sin((Math.PI * x) / 2) / (Math.PI * x);
    const window =
      0.42 - 0.5 * Math.cos((2 * Math.PI * n) / (length - 1)) + 0.08 * Math.cos((4 * Math.PI * n) / (length - 1));
    taps[n] = sinc * window;
    sum += taps[n]!;
  }
  const odd = new Float64Array((middle + 1) / 2);
  for (let k = 1; k <= middle; k += 2) odd[(k - 1) / 2] = taps[middle + k]! / sum;
  return { centre: taps[middle]! / sum, odd };
})();

/**
 * Earlier halvings only have to keep aliases out of the band the last one keeps (below an
 * eighth of their input rate), so a wide transition will do: 15-tap Parks-McClellan, flat to
 * 0.125 fs, -72 dB from 0.375 fs. A third of the work of the sharp filter.
 */
const WIDE: HalfBand = {
  centre: 0.50011922,
  odd: Float64Array.from([0.30544329, -0.07233915, 0.0205748, -0.00373855]),
};

/** Reach of the widest filter into its input, in samples on each side. */
export const HALF_BAND_REACH = 2 * SHARP.odd.length - 1;

/** Mean of the channels, as one Float32Array. */
export function downmix(channels: readonly Float32Array[]): Float32Array {
  const first = channels[0];
  if (!first) return new Float32Array(0);
  if (channels.length === 1) return first;
  const out = new Float32Array(first.length);
  for (const channel of channels) for (let i = 0; i < out.length; i++) out[i]! += channel[i]!;
  const scale = 1 / channels.length;
  for (let i = 0; i < out.length; i++) out[i]! *= scale;
  return out;
}

/** Low-pass at a quarter of the rate and keep every other sample (the sharp filter by default). */
export function halve(input: Float32Array, filter: HalfBand = SHARP): Float32Array {
  const out = new Float32Array(Math.ceil(input.length / 2));
  const { centre, odd } = filter;
  const taps = odd.length;
  const reach = 2 * taps - 1;
  const length = input.length;
  for (let o = 0; o < out.length; o++) {
    const i = 2 * o;
    let acc = centre * input[i]!;
    if (i >= reach && i + reach < length) {
      for (let t = 0; t < taps; t++) {
        const k = 2 * t + 1;
        acc += odd[t]! * (input[i - k]! + input[i + k]!);
      }
    } else {
      // The edges: samples beyond either end count as zero.
      for (let t = 0; t < taps; t++) {
        const k = 2 * t + 1;
        const before = i - k < 0 ? 0 : input[i - k]!;
        const after = i + k >= length ? 0 : input[i + k]!;
        acc += odd[t]! * (before + after);
      }
    }
    out[o] = acc;
  }
  return out;
}

export interface MonoSignal {
  samples: Float32Array;
  sampleRate: number;
}

/**
 * The track in mono at `sampleRate / 2^k`, the lowest such rate that is still at least
 * `minRate` (never above the input's rate).
 */
export function monoAtRate(channels: readonly Float32Array[], sampleRate: number, minRate: number): MonoSignal {
  let halvings = 0;
  while (sampleRate / 2 ** (halvings + 1) >= minRate) halvings++;
  let samples = downmix(channels);
  for (let stage = 1; stage <= halvings; stage++) samples = halve(samples, stage === halvings ? SHARP : WIDE);
  return { samples, sampleRate: sampleRate / 2 ** halvings };
}

// Decimating a 4-minute track holds the thread for a hundred milliseconds or more, too long for a
// worker that must take a cancel; the sliced form pauses between slices. Each slice carries
// enough of its neighbours for the filters to settle, so the result is the same, sample for
// sample, as one call on the whole track.

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
