// How a track of any length is cut into a model's fixed segments and blended back, exactly as
// demucs's apply_model does with transition_power 1: segments every (1 - overlap) * segment
// samples, each weighted by a triangle, the sum divided by the summed weights; a last, shorter
// chunk is centred in its segment between its real neighbours. With shifts, the whole procedure
// runs on copies of the track delayed by random amounts up to half a second, and the results are
// averaged. Here every pass writes into one accumulator, each segment pre-divided by its pass's
// weight sum, so only about a segment of output is ever held.

/** demucs's blend weights: 1, 2, .., seg/2, then seg - seg/2, .., 1, divided by the largest. */
export function blendWeights(segmentLength: number): Float32Array {
  const half = Math.floor(segmentLength / 2);
  const weights = new Float32Array(segmentLength);
  for (let i = 0; i < half; i++) weights[i] = i + 1;
  for (let i = half; i < segmentLength; i++) weights[i] = segmentLength - i;
  const max = Math.max(half, segmentLength - half);
  for (let i = 0; i < segmentLength; i++) weights[i]! /= max;
  return weights;
}

/** A small, fast PRNG (mulberry32): the same seed gives the same shifts on every runtime. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One pass over the track, which it sees delayed by `delay` samples (0 without shifts). */
export interface Pass {
  delay: number;
  /** Samples the pass covers: the track plus its delay. */
  length: number;
  segments: number;
}

export interface SegmentPlanOptions {
  /** Track length at the model's rate. */
  length: number;
  segmentLength: number;
  overlap: number;
  /** Random-shift passes to average; 0 for one unshifted pass. */
  shifts: number;
  /** Largest shift in samples (demucs: half a second). */
  maxShift: number;
  seed: number;
}

export class SegmentPlan {
  readonly segmentLength: number;
  readonly stride: number;
  readonly passes: readonly Pass[];
  readonly weights: Float32Array;

  constructor({ length, segmentLength, overlap, shifts, maxShift, seed }: SegmentPlanOptions) {
    this.segmentLength = segmentLength;
    this.stride = Math.max(1, Math.floor((1 - overlap) * segmentLength));
    this.weights = blendWeights(segmentLength);
    const random = seededRandom(seed);
    // demucs: offset = randint(0, max_shift) into the track padded by max_shift, i.e. a delay
    // of max_shift - offset.
    const delays = shifts > 0 ? Array.from({ length: shifts }, () => Math.floor(random() * (maxShift + 1))) : [0];
    this.passes = delays.map((delay) => ({
      delay,
      length: length + delay,
      segments: Math.ceil((length + delay) / this.stride),
    }));
  }

  get totalSegments(): number {
    return this.passes.reduce((sum, pass) => sum + pass.segments, 0);
  }

  /** Samples of segment `index` that are real chunk, not padding. */
  chunkLength(pass: Pass, index: number): number {
    return Math.min(pass.length - index * this.stride, this.segmentLength);
  }

  /**
   * Where segment `index` of `pass` reads the track: the model input's first sample, in track
   * coordinates (negative or past the end reads silence). A short last chunk sits in the middle.
   */
  inputStart(pass: Pass, index: number): number {
    const padding = this.segmentLength - this.chunkLength(pass, index);
    return index * this.stride - Math.floor(padding / 2) - pass.delay;
  }

  /**
   * The blend gain of each sample of segment `index`'s chunk: its weight over the pass's weight
   * sum there, over the number of passes. Written into `out` (chunkLength values).
   */
  chunkGains(pass: Pass, index: number, out: Float32Array): void {
    const { stride, weights, segmentLength } = this;
    const start = index * stride;
    const chunk = this.chunkLength(pass, index);
    const reach = Math.ceil(segmentLength / stride);
    for (let i = 0; i < chunk; i++) out[i] = 0;
    // Sum the weights of every segment of the pass that overlaps this chunk.
    for (let k = Math.max(0, index - reach); k <= Math.min(pass.segments - 1, index + reach); k++) {
      const otherStart = k * stride;
      const otherEnd = otherStart + this.chunkLength(pass, k);
      const from = Math.max(start, otherStart);
      const to = Math.min(start + chunk, otherEnd);
      for (let p = from; p < to; p++) out[p - start]! += weights[p - otherStart]!;
    }
    const passes = this.passes.length;
    for (let i = 0; i < chunk; i++) out[i] = weights[i]! / (out[i]! * passes);
  }

  /** After segment `index` of every pass, track samples before this are final. */
  finalBefore(index: number): number {
    let final = Infinity;
    for (const pass of this.passes) {
      const passFinal = index + 1 < pass.segments ? (index + 1) * this.stride : pass.length;
      final = Math.min(final, passFinal - pass.delay);
    }
    return final;
  }
}
