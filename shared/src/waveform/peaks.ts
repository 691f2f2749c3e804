// Multi-resolution waveform overview: min/max pairs per block of samples, all channels
// folded together, quantised to 16 bits. The finest level resolves 128 samples per peak;
// each coarser level merges four blocks, so drawing at any zoom reads at most ~4x the pixels.

/** One resolution of the overview: `data` interleaves [min, max] per block, scaled by 32767. */
export interface PeakLevel {
  samplesPerPeak: number;
  data: Int16Array;
}

export interface WaveformPeaks {
  sampleRate: number;
  /** Length of the audio in samples per channel. */
  length: number;
  /** Finest first. */
  levels: PeakLevel[];
}

export const FINEST_SAMPLES_PER_PEAK = 128;
const LEVEL_FACTOR = 4;
/** Stop adding coarser levels once a level has this few peaks or fewer. */
const COARSEST_PEAK_COUNT = 1024;

function quantise(value: number): number {
  const clamped = value > 1 ? 1 : value < -1 ? -1 : value;
  return Math.round(clamped * 32767);
}

function finestLevel(channels: readonly Float32Array[], length: number): PeakLevel {
  const spp = FINEST_SAMPLES_PER_PEAK;
  const count = Math.ceil(length / spp);
  const data = new Int16Array(count * 2);
  for (let peak = 0; peak < count; peak++) {
    const start = peak * spp;
    const end = Math.min(start + spp, length);
    let min = Infinity;
    let max = -Infinity;
    for (const channel of channels) {
      for (let i = start; i < end; i++) {
        const v = channel[i]!;
        if (v < min) min = v;
        if (v > max) max = v;
      }
    }
    data[peak * 2] = quantise(min);
    data[peak * 2 + 1] = quantise(max);
  }
  return { samplesPerPeak: spp, data };
}

function coarsen(level: PeakLevel): PeakLevel {
  const fineCount = level.data.length / 2;
  const count = Math.ceil(fineCount / LEVEL_FACTOR);
  const data = new Int16Array(count * 2);
  for (let peak = 0; peak < count; peak++) {
    const end = Math.min((peak + 1) * LEVEL_FACTOR, fineCount);
    let min = 32767;
    let max = -32767;
    for (let i = peak * LEVEL_FACTOR; i < end; i++) {
      const lo = level.data[i * 2]!;
      const hi = level.data[i * 2 + 1]!;
      if (lo < min) min = lo;
      if (hi > max) max = hi;
    }
    data[peak * 2] = min;
    data[peak * 2 + 1] = max;
  }
  return { samplesPerPeak: level.samplesPerPeak * LEVEL_FACTOR, data };
}

function withCoarserLevels(finest: PeakLevel, sampleRate: number, length: number): WaveformPeaks {
  const levels = [finest];
  while (levels.at(-1)!.data.length / 2 > COARSEST_PEAK_COUNT) levels.push(coarsen(levels.at(-1)!));
  return { sampleRate, length, levels };
}

/** Builds the overview of decoded audio (channels of equal length, samples in [-1, 1]). */
export function computePeaks(channels: readonly Float32Array[], sampleRate: number): WaveformPeaks {
  const length = channels[0]?.length ?? 0;
  return withCoarserLevels(finestLevel(channels, length), sampleRate, length);
}

/**
 * The same overview built from audio that arrives in stretches (a separation's chunks), so the
 * whole signal is never held: the result equals `computePeaks` on the joined audio.
 */
export class PeakBuilder {
  readonly #sampleRate: number;
  readonly #length: number;
  readonly #min: Float32Array;
  readonly #max: Float32Array;

  constructor(sampleRate: number, length: number) {
    this.#sampleRate = sampleRate;
    this.#length = length;
    const count = Math.ceil(length / FINEST_SAMPLES_PER_PEAK);
    this.#min = new Float32Array(count).fill(Infinity);
    this.#max = new Float32Array(count).fill(-Infinity);
  }

  /** Takes frames `start` .. `start + channels[0].length - 1` of every channel. */
  add(channels: readonly Float32Array[], start: number): void {
    const min = this.#min;
    const max = this.#max;
    for (const channel of channels) {
      const end = Math.min(channel.length, this.#length - start);
      for (let i = 0; i < end; i++) {
        const peak = Math.floor((start + i) / FINEST_SAMPLES_PER_PEAK);
        const v = channel[i]!;
        if (v < min[peak]!) min[peak] = v;
        if (v > max[peak]!) max[peak] = v;
      }
    }
  }

  finish(): WaveformPeaks {
    const data = new Int16Array(this.#min.length * 2);
    for (let peak = 0; peak < this.#min.length; peak++) {
      data[peak * 2] = quantise(this.#min[peak]!);
      data[peak * 2 + 1] = quantise(this.#max[peak]!);
    }
    return withCoarserLevels({ samplesPerPeak: FINEST_SAMPLES_PER_PEAK, data }, this.#sampleRate, this.#length);
  }
}

/**
 * The coarsest level that still gives at least one peak per pixel when `samplesPerPixel`
 * samples fall on one pixel (the finest level when zoomed in further than it resolves).
 */
export function levelForZoom(peaks: WaveformPeaks, samplesPerPixel: number): PeakLevel {
  let chosen = peaks.levels[0]!;
  for (const level of peaks.levels) {
    if (level.samplesPerPeak <= samplesPerPixel) chosen = level;
  }
  return chosen;
}

/** Min and max (in [-1, 1]) over the samples [startSample, endSample) read from `level`. */
export function peakRange(level: PeakLevel, startSample: number, endSample: number): [number, number] {
  const count = level.data.length / 2;
  const first = Math.max(0, Math.floor(startSample / level.samplesPerPeak));
  const last = Math.min(count, Math.ceil(endSample / level.samplesPerPeak));
  let min = 32767;
  let max = -32767;
  for (let i = first; i < last; i++) {
    const lo = level.data[i * 2]!;
    const hi = level.data[i * 2 + 1]!;
    if (lo < min) min = lo;
    if (hi > max) max = hi;
  }
  if (first >= last) return [0, 0];
  return [min / 32767, max / 32767];
}
