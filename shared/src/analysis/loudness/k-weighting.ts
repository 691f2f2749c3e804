// The K-weighting of ITU-R BS.1770-4 (a high-shelf "pre-filter" then the RLB high-pass) as two
// biquads for any sample rate. BS.1770 publishes coefficients for 48 kHz only; these come from
// the analog prototypes those coefficients were designed from, through the bilinear transform
// prewarped at each filter's corner, so at 48 kHz they reproduce the published numbers and at
// other rates they keep the same response.

/** y[n] = b0 x[n] + b1 x[n-1] + b2 x[n-2] - a1 y[n-1] - a2 y[n-2] (a0 normalised to 1). */
export interface Biquad {
  b0: number;
  b1: number;
  b2: number;
  a1: number;
  a2: number;
}

/**
 * The analog prototypes behind the 48 kHz coefficients of BS.1770 (the derivation published
 * with libebur128 and pyloudnorm): a high shelf of +4 dB around 1.68 kHz modelling the head,
 * and a second-order high-pass at 38 Hz (the revised low-frequency B-curve, "RLB").
 */
const SHELF = {
  centreHz: 1681.974450955533,
  gainDb: 3.999843853973347,
  q: 0.7071752369554196,
  /** The shelf's mid-band gain is Vh^this (from the same fit to the 48 kHz coefficients). */
  midGainExponent: 0.4996667741545416,
} as const;

const HIGH_PASS = {
  cornerHz: 38.13547087602444,
  q: 0.5003270373238773,
} as const;

/** The rate BS.1770's published coefficients, and so its -0.691 dB calibration, belong to. */
const REFERENCE_RATE = 48_000;

export interface KWeighting {
  shelf: Biquad;
  highPass: Biquad;
}

/**
 * The lowest rate the K-weighting can be made for: the bilinear transform maps the shelf's
 * corner onto the unit circle only below the Nyquist frequency (above it, tan() turns negative
 * and the shelf unstable).
 */
export const MIN_K_WEIGHTING_RATE = 2 * SHELF.centreHz;

/** The two K-weighting stages for `sampleRate` (Hz); throws a RangeError at or below 3.36 kHz. */
export function kWeighting(sampleRate: number): KWeighting {
  if (!(sampleRate > MIN_K_WEIGHTING_RATE) || !Number.isFinite(sampleRate)) {
    throw new RangeError(`K-weighting needs a sample rate above 3.36 kHz, got ${sampleRate}`);
  }
  return { shelf: shelfFilter(sampleRate), highPass: highPassFilter(sampleRate) };
}

function shelfFilter(sampleRate: number): Biquad {
  const k = Math.tan((Math.PI * SHELF.centreHz) / sampleRate);
  const highGain = 10 ** (SHELF.gainDb / 20);
  const midGain = highGain ** SHELF.midGainExponent;
  const a0 = 1 + k / SHELF.q + k * k;
  return {
    b0: (highGain + (midGain * k) / SHELF.q + k * k) / a0,
    b1: (2 * (k * k - highGain)) / a0,
    b2: (highGain - (midGain * k) / SHELF.q + k * k) / a0,
    a1: (2 * (k * k - 1)) / a0,
    a2: (1 - k / SHELF.q + k * k) / a0,
  };
}

/**
 * BS.1770 gives the RLB numerator as 1, -2, 1 unnormalised, which is the bilinear transform's
 * numerator times its a0 at 48 kHz: a passband gain of +0.043 dB that the standard's -0.691 dB
 * offset was calibrated with. We keep exactly that gain at every rate (libebur128 instead keeps
 * the unnormalised 1, -2, 1, which drifts by 0.05 dB at 22.05 kHz).
 */
function highPassFilter(sampleRate: number): Biquad {
  const a0At = (rate: number) => {
    const k = Math.tan((Math.PI * HIGH_PASS.cornerHz) / rate);
    return { k, a0: 1 + k / HIGH_PASS.q + k * k };
  };
  const { k, a0 } = a0At(sampleRate);
  const gain = a0At(REFERENCE_RATE).a0 / a0;
  return {
    b0: gain,
    b1: -2 * gain,
    b2: gain,
    a1: (2 * (k * k - 1)) / a0,
    a2: (1 - k / HIGH_PASS.q + k * k) / a0,
  };
}

/** Magnitude response of a biquad at `frequencyHz`, for tests and plots. */
export function biquadGain(filter: Biquad, frequencyHz: number, sampleRate: number): number {
  const w = (2 * Math.PI * frequencyHz) / sampleRate;
  const [c1, s1, c2, s2] = [Math.cos(w), Math.sin(w), Math.cos(2 * w), Math.sin(2 * w)];
  const numRe = filter.b0 + filter.b1 * c1 + filter.b2 * c2;
  const numIm = -(filter.b1 * s1 + filter.b2 * s2);
  const denRe = 1 + filter.a1 * c1 + filter.a2 * c2;
  const denIm = -(filter.a1 * s1 + filter.a2 * s2);
  return Math.hypot(numRe, numIm) / Math.hypot(denRe, denIm);
}
