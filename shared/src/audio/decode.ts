// The one entry point for turning a file's bytes into samples: sniff the format, hand it to
// the matching decoder (loaded on first use, so a page that only meets WAV never fetches a
// WASM decoder), and check the result holds audio.

import { SfaError } from '../protocol/errors.ts';
import type { DecodedAudio, DecodedStream, DecodeOptions } from './decoded-audio.ts';
import { DecodeSteps } from './decode-steps.ts';
import { decodeWavFile } from './decode-wav.ts';
import { sniffFormat, type AudioContainer } from './format.ts';

export type { DecodedAudio, DecodeOptions } from './decoded-audio.ts';

type StreamDecoder = (bytes: Uint8Array, steps: DecodeSteps) => Promise<DecodedStream>;

/** Everything but WAV pulls in a WASM decoder (or mp4box), so it loads on first use. */
const LOADERS: Record<Exclude<AudioContainer, 'wav'>, () => Promise<StreamDecoder>> = {
  mp3: async () => (await import('./decode-mp3.ts')).decodeMp3,
  flac: async () => (await import('./decode-flac.ts')).decodeFlac,
  ogg: async () => (await import('./decode-ogg.ts')).decodeOgg,
  mp4: async () => (await import('./decode-aac.ts')).decodeAac,
};

/**
 * Loads every decoder's code ahead of need (e.g. when the user opens a file picker), so the
 * first import does not wait for it. Safe to call repeatedly; failures surface at decode time.
 */
export async function preloadDecoders(): Promise<void> {
  await Promise.allSettled(Object.values(LOADERS).map((load) => load()));
}

/**
 * Decodes a whole audio file (WAV, MP3, FLAC, Ogg Vorbis/Opus/FLAC, or AAC in MP4 where the
 * runtime has WebCodecs) to planar Float32 at the file's own sample rate (Opus: 48 kHz).
 *
 * Throws `SfaError` with code `empty-file`, `not-audio`, `unsupported-codec`, `truncated`,
 * `no-audio`, `decode-failed` or `aborted`; the message says what is wrong, without the file name.
 */
export async function decodeAudio(bytes: Uint8Array, options: DecodeOptions = {}): Promise<DecodedAudio> {
  const steps = new DecodeSteps(options);
  steps.report(0);
  const { container } = sniffFormat(bytes);
  const decode = container === 'wav' ? decodeWavFile : await LOADERS[container]();
  const { sampleRate, channels, codec } = await decode(bytes, steps);
  if (channels.length === 0 || (channels[0]?.length ?? 0) === 0) {
    throw new SfaError('no-audio', 'the file contains no audio samples');
  }
  steps.done();
  return { sampleRate, channels, container, codec };
}
