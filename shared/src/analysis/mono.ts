// The analysis engine's input: the track mixed to mono and decimated by powers of two towards a
// target rate. Tempo and key need neither stereo nor the top octaves, and every stage after this
// runs several times faster on the smaller signal.

/** Taps of the half-band low-pass used for each halving (Blackman-windowed sinc, 47 taps). */
const HALF_BAND_TAPS = 47;
const halfBand = (() => {
  const taps = new Float64Array(HALF_BAND_TAPS);
  const centre = (HALF_BAND_TAPS - 1) / 2;
  let sum = 0;
  for (let n = 0; n < HALF_BAND_TAPS; n++) {
    const x = n - centre;
    const sinc = x === 0 ? 0.5 : Math.sin((Math.PI * x) / 2) / (Math.PI * x);
    const window =
      0.42 -
      0.5 * Math.cos((2 * Math.PI * n) / (HALF_BAND_TAPS - 1)) +
      0.08 * Math.cos((4 * Math.PI * n) / (HALF_BAND_TAPS - 1));
    taps[n] = sinc * window;
    sum += taps[n]!;
  }
  for (let n = 0; n < HALF_BAND_TAPS; n++) taps[n]! /= sum;
  return taps;
})();

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

/** Low-pass at a quarter of the rate and keep every other sample. */
export function halve(input: Float32Array): Float32Array {
  const out = new Float32Array(Math.ceil(input.length / 2));
  const centre = (HALF_BAND_TAPS - 1) / 2;
  const taps = halfBand;
  const last = input.length - 1;
  for (let o = 0; o < out.length; o++) {
    const i = 2 * o;
    // Half-band: every even tap but the centre is zero, so only the odd offsets are summed.
    let acc = taps[centre]! * input[i]!;
    for (let k = 1; k <= centre; k += 2) {
      const before = i - k < 0 ? 0 : input[i - k]!;
      const after = i + k > last ? 0 : input[i + k]!;
      acc += taps[centre + k]! * (before + after);
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
  let samples = downmix(channels);
  let rate = sampleRate;
  while (rate / 2 >= minRate) {
    samples = halve(samples);
    rate /= 2;
  }
  return { samples, sampleRate: rate };
}
