// The track's opening: where sound begins, and the spectral peaks of the first second or so
// from there. Songs mostly open on the tonic chord over the tonic in the bass, and this is the
// one cue that tells a chord loop in a major key from the same loop heard in its relative minor
// (I-V-vi-IV and vi-IV-I-V have the same pitch-class statistics).

import { PeakPicker, type PeakOptions, type SpectralPeaks } from './peaks.ts';

/** Blocks whose mean power is this fraction of the track's are sound (-20 dB). */
const ONSET_POWER_RATIO = 0.01;
const ONSET_BLOCK_SEC = 0.05;
/** Two half-overlapping analysis windows: about 1.1 s at the usual 5.5 kHz, a bar or so. */
const OPENING_WINDOWS = 2;

/** First sample of the first 50 ms block within 20 dB of the track's mean power; 0 for silence. */
export function soundOnset(samples: Float32Array, sampleRate: number): number {
  const block = Math.max(1, Math.round(ONSET_BLOCK_SEC * sampleRate));
  const blocks = Math.floor(samples.length / block);
  if (blocks === 0) return 0;
  const powers = new Float64Array(blocks);
  let total = 0;
  for (let b = 0; b < blocks; b++) {
    let sum = 0;
    for (let i = b * block; i < (b + 1) * block; i++) sum += samples[i]! * samples[i]!;
    powers[b] = sum / block;
    total += powers[b]!;
  }
  const threshold = (ONSET_POWER_RATIO * total) / blocks;
  const first = powers.findIndex((power) => power > threshold);
  return first < 0 ? 0 : first * block;
}

/** Peaks of the opening windows, from the sound onset on. */
export function openingPeaks(samples: Float32Array, sampleRate: number, options: PeakOptions): SpectralPeaks {
  const picker = new PeakPicker(samples, sampleRate, options);
  const onset = soundOnset(samples, sampleRate);
  if (samples.length > 0) {
    for (let w = 0; w < OPENING_WINDOWS; w++) picker.pickFrameAt(onset + w * picker.hopSize);
  }
  return picker.result();
}
