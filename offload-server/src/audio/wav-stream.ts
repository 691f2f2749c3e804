// A WAV file written in pieces: the header is made for the whole length up front (it is sent
// or written before the audio exists), then each stretch of samples as bare data bytes.

import { encodeWav, type WavBitDepth } from '@sfa/shared/audio/wav-encode';
import { SfaError } from '@sfa/shared/protocol/errors';

export interface StreamFormat {
  sampleRate: number;
  channels: number;
  frames: number;
}

/** The header of a WAV of `frames` frames: encodeWav's own, with its sizes set for the whole file. */
export function wavStreamHeader({ sampleRate, channels, frames }: StreamFormat, bitDepth: WavBitDepth): Uint8Array {
  const one = encodeWav(
    Array.from({ length: channels }, () => new Float32Array(1)),
    sampleRate,
    bitDepth,
  );
  const blockAlign = (bitDepth / 8) * channels;
  const header = one.slice(0, one.length - blockAlign);
  const dataBytes = frames * blockAlign;
  // setUint32 would wrap a larger size into a header that lies.
  if (header.length - 8 + dataBytes > 0xffffffff) {
    throw new SfaError('too-large', 'the stems are too long for WAV files (over 4 GB each); use FLAC');
  }
  const view = new DataView(header.buffer);
  view.setUint32(4, header.length - 8 + dataBytes, true);
  view.setUint32(header.length - 4, dataBytes, true);
  // Float WAVs carry a `fact` chunk (frame count) just before the data chunk's header.
  if (bitDepth === 32) view.setUint32(header.length - 12, frames, true);
  return header;
}

/** The data bytes of `channels` (planar, equal lengths) in a WAV of `bitDepth`. */
export function wavData(channels: Float32Array[], sampleRate: number, bitDepth: WavBitDepth): Uint8Array {
  const bytes = encodeWav(channels, sampleRate, bitDepth);
  return bytes.subarray(bytes.length - channels[0]!.length * (bitDepth / 8) * channels.length);
}
