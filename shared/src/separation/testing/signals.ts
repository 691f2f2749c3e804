// Deterministic test music for the separation tests: a few partials and a vibrato, optional seeded
// noise, optional silence at both ends. No noise by default: htdemucs drops the Nyquist bin, so
// white noise does not survive its spectrogram exactly (which the model's designers accept).

import { seededRandom } from '../segments.ts';

export interface TestMixOptions {
  /** Silent samples at each end, then a raised-cosine ramp as long. */
  edgeSilence?: number;
  /** Highest partial in Hz (keep below the lower Nyquist when resampling). */
  maxFrequency?: number;
  /** Amplitude of uniform white noise (default 0). */
  noise?: number;
  seed?: number;
}

/** `channels` channels of `length` samples at `sampleRate`, different in each channel. */
export function testMix(
  length: number,
  channels: number,
  sampleRate: number,
  options: TestMixOptions = {},
): Float32Array[] {
  const { edgeSilence = 0, maxFrequency = 8000, noise = 0, seed = 1 } = options;
  const random = seededRandom(seed);
  const partials = [110, 440, 1375, 3100, maxFrequency];
  return Array.from({ length: channels }, (_, c) => {
    const out = new Float32Array(length);
    const phase = random() * 6;
    for (let i = 0; i < length; i++) {
      const t = i / sampleRate;
      let v = 0;
      partials.forEach((f, k) => (v += (0.3 / (k + 1)) * Math.sin(2 * Math.PI * f * (1 + 0.01 * c) * t + phase * k)));
      // A vibrato (1 kHz +- 280 Hz) rather than a chirp, which would sweep past Nyquist.
      v += 0.1 * Math.sin(2 * Math.PI * 1000 * t + 15 * Math.sin(2 * Math.PI * 3 * t));
      out[i] = noise > 0 ? v + noise * (random() - 0.5) : v;
    }
    if (edgeSilence > 0) {
      for (let i = 0; i < length; i++) {
        const fromEdge = Math.min(i, length - 1 - i) - edgeSilence;
        const gain =
          fromEdge < 0 ? 0 : fromEdge >= edgeSilence ? 1 : 0.5 - 0.5 * Math.cos((Math.PI * fromEdge) / edgeSilence);
        out[i]! *= gain;
      }
    }
    return out;
  });
}

/** Sum of stems, per channel. */
export function sumStems(stems: readonly Float32Array[][]): Float32Array[] {
  return stems[0]!.map((_, c) => {
    const out = new Float32Array(stems[0]![c]!.length);
    for (const stem of stems) for (let i = 0; i < out.length; i++) out[i]! += stem[c]![i]!;
    return out;
  });
}
