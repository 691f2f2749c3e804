// The last step of separation: finished stretches of the model's stems go back to the input's
// sample rate (streaming) and channel count (mono stems for mono input), derived stems are made
// (mix - stem: MDX's secondary, the virtual 'instrumental'), and each stretch goes to `onChunk`
// and, when collecting, into whole-track stems.

import { Resampler, StreamingResampler } from '../dsp/resample.ts';
import type { PlanarAudio, SeparationCheckpoint, StemChunk, StemName } from './types.ts';

export interface StemOutputOptions {
  input: PlanarAudio;
  modelRate: number;
  /** Track length at the model's rate. */
  modelLength: number;
  modelStems: readonly StemName[];
  /** Which model stems arrive (the others are undefined in every push). */
  wanted: readonly boolean[];
  /** Stems to deliver. */
  requested: readonly StemName[];
  /** Derived stem -> the model stem it is the mix minus. */
  derived: ReadonlyMap<StemName, StemName>;
  collect: boolean;
  onChunk?: (chunk: StemChunk) => void | Promise<void>;
  /** The run's identity, which every checkpoint carries. */
  run: string;
  /** A checkpoint to go on from: delivery starts at its frame, the resamplers as they were. */
  resume?: SeparationCheckpoint;
}

/** How far the model's side has got when a stretch is pushed. */
export interface PushedThrough {
  rounds: number;
  modelFrames: number;
}

export class StemOutput {
  readonly #options: StemOutputOptions;
  readonly #resamplers: (StreamingResampler | undefined)[];
  readonly #collected = {} as Record<StemName, Float32Array[]>;
  #position = 0;

  constructor(options: StemOutputOptions) {
    this.#options = options;
    const { input, modelRate, modelLength, wanted } = options;
    const back = input.sampleRate === modelRate ? undefined : new Resampler(modelRate, input.sampleRate);
    const length = input.channels[0]!.length;
    this.#resamplers = wanted.map((want) =>
      back && want ? new StreamingResampler(back, 2, modelLength, length) : undefined,
    );
    if (options.collect) {
      for (const stem of options.requested) {
        this.#collected[stem] = input.channels.map(() => new Float32Array(length));
      }
    }
    const resume = options.resume;
    if (resume) {
      this.#position = resume.frames;
      this.#resamplers.forEach((resampler, s) => {
        const snapshot = resume.resamplers[s];
        if (resampler && snapshot) resampler.restore(snapshot);
        else if (resampler || snapshot) throw new RangeError('the checkpoint does not match the run');
      });
    }
  }

  get stems(): Record<StemName, Float32Array[]> {
    return this.#collected;
  }

  /**
   * Takes the next finished stretch at the model's rate, per model stem ([left, right] or
   * undefined); `through` says how far the model's side is once it is taken.
   */
  async push(stems: readonly (readonly Float32Array[] | undefined)[], through: PushedThrough): Promise<void> {
    const atInputRate = stems.map((stem, s) => {
      const resampler = this.#resamplers[s];
      return stem && resampler ? resampler.push(stem) : stem;
    });
    await this.#deliver(atInputRate, through);
  }

  /** Flushes what the resamplers still hold; call once after the last push. */
  async finish(through: PushedThrough): Promise<void> {
    if (this.#resamplers.every((r) => r === undefined)) return;
    await this.#deliver(
      this.#resamplers.map((resampler) => resampler?.finish()),
      through,
    );
  }

  async #deliver(stems: readonly (readonly Float32Array[] | undefined)[], through: PushedThrough): Promise<void> {
    const { input, modelStems, requested, derived, collect, onChunk } = this.#options;
    const frames = stems.find((stem) => stem)?.[0]?.length ?? 0;
    if (frames === 0) return;
    const start = this.#position;
    const mono = input.channels.length === 1;
    const modelStem = (name: StemName): Float32Array[] => {
      const [left, right] = stems[modelStems.indexOf(name)]!;
      if (!mono) return [left!, right!];
      const average = new Float32Array(frames);
      for (let i = 0; i < frames; i++) average[i] = 0.5 * (left![i]! + right![i]!);
      return [average];
    };
    const chunk: StemChunk = { startFrame: start, stems: {} as Record<StemName, Float32Array[]> };
    const cache = new Map<StemName, Float32Array[]>();
    const model = (name: StemName) => cache.get(name) ?? cache.set(name, modelStem(name)).get(name)!;
    for (const name of requested) {
      const source = derived.get(name);
      if (source === undefined) {
        chunk.stems[name] = model(name);
        continue;
      }
      chunk.stems[name] = model(source).map((stem, c) => {
        const mix = input.channels[c]!.subarray(start, start + frames);
        const rest = new Float32Array(frames);
        for (let i = 0; i < frames; i++) rest[i] = mix[i]! - stem[i]!;
        return rest;
      });
    }
    this.#position += frames;
    chunk.checkpoint = {
      run: this.#options.run,
      ...through,
      frames: this.#position,
      resamplers: this.#resamplers.map((resampler) => resampler?.snapshot() ?? null),
    };
    if (collect) {
      for (const name of requested)
        chunk.stems[name]!.forEach((samples, c) => this.#collected[name]![c]!.set(samples, start));
    }
    await onChunk?.(chunk);
  }
}
