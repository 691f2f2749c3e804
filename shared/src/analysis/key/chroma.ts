// Pitch-class profiles (chroma) of the whole track from its spectral peaks, on the semitone grid
// of the estimated tuning: one for everything in the chord and melody range and one for the bass
// line, whose notes are mostly chord roots and so point at the tonic.

import type { SpectralPeaks } from './peaks.ts';

export interface ChromaOptions {
  /** Peaks from here up to the peak picker's maximum make the treble chroma, Hz. */
  trebleMinHz: number;
  /** Peaks from the peak picker's minimum up to here make the bass chroma, Hz. */
  bassMaxHz: number;
  /** Exponent applied to a peak's amplitude: 1 = amplitude, 0 = every peak counts the same. */
  amplitudeExponent: number;
  /** Scale each frame's chroma to a maximum of 1 before summing (quiet passages count as much as loud ones). */
  normaliseFrames: boolean;
  /** Harmonics credited to the fundamental (HPCP's subharmonic sum): 1 = none. */
  harmonics: number;
  /** Weight of harmonic h relative to h - 1 (HPCP's 0.6). */
  harmonicDecay: number;
  /** A peak this far from a semitone (in semitones) counts nothing there; full weight on it. */
  pitchWindow: number;
}

/**
 * Chosen on the corpus bench (e2e/bench/key-accuracy.ts), where amplitude exponents of 0.5 and 1
 * and 3 to 6 harmonics scored within 0.01 of each other. The narrow pitch window matters: every note's
 * 5th and 7th harmonics sit 14 and 31 cents flat of the equal-tempered major third and minor
 * seventh above it, and with half a semitone either side they blurred major against minor.
 */
export const DEFAULT_CHROMA_OPTIONS: ChromaOptions = {
  trebleMinHz: 100,
  bassMaxHz: 180,
  amplitudeExponent: 0.5,
  normaliseFrames: true,
  harmonics: 4,
  harmonicDecay: 0.6,
  pitchWindow: 0.25,
};

export interface TrackChroma {
  /** 12 values, index 0 = C, each sum scaled so the largest value is 1 (all 0 when nothing sounds). */
  treble: Float64Array;
  bass: Float64Array;
  /** Frames with at least one peak: how much of the track has pitched content at all. */
  tonalFrames: number;
}

/** MIDI pitch of `frequencyHz` on a grid tuned `tuningCents` away from A = 440 Hz. */
export function midiPitch(frequencyHz: number, tuningCents: number): number {
  return 69 + 12 * Math.log2(frequencyHz / 440) - tuningCents / 100;
}

export function trackChroma(
  peaks: SpectralPeaks,
  tuningCents: number,
  options: ChromaOptions = DEFAULT_CHROMA_OPTIONS,
): TrackChroma {
  const treble = new Float64Array(12);
  const bass = new Float64Array(12);
  const frameTreble = new Float64Array(12);
  const frameBass = new Float64Array(12);
  let tonalFrames = 0;
  const harmonicShift = Array.from({ length: options.harmonics }, (_, h) => 12 * Math.log2(h + 1));
  for (let f = 0; f < peaks.frameCount; f++) {
    frameTreble.fill(0);
    frameBass.fill(0);
    const first = peaks.frameStart[f]!;
    const end = peaks.frameStart[f + 1]!;
    for (let i = first; i < end; i++) {
      const frequency = peaks.frequencyHz[i]!;
      const amplitude = 10 ** ((peaks.levelDb[i]! * options.amplitudeExponent) / 20);
      const pitch = midiPitch(frequency, tuningCents);
      if (frequency >= options.trebleMinHz) addPeak(frameTreble, pitch, amplitude, harmonicShift, options);
      if (frequency <= options.bassMaxHz) addPeak(frameBass, pitch, amplitude, harmonicShift, options);
    }
    const hasTreble = accumulate(treble, frameTreble, options.normaliseFrames);
    const hasBass = accumulate(bass, frameBass, options.normaliseFrames);
    if (hasTreble || hasBass) tonalFrames++;
  }
  scaleToMax(treble);
  scaleToMax(bass);
  return { treble, bass, tonalFrames };
}

function addPeak(
  chroma: Float64Array,
  pitch: number,
  amplitude: number,
  harmonicShift: readonly number[],
  options: ChromaOptions,
): void {
  let weight = amplitude;
  for (const shift of harmonicShift) {
    const candidate = pitch - shift;
    const nearest = Math.round(candidate);
    // Full weight on the semitone, falling to zero half a semitone away.
    const distance = Math.abs(candidate - nearest);
    if (distance < options.pitchWindow) {
      const closeness = Math.cos((Math.PI / 2) * (distance / options.pitchWindow)) ** 2;
      chroma[((nearest % 12) + 12) % 12]! += weight * closeness;
    }
    weight *= options.harmonicDecay;
  }
}

/** Adds one frame's chroma to the total; false when the frame had none. */
function accumulate(total: Float64Array, frame: Float64Array, normalise: boolean): boolean {
  const max = Math.max(...frame);
  if (max <= 0) return false;
  const scale = normalise ? 1 / max : 1;
  for (let p = 0; p < 12; p++) total[p]! += frame[p]! * scale;
  return true;
}

function scaleToMax(chroma: Float64Array): void {
  const max = Math.max(...chroma);
  if (max > 0) for (let p = 0; p < 12; p++) chroma[p]! /= max;
}
