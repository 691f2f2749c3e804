// Pitch-class energy (chroma) on a coarse time grid, and averaged between beats: where the
// harmony changes is the strongest cue to where bars start, and how often it changes says how
// many beats a bar has.

import { RealDft } from '../../dsp/real-dft.ts';
import type { MonoSignal } from '../mono.ts';
import { noCheckpoint, type Checkpoint } from '../../protocol/checkpoint.ts';

/** Window aimed at, seconds: 5.4 Hz bins, a semitone apart from about 90 Hz up. */
const TARGET_WINDOW_SEC = 0.186;
/** The rate the signal is brought down to first: 400 Hz is all chroma here needs. */
const MIN_CHROMA_RATE = 2000;
// Bass and the chord's lower voices: bars are marked by chord roots, while the melody above
// changes notes within the bar and would blur where chords change.
const MIN_HZ = 50;
const MAX_HZ = 400;
const CHUNK_FRAMES = 256;

export interface ChromaFrames {
  /** Frames per second; frame n covers the window centred on n / frameRate seconds. */
  frameRate: number;
  /** 12 values per frame (C, C#, ... B), each frame scaled to unit length (or all zero). */
  values: Float32Array;
  frames: number;
}

/** Chroma of a mono signal, one frame per window length (windows do not overlap). */
export async function computeChroma(mono: MonoSignal, checkpoint: Checkpoint = noCheckpoint): Promise<ChromaFrames> {
  await checkpoint();
  const { samples, sampleRate } = decimate(mono, MIN_CHROMA_RATE);
  const fftSize = 2 ** Math.max(2, Math.round(Math.log2(sampleRate * TARGET_WINDOW_SEC)));
  const frameRate = sampleRate / fftSize;
  const frames = samples.length === 0 ? 0 : Math.floor(samples.length / fftSize) + 1;
  const chroma: ChromaFrames = { frameRate, values: new Float32Array(frames * 12), frames };
  const fft = new RealDft(fftSize);
  // Each bin in range feeds the pitch class of its nearest equal-tempered note (A = 440 Hz).
  const firstBin = Math.max(1, Math.ceil((MIN_HZ * fftSize) / sampleRate));
  const lastBin = Math.min(fft.bins - 1, Math.floor((MAX_HZ * fftSize) / sampleRate));
  const pitchClass = new Int8Array(fft.bins).fill(-1);
  for (let k = firstBin; k <= lastBin; k++) {
    const midi = 69 + 12 * Math.log2((k * sampleRate) / fftSize / 440);
    pitchClass[k] = ((Math.round(midi) % 12) + 12) % 12;
  }
  const window = new Float32Array(fftSize);
  for (let n = 0; n < fftSize; n++) window[n] = 0.5 - 0.5 * Math.cos((2 * Math.PI * n) / fftSize);
  const scratch = { frame: new Float32Array(fftSize), re: new Float32Array(fft.bins), im: new Float32Array(fft.bins) };
  for (let from = 0; from < frames; from += CHUNK_FRAMES) {
    await checkpoint();
    for (let n = from; n < Math.min(frames, from + CHUNK_FRAMES); n++) {
      chromaFrame(samples, n, window, fft, pitchClass, firstBin, lastBin, scratch, chroma.values);
    }
  }
  return chroma;
}

/** Chroma of frame n (the window centred on n * fftSize) into values[12n .. 12n + 11]. */
function chromaFrame(
  samples: Float32Array,
  n: number,
  window: Float32Array,
  fft: RealDft,
  pitchClass: Int8Array,
  firstBin: number,
  lastBin: number,
  { frame, re, im }: { frame: Float32Array; re: Float32Array; im: Float32Array },
  values: Float32Array,
): void {
  const fftSize = window.length;
  const start = n * fftSize - fftSize / 2;
  for (let i = 0; i < fftSize; i++) {
    const at = start + i;
    frame[i] = at >= 0 && at < samples.length ? samples[at]! * window[i]! : 0;
  }
  fft.forward(frame, re, im);
  const offset = n * 12;
  for (let k = firstBin; k <= lastBin; k++) {
    values[offset + pitchClass[k]!]! += Math.sqrt(re[k]! * re[k]! + im[k]! * im[k]!);
  }
  normalise(values, offset);
}

/**
 * The signal at `sampleRate / f` for the largest power of two f that keeps the rate at or above
 * `minRate`, low-passed by a triangle of 2f - 1 taps (two cascaded moving averages). Its zeros
 * fall on the multiples of the new rate, right where the aliases of the low band come from; it
 * is far cheaper than the half-band chain, and chroma up to 400 Hz needs no better.
 */
export function decimate(mono: MonoSignal, minRate: number): MonoSignal {
  let factor = 1;
  while (mono.sampleRate / (factor * 2) >= minRate) factor *= 2;
  if (factor === 1) return mono;
  const input = mono.samples;
  const out = new Float32Array(Math.ceil(input.length / factor));
  const taps = new Float32Array(2 * factor - 1);
  for (let k = 0; k < taps.length; k++) taps[k] = (factor - Math.abs(k - factor + 1)) / (factor * factor);
  for (let o = 0; o < out.length; o++) {
    const first = o * factor - factor + 1;
    let acc = 0;
    if (first >= 0 && first + taps.length <= input.length) {
      for (let k = 0; k < taps.length; k++) acc += taps[k]! * input[first + k]!;
    } else {
      for (let k = 0; k < taps.length; k++) {
        const at = first + k;
        if (at >= 0 && at < input.length) acc += taps[k]! * input[at]!;
      }
    }
    out[o] = acc;
  }
  return { samples: out, sampleRate: mono.sampleRate / factor };
}

/** Scales the 12 values at `offset` to unit length (leaves all-zero alone). */
function normalise(values: Float32Array, offset: number): void {
  let sum = 0;
  for (let c = 0; c < 12; c++) sum += values[offset + c]! ** 2;
  if (sum <= 0) return;
  const scale = 1 / Math.sqrt(sum);
  for (let c = 0; c < 12; c++) values[offset + c]! *= scale;
}

/**
 * Mean chroma of the frames between each beat and the next (the last beat spans one more
 * interval), weighted by overlap, normalised to unit length: 12 values per beat.
 */
export function beatChroma(chroma: ChromaFrames, beatsSec: readonly number[]): Float32Array {
  const out = new Float32Array(beatsSec.length * 12);
  const frameSec = 1 / chroma.frameRate;
  for (let b = 0; b < beatsSec.length; b++) {
    const start = beatsSec[b]!;
    const end = beatsSec[b + 1] ?? start + (start - (beatsSec[b - 1] ?? start - 0.5));
    const first = Math.max(0, Math.floor(start / frameSec - 0.5));
    const last = Math.min(chroma.frames - 1, Math.ceil(end / frameSec + 0.5));
    for (let f = first; f <= last; f++) {
      // Frame f covers [f - 1/2, f + 1/2] frame lengths.
      const overlap = Math.min(end, (f + 0.5) * frameSec) - Math.max(start, (f - 0.5) * frameSec);
      if (overlap <= 0) continue;
      for (let c = 0; c < 12; c++) out[b * 12 + c]! += overlap * chroma.values[f * 12 + c]!;
    }
    normalise(out, b * 12);
  }
  return out;
}

/**
 * Harmonic novelty at each beat: 1 - cosine similarity of the summed chroma of the
 * `halfWidth` beats before it and the `halfWidth` beats from it on (a checkerboard kernel on the
 * beat-synchronous self-similarity). It peaks where a chord starts; averaging over two beats a
 * side keeps melody notes from looking like chord changes. 0 where a side is incomplete.
 */
export function harmonicNovelty(perBeat: Float32Array, halfWidth = 2): Float32Array {
  const beats = perBeat.length / 12;
  const out = new Float32Array(beats);
  const before = new Float64Array(12);
  const after = new Float64Array(12);
  for (let b = halfWidth; b + halfWidth <= beats; b++) {
    before.fill(0);
    after.fill(0);
    for (let k = 0; k < halfWidth; k++) {
      for (let c = 0; c < 12; c++) {
        before[c]! += perBeat[(b - 1 - k) * 12 + c]!;
        after[c]! += perBeat[(b + k) * 12 + c]!;
      }
    }
    let dot = 0;
    let normBefore = 0;
    let normAfter = 0;
    for (let c = 0; c < 12; c++) {
      dot += before[c]! * after[c]!;
      normBefore += before[c]! ** 2;
      normAfter += after[c]! ** 2;
    }
    if (normBefore > 0 && normAfter > 0) out[b] = 1 - dot / Math.sqrt(normBefore * normAfter);
  }
  return out;
}
