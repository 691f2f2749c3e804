// The blend buffer: weighted segment outputs are added in at their place in the track, and the
// finished front is taken off as the segments move on. It holds one segment plus the largest
// shift, whatever the track's length.

import type { SegmentStems } from './contracts/segment-runner.ts';

export class StemAccumulator {
  /** Track index of the buffers' first sample. */
  #start = 0;
  readonly #capacity: number;
  readonly #trackLength: number;
  /** Per model stem, [left, right], or undefined for stems nobody asked for. */
  readonly #buffers: ([Float32Array, Float32Array] | undefined)[];

  /** `start`: the first track sample it collects (a resumed separation starts past 0). */
  constructor(wanted: readonly boolean[], capacity: number, trackLength: number, start = 0) {
    this.#start = start;
    this.#capacity = capacity;
    this.#trackLength = trackLength;
    this.#buffers = wanted.map((want) => (want ? [new Float32Array(capacity), new Float32Array(capacity)] : undefined));
  }

  get start(): number {
    return this.#start;
  }

  /**
   * Adds samples `from` .. `from + count - 1` of each stem, times `gains`, at track position
   * `trackStart` onwards (what falls outside the track is dropped).
   */
  add(stems: SegmentStems, from: number, count: number, trackStart: number, gains: Float32Array): void {
    const skip = Math.max(0, this.#start - trackStart, -trackStart);
    const end = Math.min(count, this.#trackLength - trackStart);
    const at = trackStart - this.#start;
    if (at + end > this.#capacity) throw new RangeError('segment outside the blend buffer');
    this.#buffers.forEach((buffer, s) => {
      const stem = stems[s];
      if (!buffer || !stem) return;
      for (let c = 0; c < 2; c++) {
        const target = buffer[c]!;
        const source = stem[c]!;
        for (let i = skip; i < end; i++) target[at + i]! += gains[i]! * source[from + i]!;
      }
    });
  }

  /** Removes and returns the finished samples before track position `end`. */
  take(end: number): ([Float32Array, Float32Array] | undefined)[] {
    const count = end - this.#start;
    this.#start = end;
    return this.#buffers.map((buffer) => {
      if (!buffer) return undefined;
      return buffer.map((channel) => {
        const done = channel.slice(0, count);
        channel.copyWithin(0, count);
        channel.fill(0, this.#capacity - count);
        return done;
      }) as [Float32Array, Float32Array];
    });
  }
}
