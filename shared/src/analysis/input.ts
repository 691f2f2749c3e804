// What the analysis engine accepts: planar PCM of one length per channel at a rate loudness can
// be measured at, and samples that are numbers. A corrupt float file can hold NaN or infinite
// samples; one of them would otherwise turn a whole stage's result into NaN or silence.

import { SfaError } from '../protocol/errors.ts';

/**
 * The lowest rate analysed. K-weighting's high shelf sits at 1.68 kHz and is unstable once that
 * is above the Nyquist frequency (below 3.36 kHz); 4 kHz leaves it a margin.
 */
export const MIN_SAMPLE_RATE = 4000;

/**
 * Throws SfaError 'no-audio' for no samples, 'bad-request' for channels of different lengths or
 * a sample rate that is not a finite number of at least MIN_SAMPLE_RATE Hz.
 */
export function checkPcm(channels: readonly Float32Array[], sampleRate: number): void {
  const frames = channels[0]?.length ?? 0;
  if (frames === 0) throw new SfaError('no-audio', 'There is no audio to analyse');
  if (channels.some((channel) => channel.length !== frames)) {
    throw new SfaError('bad-request', `the channels differ in length (${channels.map((c) => c.length).join(', ')})`);
  }
  if (!(sampleRate >= MIN_SAMPLE_RATE && Number.isFinite(sampleRate))) {
    throw new SfaError('bad-request', `the sample rate must be at least ${MIN_SAMPLE_RATE} Hz, got ${sampleRate}`);
  }
}

/** False when any sample is NaN or infinite (x - x is NaN exactly then). */
export function allFinite(samples: Float32Array): boolean {
  for (let i = 0; i < samples.length; i++) {
    const x = samples[i]!;
    if (x - x !== 0) return false;
  }
  return true;
}

/**
 * The channels with every NaN and infinite sample read as 0: a copy of each channel that has
 * one, the caller's array itself for each that has none.
 */
export function withoutNonFinite(channels: readonly Float32Array[]): Float32Array[] {
  return channels.map((channel) => (allFinite(channel) ? channel : channel.map((x) => (x - x === 0 ? x : 0))));
}
