// The result and options every decoder shares, and the collector that joins the chunks a
// streaming decoder returns into one Float32Array per channel.

import { SfaError } from '../protocol/errors.ts';
import type { AudioContainer } from './format.ts';

export interface DecodedAudio {
  sampleRate: number;
  /** One array per channel, all the same length: mono stays 1 channel, stereo 2, and so on. */
  channels: Float32Array[];
  container: AudioContainer;
  /** Human label: 'PCM 16-bit', 'Float 32-bit', 'MP3', 'FLAC', 'Vorbis', 'Opus', 'AAC', ... */
  codec: string;
}

export interface DecodeOptions {
  signal?: AbortSignal;
  /** Fraction of the work done, in [0, 1]; never decreases, and the last call reports 1. */
  onProgress?: (fraction: number) => void;
}

/** What a codec adapter returns; `decodeAudio` adds the container. */
export type DecodedStream = Omit<DecodedAudio, 'container'>;

export class ChannelCollector {
  /** Names the codec in error messages: 'MP3', 'FLAC', ... */
  readonly #codecName: string;
  readonly #chunks: Float32Array[][] = [];
  #frames = 0;
  #sampleRate = 0;

  constructor(codecName: string) {
    this.#codecName = codecName;
  }

  get frames(): number {
    return this.#frames;
  }

  get sampleRate(): number {
    return this.#sampleRate;
  }

  /** Adds `frames` frames of `channelData`; a chunk with no frames is ignored. */
  add(channelData: readonly Float32Array[], frames: number, sampleRate: number): void {
    if (frames === 0 || channelData.length === 0) return;
    const first = this.#chunks[0];
    if (first && first.length !== channelData.length) {
      throw new SfaError(
        'decode-failed',
        `the ${this.#codecName} data is damaged: its channel count changes part-way through`,
      );
    }
    if (this.#sampleRate && sampleRate !== this.#sampleRate) {
      throw new SfaError(
        'decode-failed',
        `the ${this.#codecName} data is damaged: its sample rate changes part-way through`,
      );
    }
    this.#sampleRate = sampleRate;
    this.#chunks.push(channelData.map((samples) => samples.subarray(0, frames)));
    this.#frames += frames;
  }

  /** The joined channels, at most `maxFrames` long (the rest is dropped: encoder padding). */
  finish(maxFrames = Infinity): Float32Array[] {
    const length = Math.min(this.#frames, maxFrames);
    const channelCount = this.#chunks[0]?.length ?? 0;
    const channels = Array.from({ length: channelCount }, () => new Float32Array(length));
    let offset = 0;
    for (const chunk of this.#chunks) {
      if (offset >= length) break;
      chunk.forEach((samples, channel) => channels[channel]?.set(samples.subarray(0, length - offset), offset));
      offset += chunk[0]?.length ?? 0;
    }
    this.#chunks.length = 0;
    return channels;
  }
}
