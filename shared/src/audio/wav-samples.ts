// Interleaved WAV sample bytes to planar Float32 in [-1, 1): integers are scaled by 2^(bits-1)
// (8-bit is unsigned, offset 128), floats are copied as they are (they may exceed ±1),
// G.711 μ-law / A-law go through their 256-entry expansion tables.

import { dataViewOf } from './bytes.ts';
import type { WavSampleFormat } from './wav-format.ts';

/**
 * Decodes frames [fromFrame, toFrame) of the data chunk that starts at `data[0]` into the
 * same positions of `channels` (one preallocated array per channel).
 */
export function decodeWavFrames(
  data: Uint8Array,
  format: WavSampleFormat,
  channels: Float32Array[],
  fromFrame: number,
  toFrame: number,
): void {
  const view = dataViewOf(data);
  const { bytesPerSample } = format;
  const frameBytes = bytesPerSample * channels.length;
  const read = sampleReader(view, format);
  channels.forEach((output, channel) => {
    let offset = fromFrame * frameBytes + channel * bytesPerSample;
    for (let frame = fromFrame; frame < toFrame; frame++, offset += frameBytes) output[frame] = read(offset);
  });
}

function sampleReader(view: DataView, format: WavSampleFormat): (offset: number) => number {
  switch (format.kind) {
    case 'float':
      return format.bytesPerSample === 8 ? (o) => view.getFloat64(o, true) : (o) => view.getFloat32(o, true);
    case 'mulaw':
      return (o) => MULAW[view.getUint8(o)] ?? 0;
    case 'alaw':
      return (o) => ALAW[view.getUint8(o)] ?? 0;
    case 'int':
      switch (format.bytesPerSample) {
        case 1:
          return (o) => (view.getUint8(o) - 128) / 128;
        case 2:
          return (o) => view.getInt16(o, true) / 32768;
        case 3:
          // Little-endian 24-bit: the high byte carries the sign.
          return (o) => ((view.getInt8(o + 2) << 16) | (view.getUint8(o + 1) << 8) | view.getUint8(o)) / 8388608;
        default:
          return (o) => view.getInt32(o, true) / 2147483648;
      }
  }
}

/** ITU-T G.711 μ-law expansion to 16-bit linear, scaled to [-1, 1). */
const MULAW = Float32Array.from({ length: 256 }, (_, byte) => {
  const code = ~byte & 0xff;
  const magnitude = (((code & 0x0f) << 3) + 0x84) << ((code & 0x70) >> 4);
  return (code & 0x80 ? 0x84 - magnitude : magnitude - 0x84) / 32768;
});

/** ITU-T G.711 A-law expansion to 16-bit linear, scaled to [-1, 1). */
const ALAW = Float32Array.from({ length: 256 }, (_, byte) => {
  const code = byte ^ 0x55;
  const segment = (code & 0x70) >> 4;
  let magnitude = (code & 0x0f) << 4;
  magnitude += segment === 0 ? 8 : 0x108;
  if (segment > 1) magnitude <<= segment - 1;
  return (code & 0x80 ? magnitude : -magnitude) / 32768;
});
