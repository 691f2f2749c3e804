// A stem as a byte stream in the job's output format (16-bit PCM WAV, float WAV or 24-bit
// FLAC): the file's header first, then bytes per stretch of samples, then the tail. The same
// samples always give the same bytes, which is what lets a client resume on another replica.

import type { OutputFormat } from '@sfa/shared/offload/protocol';
import { FlacEncoder } from './flac-encoder.ts';
import { wavData, wavStreamHeader, type StreamFormat } from './wav-stream.ts';

export interface StemEncoder {
  /** The file's first bytes (WAV header; FLAC's marker and metadata come with the first frames). */
  readonly header: Uint8Array;
  /** Bytes for the next stretch of planar samples (maybe empty for FLAC, which buffers a block). */
  encode(channels: Float32Array[]): Uint8Array;
  /** The file's last bytes. */
  finish(): Uint8Array;
  /** Frees native memory; safe after finish and on failure. */
  dispose(): void;
}

function join(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

export async function createStemEncoder(format: OutputFormat, stream: StreamFormat): Promise<StemEncoder> {
  if (format === 'flac') {
    const encoder = await FlacEncoder.create(stream, 24);
    return {
      header: new Uint8Array(0),
      encode: (channels) => join(encoder.encode(channels)),
      finish: () => join(encoder.finish().bytes),
      dispose: () => encoder.delete(),
    };
  }
  const bitDepth = format === 'pcm16' ? 16 : 32;
  return {
    header: wavStreamHeader(stream, bitDepth),
    encode: (channels) => wavData(channels, stream.sampleRate, bitDepth),
    finish: () => new Uint8Array(0),
    dispose: () => {},
  };
}
