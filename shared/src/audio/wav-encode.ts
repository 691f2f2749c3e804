// Planar Float32 audio to a WAV file: 16- or 24-bit integer PCM, or 32-bit float. Integers
// round to nearest (no dither) and clip to the format's range; the scale (2^(bits-1)) is the
// one the reader divides by, so encode-then-decode is exact to half an LSB inside [-1, 1).
// More than two channels use WAVE_FORMAT_EXTENSIBLE, as the format's spec asks.

import { SfaError } from '../protocol/errors.ts';
import {
  MAX_CHANNELS,
  MAX_SAMPLE_RATE,
  SUBFORMAT_GUID_TAIL,
  TAG_EXTENSIBLE,
  TAG_FLOAT,
  TAG_PCM,
} from './wav-format.ts';

export type WavBitDepth = 16 | 24 | 32;

const MAX_RIFF_BYTES = 0xffffffff;

/**
 * Encodes `channels` (equal lengths, one array per channel) as a WAV file. `bitDepth` 32 means
 * IEEE float (written unclipped). Throws `too-large` past WAV's 4 GiB limit.
 */
export function encodeWav(channels: Float32Array[], sampleRate: number, bitDepth: WavBitDepth): Uint8Array {
  const channelCount = channels.length;
  const frames = channels[0]?.length ?? 0;
  if (channelCount < 1 || channelCount > MAX_CHANNELS || channels.some((c) => c.length !== frames)) {
    throw new RangeError(`encodeWav needs 1 to ${MAX_CHANNELS} channels of equal length`);
  }
  if (!Number.isInteger(sampleRate) || sampleRate < 1 || sampleRate > MAX_SAMPLE_RATE) {
    throw new RangeError(`encodeWav: sample rate ${sampleRate} is outside 1..${MAX_SAMPLE_RATE}`);
  }

  const isFloat = bitDepth === 32;
  const extensible = channelCount > 2;
  const bytesPerSample = bitDepth / 8;
  const blockAlign = bytesPerSample * channelCount;
  const dataBytes = frames * blockAlign;
  const fmtBytes = extensible ? 40 : isFloat ? 18 : 16;
  // Non-PCM formats carry a `fact` chunk with the frame count (RIFF spec); readers ignore it.
  const factBytes = isFloat ? 12 : 0;
  const headerBytes = 12 + 8 + fmtBytes + factBytes + 8;
  if (headerBytes - 8 + dataBytes > MAX_RIFF_BYTES) {
    throw new SfaError('too-large', 'the audio is too long for a WAV file (over 4 GB)');
  }

  const out = new Uint8Array(headerBytes + dataBytes);
  const view = new DataView(out.buffer);
  let offset = 0;
  const ascii = (text: string) => {
    for (let i = 0; i < text.length; i++) view.setUint8(offset++, text.charCodeAt(i));
  };
  const u16 = (value: number) => (view.setUint16(offset, value, true), (offset += 2));
  const u32 = (value: number) => (view.setUint32(offset, value, true), (offset += 4));

  ascii('RIFF');
  u32(out.length - 8);
  ascii('WAVE');
  ascii('fmt ');
  u32(fmtBytes);
  u16(extensible ? TAG_EXTENSIBLE : isFloat ? TAG_FLOAT : TAG_PCM);
  u16(channelCount);
  u32(sampleRate);
  u32(sampleRate * blockAlign);
  u16(blockAlign);
  u16(bitDepth);
  if (extensible) {
    u16(22);
    u16(bitDepth);
    u32(0); // channel mask 0: no speaker positions claimed
    u16(isFloat ? TAG_FLOAT : TAG_PCM);
    for (const byte of SUBFORMAT_GUID_TAIL) view.setUint8(offset++, byte);
  } else if (isFloat) {
    u16(0);
  }
  if (isFloat) {
    ascii('fact');
    u32(4);
    u32(frames);
  }
  ascii('data');
  u32(dataBytes);

  channels.forEach((samples, channel) => {
    writeSamples(view, offset + channel * bytesPerSample, blockAlign, samples, bitDepth);
  });
  return out;
}

function writeSamples(view: DataView, start: number, stride: number, samples: Float32Array, bitDepth: WavBitDepth) {
  let offset = start;
  if (bitDepth === 32) {
    for (const sample of samples) {
      view.setFloat32(offset, sample, true);
      offset += stride;
    }
    return;
  }
  const scale = bitDepth === 16 ? 32768 : 8388608;
  for (const sample of samples) {
    // NaN becomes 0; Math.round rounds halves up, which is fine without dither.
    const value = Math.min(scale - 1, Math.max(-scale, Math.round((sample || 0) * scale)));
    if (bitDepth === 16) {
      view.setInt16(offset, value, true);
    } else {
      view.setUint8(offset, value & 0xff);
      view.setUint8(offset + 1, (value >> 8) & 0xff);
      view.setUint8(offset + 2, (value >> 16) & 0xff);
    }
    offset += stride;
  }
}
