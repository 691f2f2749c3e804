// Known signals and a small harness for the encoder tests: sines, a chirp, seeded noise, and
// encoding a signal into memory in blocks of chosen sizes.
import { createMemorySink } from '../memory-sink.ts';
import type { AudioTags, EncodeSpec } from '../types.ts';
import { createEncoder } from './index.ts';

export function sine(frequencyHz: number, sampleRate: number, frames: number, amplitude = 0.5): Float32Array {
  return Float32Array.from(
    { length: frames },
    (_, i) => amplitude * Math.sin((2 * Math.PI * frequencyHz * i) / sampleRate),
  );
}

/** A linear sweep from `fromHz` to `toHz` over `frames`. */
export function chirp(fromHz: number, toHz: number, sampleRate: number, frames: number, amplitude = 0.5): Float32Array {
  const durationSec = frames / sampleRate;
  const rate = (toHz - fromHz) / durationSec;
  return Float32Array.from({ length: frames }, (_, i) => {
    const t = i / sampleRate;
    return amplitude * Math.sin(2 * Math.PI * (fromHz * t + (rate * t * t) / 2));
  });
}

/** Uniform noise in [-amplitude, amplitude) from a fixed seed (mulberry32). */
export function noise(seed: number, frames: number, amplitude = 0.5): Float32Array {
  let state = seed >>> 0;
  return Float32Array.from({ length: frames }, () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return amplitude * ((((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1);
  });
}

export interface RoundTripCase {
  name: string;
  sampleRate: number;
  channels: Float32Array[];
}

/**
 * The lossless formats' round-trip signals: mono and stereo, odd and common rates, four
 * channels. `chirpAmplitude` above 1 makes the 48 kHz case clip (what integer formats must
 * clamp); a float format needs it below 1 to compare exactly.
 */
export function roundTripCases(chirpAmplitude: number): RoundTripCase[] {
  return [
    { name: 'mono 440 Hz at 8000 Hz', sampleRate: 8000, channels: [sine(440, 8000, 8001)] },
    {
      name: 'stereo, different L/R at 22050 Hz',
      sampleRate: 22050,
      channels: [sine(440, 22050, 22050), chirp(50, 10000, 22050, 22050)],
    },
    { name: 'stereo noise at 44100 Hz', sampleRate: 44100, channels: [noise(1, 44100), noise(2, 44100)] },
    {
      name: `mono chirp at 48000 Hz${chirpAmplitude > 1 ? ', clipping' : ''}`,
      sampleRate: 48000,
      channels: [chirp(20, 20000, 48000, 30000, chirpAmplitude)],
    },
    {
      name: 'four channels at 96000 Hz',
      sampleRate: 96000,
      channels: [sine(1000, 96000, 5000), sine(3000, 96000, 5000), noise(3, 5000), chirp(10, 40000, 96000, 5000)],
    },
  ];
}

export const TEST_TAGS: AudioTags = {
  title: 'Song (vocals)',
  artist: 'The Artist',
  album: 'The Album',
  comment: 'htdemucs 4-stem',
};

/** Encodes `channels` as `spec` in blocks of `blockSizes` (cycled), into memory. */
export async function encodeInBlocks(
  spec: EncodeSpec,
  channels: Float32Array[],
  sampleRate: number,
  blockSizes: number[] = [Number.MAX_SAFE_INTEGER],
  options: { tags?: AudioTags; seekable?: boolean } = {},
): Promise<Uint8Array> {
  const memory = createMemorySink();
  const sink = options.seekable === false ? { write: (bytes: Uint8Array) => memory.write(bytes) } : memory;
  const frames = channels[0]!.length;
  const tags = options.tags ?? TEST_TAGS;
  const encoder = await createEncoder(spec, { sampleRate, channelCount: channels.length, frames, tags }, sink);
  let at = 0;
  for (let block = 0; at < frames; block++) {
    const size = Math.min(blockSizes[block % blockSizes.length]!, frames - at);
    await encoder.push(channels.map((channel) => channel.subarray(at, at + size)));
    at += size;
  }
  await encoder.finish();
  return memory.bytes();
}

/** Largest absolute difference between two equally long arrays. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}

/** Byte-for-byte equality (vitest's deep equality is slow on megabytes). */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}
