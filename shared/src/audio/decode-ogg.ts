// Ogg streams: Vorbis (libvorbis), Opus (libopus, always 48 kHz out, pre-skip and end trim
// from the granule positions) and FLAC-in-Ogg (libFLAC), each compiled to WASM. Ogg carries no
// total length, so a missing end-of-stream page is how we know a file was cut off.

import type { DecodedStream } from './decoded-audio.ts';
import type { DecodeSteps } from './decode-steps.ts';
import { assertOggComplete, identifyOggStream, type OggCodec } from './ogg-pages.ts';
import { SfaError } from '../protocol/errors.ts';
import { runWasmDecoder, type StreamingWasmDecoder } from './wasm-stream.ts';

const LABELS: Record<OggCodec, string> = { vorbis: 'Vorbis', opus: 'Opus', flac: 'FLAC' };

async function loadDecoder(codec: OggCodec): Promise<() => StreamingWasmDecoder> {
  switch (codec) {
    case 'vorbis': {
      const { OggVorbisDecoder } = await import('@wasm-audio-decoders/ogg-vorbis');
      return () => new OggVorbisDecoder();
    }
    case 'opus': {
      const { OggOpusDecoder } = await import('ogg-opus-decoder');
      return () => new OggOpusDecoder();
    }
    case 'flac': {
      const { FLACDecoder } = await import('@wasm-audio-decoders/flac');
      return () => new FLACDecoder();
    }
  }
}

export async function decodeOgg(bytes: Uint8Array, steps: DecodeSteps): Promise<DecodedStream> {
  const stream = identifyOggStream(bytes);
  assertOggComplete(bytes, stream);
  const label = LABELS[stream.codec];
  const { collector, errors } = await runWasmDecoder(label, await loadDecoder(stream.codec), bytes, steps);
  if (errors.length > 0) throw new SfaError('decode-failed', `the ${label} data is damaged (decoder: ${errors[0]})`);
  return { sampleRate: collector.sampleRate, channels: collector.finish(), codec: label };
}
