// The STREAMINFO block at the start of a native FLAC file (RFC 9639 section 8.2): the stream's
// format and, usually, its exact length in samples, which tells us if decoding came up short.

import { SfaError } from '../protocol/errors.ts';
import { hasAscii, readUint32BE } from './bytes.ts';
import { skipId3v2 } from './id3.ts';

export interface FlacStreamInfo {
  sampleRate: number;
  channels: number;
  bitsPerSample: number;
  /** Samples per channel; 0 when the encoder did not know (a streamed recording). */
  totalSamples: number;
}

export function readFlacStreamInfo(bytes: Uint8Array): FlacStreamInfo {
  const marker = skipId3v2(bytes);
  const block = marker + 4;
  const body = block + 4;
  if (!hasAscii(bytes, marker, 'fLaC') || ((bytes[block] ?? 0) & 0x7f) !== 0 || body + 34 > bytes.length) {
    throw new SfaError('decode-failed', 'the FLAC file is damaged: its STREAMINFO header is missing');
  }
  // Bytes 10..17 pack: sample rate (20 bits), channels - 1 (3), bits per sample - 1 (5),
  // total samples (36).
  const rateAndFormat = readUint32BE(bytes, body + 10);
  const sampleRate = rateAndFormat >>> 12;
  const channels = ((rateAndFormat >>> 9) & 0x7) + 1;
  const bitsPerSample = ((rateAndFormat >>> 4) & 0x1f) + 1;
  const totalSamples = (rateAndFormat & 0xf) * 2 ** 32 + readUint32BE(bytes, body + 14);
  if (sampleRate === 0) {
    throw new SfaError('decode-failed', 'the FLAC file is damaged: its header gives a sample rate of 0');
  }
  return { sampleRate, channels, bitsPerSample, totalSamples };
}
