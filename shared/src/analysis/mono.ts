// The analysis engine's input: the track mixed to mono and decimated by powers of two towards a
// target rate. Tempo and key need neither stereo nor the top octaves, and every stage after this
// runs several times faster on the smaller signal. The halvings are a cascade of half-band
// filters: cheap wide ones first, one sharp one last.

/**
 * A half-band low-pass as its centre tap and the taps at odd offsets 1, 3, 5, ... (every other
 * tap of a half-band filter is zero, so only these are multiplied).
 */
export interface HalfBand {
  centre: number;
  odd: Float64Array;
}

/**
 * The last halving: 35-tap Parks-McClellan half-band, flat to 0.19 fs, -74 dB from 0.31 fs (what
 * a 47-tap Blackman-windowed sinc gives, in three quarters of the work). Its even taps are below
 * 1e-4 and left out; the rest is scaled back to unit gain at DC.
 */
export const SHARP: HalfBand = (() => {
  const centre = 0.4998579854;
  const odd = [
    0.3153335646, -0.0975818751, 0.0503358915, -0.0284775652, 0.0160094988, -0.0085113421, 0.0040908661, -0.0016734881,
    0.0005233127,
  ];
  const dc = centre + 2 * odd.reduce((sum, tap) => sum + tap, 0);
  return { centre: centre / dc, odd: Float64Array.from(odd, (tap) => tap / dc) };
})();

/**
 * Earlier halvings only have to keep aliases out of the band the last one keeps (below an
 * eighth of their input rate), so a wide transition will do: 15-tap Parks-McClellan, flat to
 * 0.125 fs, -72 dB from 0.375 fs. A third of the work of the sharp filter.
 */
export const WIDE: HalfBand = {
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
  if (filter === WIDE) return halveWide(input, input, 1);
  if (filter === SHARP) return halveSharp(input);
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

/**
 * `halve(downmix([left, right]))` in one pass, without the full-rate mono signal in between:
 * on a stereo track the mixdown is the larger part of the work if done on its own.
 */
export function halveStereo(left: Float32Array, right: Float32Array, filter: HalfBand = SHARP): Float32Array {
  if (filter === WIDE) return halveWide(left, right, 0.5);
  const out = new Float32Array(Math.ceil(left.length / 2));
  const centre = 0.5 * filter.centre;
  const odd = filter.odd.map((tap) => 0.5 * tap);
  const taps = odd.length;
  const reach = 2 * taps - 1;
  const length = left.length;
  for (let o = 0; o < out.length; o++) {
    const i = 2 * o;
    let acc = centre * (left[i]! + right[i]!);
    if (i >= reach && i + reach < length) {
      for (let t = 0; t < taps; t++) {
        const k = 2 * t + 1;
        acc += odd[t]! * (left[i - k]! + right[i - k]! + left[i + k]! + right[i + k]!);
      }
    } else {
      for (let t = 0; t < taps; t++) {
        const k = 2 * t + 1;
        const before = i - k < 0 ? 0 : left[i - k]! + right[i - k]!;
        const after = i + k >= length ? 0 : left[i + k]! + right[i + k]!;
        acc += odd[t]! * (before + after);
      }
    }
    out[o] = acc;
  }
  return out;
}

/**
 * The wide half-band written out tap by tap, on `gain * (a + b)` (pass the same array twice with
 * gain 1 for mono): the first halving handles the most samples, and V8 runs this form about
 * three times faster than the loop over taps.
 */
function halveWide(a: Float32Array, b: Float32Array, gain: number): Float32Array {
  const length = a.length;
  const out = new Float32Array(Math.ceil(length / 2));
  const c0 = (gain * WIDE.centre) / (a === b ? 2 : 1);
  const scale = a === b ? gain / 2 : gain;
  const [c1, c3, c5, c7] = Array.from(WIDE.odd, (tap) => tap * scale) as [number, number, number, number];
  const at = (i: number) => (i < 0 || i >= length ? 0 : a[i]! + b[i]!);
  const interiorEnd = Math.min(out.length, Math.floor((length - 8) / 2) + 1);
  // Near the ends, samples beyond either end count as zero.
  const edge = (i: number) =>
    c0 * at(i) +
    c1 * (at(i - 1) + at(i + 1)) +
    c3 * (at(i - 3) + at(i + 3)) +
    c5 * (at(i - 5) + at(i + 5)) +
    c7 * (at(i - 7) + at(i + 7));
  let o = 0;
  for (; o < Math.min(4, out.length); o++) out[o] = edge(2 * o);
  for (; o < interiorEnd; o++) {
    const i = 2 * o;
    out[o] =
      c0 * (a[i]! + b[i]!) +
      c1 * (a[i - 1]! + b[i - 1]! + a[i + 1]! + b[i + 1]!) +
      c3 * (a[i - 3]! + b[i - 3]! + a[i + 3]! + b[i + 3]!) +
      c5 * (a[i - 5]! + b[i - 5]! + a[i + 5]! + b[i + 5]!) +
      c7 * (a[i - 7]! + b[i - 7]! + a[i + 7]! + b[i + 7]!);
  }
  for (; o < out.length; o++) out[o] = edge(2 * o);
  return out;
}

/** The sharp half-band written out tap by tap, for the same reason as `halveWide`. */
function halveSharp(x: Float32Array): Float32Array {
  const length = x.length;
  const out = new Float32Array(Math.ceil(length / 2));
  const c0 = SHARP.centre;
  const [c1, c3, c5, c7, c9, c11, c13, c15, c17] = SHARP.odd as unknown as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const at = (i: number) => (i < 0 || i >= length ? 0 : x[i]!);
  const edge = (i: number) =>
    c0 * at(i) +
    c1 * (at(i - 1) + at(i + 1)) +
    c3 * (at(i - 3) + at(i + 3)) +
    c5 * (at(i - 5) + at(i + 5)) +
    c7 * (at(i - 7) + at(i + 7)) +
    c9 * (at(i - 9) + at(i + 9)) +
    c11 * (at(i - 11) + at(i + 11)) +
    c13 * (at(i - 13) + at(i + 13)) +
    c15 * (at(i - 15) + at(i + 15)) +
    c17 * (at(i - 17) + at(i + 17));
  const interiorEnd = Math.min(out.length, Math.floor((length - 18) / 2) + 1);
  let o = 0;
  for (; o < Math.min(9, out.length); o++) out[o] = edge(2 * o);
  for (; o < interiorEnd; o++) {
    const i = 2 * o;
    out[o] =
      c0 * x[i]! +
      c1 * (x[i - 1]! + x[i + 1]!) +
      c3 * (x[i - 3]! + x[i + 3]!) +
      c5 * (x[i - 5]! + x[i + 5]!) +
      c7 * (x[i - 7]! + x[i + 7]!) +
      c9 * (x[i - 9]! + x[i + 9]!) +
      c11 * (x[i - 11]! + x[i + 11]!) +
      c13 * (x[i - 13]! + x[i + 13]!) +
      c15 * (x[i - 15]! + x[i + 15]!) +
      c17 * (x[i - 17]! + x[i + 17]!);
  }
  for (; o < out.length; o++) out[o] = edge(2 * o);
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
  if (halvings === 0) return { samples: downmix(channels), sampleRate };
  const filterFor = (stage: number) => (stage === halvings ? SHARP : WIDE);
  const [left, right] = channels;
  let samples =
    channels.length === 2 && left && right
      ? halveStereo(left, right, filterFor(1))
      : halve(downmix(channels), filterFor(1));
  for (let stage = 2; stage <= halvings; stage++) samples = halve(samples, filterFor(stage));
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
