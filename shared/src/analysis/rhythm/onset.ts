// Onset strength: spectral flux of the log-compressed magnitude spectrum (the sum of each bin's
// rise since the previous frame), broadband and in the bass band, at about 86 frames a second.
// Every later rhythm stage (tempo, beats, downbeats) reads these curves, never the audio.

import { RealDft } from '../../dsp/real-dft.ts';
import { monoAtRate, type MonoSignal } from '../mono.ts';
import type { OnsetEnvelope } from '../types.ts';
import { noCheckpoint, type Checkpoint } from '../../protocol/checkpoint.ts';

/** The analysis rate the mono signal is decimated towards (44.1 kHz / 4). */
export const ONSET_MIN_RATE = 11025;
/** Frames per second aimed at; the hop is rounded to whole samples. */
const TARGET_FRAME_RATE = 86;
/** Window length aimed at, seconds: short enough to keep drum onsets sharp. */
const TARGET_WINDOW_SEC = 0.023;
/** Upper edge of the bass band (kick drum, bass notes), Hz. */
const LOW_BAND_HZ = 200;
/** Relative width of the upper flux bands (2^(1/6) - 1: a sixth of an octave). */
const BAND_WIDTH_RATIO = 0.122;
/** Log compression: log(1 + C * power / mean power); C sets how far below the mean still counts. */
const COMPRESSION = 100;
/** Frames between checkpoints. */
const CHUNK_FRAMES = 512;

export interface OnsetFeatures {
  /** Frames per second; frame n is centred on n / frameRate seconds. */
  frameRate: number;
  /** Broadband spectral flux per frame (not normalised). */
  flux: Float32Array;
  /** Spectral flux of the bins below ~200 Hz (not normalised). */
  lowFlux: Float32Array;
}

/** Onset features of a mono signal (any rate; about 11-16 kHz keeps this fast). */
export async function computeOnsetFeatures(
  mono: MonoSignal,
  checkpoint: Checkpoint = noCheckpoint,
): Promise<OnsetFeatures> {
  const flux = new SpectralFlux(mono);
  const { frames, frameRate } = flux;
  const features = { frameRate, flux: new Float32Array(frames), lowFlux: new Float32Array(frames) };
  if (frames === 0) return features;
  // The frames are computed in a synchronous method: V8 optimises a hot loop inside an async
  // function far less well, and the chunks leave room to yield between them.
  for (let from = 0; from < frames; from += CHUNK_FRAMES) {
    await checkpoint();
    flux.compute(from, Math.min(frames, from + CHUNK_FRAMES), features.flux, features.lowFlux);
  }
  // The first frame rises from the silence before the file: an onset if the music starts with
  // one, else an artefact of the cut. Either way no stronger than the strongest onset after it.
  features.flux[0] = Math.min(features.flux[0]!, maxAfterFirst(features.flux));
  features.lowFlux[0] = Math.min(features.lowFlux[0]!, maxAfterFirst(features.lowFlux));
  return features;
}

/** The spectral-flux computation for one signal, frame range by frame range, in order. */
class SpectralFlux {
  readonly frames: number;
  readonly frameRate: number;
  readonly #samples: Float32Array;
  readonly #hopSize: number;
  readonly #fft: RealDft;
  readonly #window: Float32Array;
  readonly #edges: Int32Array;
  readonly #lowBands: number;
  readonly #gain: number;
  readonly #frame: Float32Array;
  readonly #re: Float32Array;
  readonly #im: Float32Array;
  readonly #previous: Float32Array;

  constructor({ samples, sampleRate }: MonoSignal) {
    this.#samples = samples;
    this.#hopSize = Math.max(1, Math.round(sampleRate / TARGET_FRAME_RATE));
    const fftSize = 2 ** Math.max(2, Math.round(Math.log2(sampleRate * TARGET_WINDOW_SEC)));
    this.frameRate = sampleRate / this.#hopSize;
    this.frames = samples.length === 0 ? 0 : Math.floor(samples.length / this.#hopSize) + 1;
    this.#fft = new RealDft(fftSize);
    const bins = this.#fft.bins;
    this.#edges = Int32Array.from(bandEdges(bins));
    this.#lowBands = Math.max(1, this.#edges.findIndex((edge) => (edge * sampleRate) / fftSize > LOW_BAND_HZ) - 1);
    this.#window = new Float32Array(fftSize);
    for (let n = 0; n < fftSize; n++) this.#window[n] = 0.5 - 0.5 * Math.cos((2 * Math.PI * n) / fftSize);

    // Compress relative to the track's own level, so a quiet master gives the same curve shape.
    let energy = 0;
    for (let i = 0; i < samples.length; i++) energy += samples[i]! * samples[i]!;
    const meanSquare = energy / Math.max(1, samples.length);
    // A Hann-windowed frame of white noise of this mean square has this expected power per bin.
    const meanBinPower = meanSquare * fftSize * 0.375;
    this.#gain = meanBinPower > 0 ? COMPRESSION / meanBinPower : 0;

    this.#frame = new Float32Array(fftSize);
    this.#re = new Float32Array(bins);
    this.#im = new Float32Array(bins);
    this.#previous = new Float32Array(this.#edges.length - 1);
  }

  /** Writes frames [from, to) of both curves; call with consecutive ranges from 0. */
  compute(from: number, to: number, flux: Float32Array, lowFlux: Float32Array): void {
    const samples = this.#samples;
    const length = samples.length;
    const window = this.#window;
    const frame = this.#frame;
    const fftSize = frame.length;
    const half = fftSize >> 1;
    const re = this.#re;
    const im = this.#im;
    const edges = this.#edges;
    const bands = edges.length - 1;
    const lowBands = this.#lowBands;
    const previous = this.#previous;
    const gain = this.#gain;
    for (let n = from; n < to; n++) {
      const start = n * this.#hopSize - half;
      if (start >= 0 && start + fftSize <= length) {
        for (let i = 0; i < fftSize; i++) frame[i] = samples[start + i]! * window[i]!;
      } else {
        for (let i = 0; i < fftSize; i++) {
          const at = start + i;
          frame[i] = at >= 0 && at < length ? samples[at]! * window[i]! : 0;
        }
      }
      this.#fft.forward(frame, re, im);
      let low = 0;
      let total = 0;
      for (let band = 0; band < bands; band++) {
        const first = edges[band]!;
        const end = edges[band + 1]!;
        let power = 0;
        for (let k = first; k < end; k++) power += re[k]! * re[k]! + im[k]! * im[k]!;
        const level = Math.log(1 + (gain * power) / (end - first));
        const rise = level - previous[band]!;
        previous[band] = level;
        if (rise > 0) {
          total += rise;
          if (band < lowBands) low += rise;
        }
      }
      flux[n] = total;
      lowFlux[n] = low;
    }
  }
}

function maxAfterFirst(values: Float32Array): number {
  let peak = 0;
  for (let i = 1; i < values.length; i++) peak = Math.max(peak, values[i]!);
  return peak;
}

/**
 * Start bins of the flux bands, then the end: single bins at the bottom, widening to about a
 * sixth of an octave, so the logarithm is taken some 30 times a frame instead of once a bin. DC
 * is left out: it carries no onset information and only wanders with offsets.
 */
function bandEdges(bins: number): number[] {
  const edges = [1];
  for (let start = 1; start < bins;) {
    start = Math.min(bins, start + Math.max(1, Math.round(start * BAND_WIDTH_RATIO)));
    edges.push(start);
  }
  return edges;
}

/** `values` scaled to a maximum of 1 (all zero stays all zero). */
export function normalisePeak(values: Float32Array): Float32Array {
  let peak = 0;
  for (let i = 0; i < values.length; i++) peak = Math.max(peak, values[i]!);
  const out = new Float32Array(values.length);
  if (peak > 0) for (let i = 0; i < values.length; i++) out[i] = values[i]! / peak;
  return out;
}

/**
 * The onset strength envelope of a track as the analysis result reports it: broadband spectral
 * flux at about 86 frames a second, normalised to a maximum of 1.
 */
export async function computeOnsetEnvelope(
  channels: readonly Float32Array[],
  sampleRate: number,
  checkpoint: Checkpoint = noCheckpoint,
): Promise<OnsetEnvelope> {
  const mono = monoAtRate(channels, sampleRate, ONSET_MIN_RATE);
  const features = await computeOnsetFeatures(mono, checkpoint);
  return { frameRate: features.frameRate, values: normalisePeak(features.flux) };
}
