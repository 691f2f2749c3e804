// WAV as a stream: the header (with a LIST/INFO tag before the data chunk) goes out first, sized
// from the frame count known up front, then each block of samples as it is pushed. More than two
// channels and 24-bit PCM use WAVE_FORMAT_EXTENSIBLE (Microsoft's guidance, what ffmpeg writes);
// float in mono or stereo keeps WAVE_FORMAT_IEEE_FLOAT, because some readers (wavefile, older
// DAWs) take an extensible 32-bit file for integer PCM whatever its sub-format says.
import { SfaError } from '@sfa/shared/protocol/errors';
import type { AudioTags, ByteSink, StreamInfo } from '../types.ts';
import { ByteWriter, utf8Bytes } from './byte-writer.ts';
import { integerScale, quantise } from './pcm.ts';
import type { FormatEncoder } from './format-encoder.ts';

export type WavSampleFormat = 'int16' | 'int24' | 'float32';

const TAG_PCM = 0x0001;
const TAG_FLOAT = 0x0003;
const TAG_EXTENSIBLE = 0xfffe;
/** KSDATAFORMAT_SUBTYPE_PCM / _IEEE_FLOAT after their first two bytes (the format tag). */
const SUBFORMAT_GUID_TAIL = [0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71];
/** Front centre for mono, front left and right for stereo; wider layouts claim no speakers. */
const CHANNEL_MASKS: Record<number, number> = { 1: 0x4, 2: 0x3 };
const MAX_RIFF_BYTES = 0xffffffff;
export const WAV_SOFTWARE = 'Sound Forge Alchemy';

const BYTES_PER_SAMPLE: Record<WavSampleFormat, number> = { int16: 2, int24: 3, float32: 4 };

/** The header up to and including the data chunk's size field, for `info` at `format`. */
export function wavHeader(format: WavSampleFormat, info: StreamInfo): Uint8Array {
  const { channelCount, sampleRate, frames } = info;
  const bytesPerSample = BYTES_PER_SAMPLE[format];
  const isFloat = format === 'float32';
  const extensible = channelCount > 2 || format === 'int24';
  const fmtBytes = extensible ? 40 : isFloat ? 18 : 16;
  const blockAlign = bytesPerSample * channelCount;
  const dataBytes = frames * blockAlign;

  const chunks = new ByteWriter();
  chunks.ascii('fmt ').u32le(fmtBytes);
  chunks
    .u16le(extensible ? TAG_EXTENSIBLE : isFloat ? TAG_FLOAT : TAG_PCM)
    .u16le(channelCount)
    .u32le(sampleRate);
  chunks
    .u32le(sampleRate * blockAlign)
    .u16le(blockAlign)
    .u16le(bytesPerSample * 8);
  if (extensible) {
    chunks
      .u16le(22)
      .u16le(bytesPerSample * 8)
      .u32le(CHANNEL_MASKS[channelCount] ?? 0);
    chunks.u16le(isFloat ? TAG_FLOAT : TAG_PCM).bytes(SUBFORMAT_GUID_TAIL);
  } else if (isFloat) {
    chunks.u16le(0); // WAVEFORMATEX's cbSize: no extra bytes
  }
  // Non-PCM formats carry the frame count in a `fact` chunk (RIFF spec); readers ignore it.
  if (isFloat) chunks.ascii('fact').u32le(4).u32le(frames);
  chunks.bytes(infoChunk(info.tags));
  chunks.ascii('data').u32le(dataBytes);

  const riffBytes = 4 + chunks.length + dataBytes + (dataBytes % 2);
  if (riffBytes > MAX_RIFF_BYTES) {
    throw new SfaError('too-large', 'the audio is too long for a WAV file (over 4 GB): choose FLAC or MP3');
  }
  return new ByteWriter().ascii('RIFF').u32le(riffBytes).ascii('WAVE').bytes(chunks.toBytes()).toBytes();
}

/** LIST/INFO with UTF-8 text (what ffmpeg and Audacity write; plain ASCII reads the same anywhere). */
function infoChunk(tags: AudioTags): Uint8Array {
  const fields: [string, string | undefined][] = [
    ['INAM', tags.title],
    ['IART', tags.artist],
    ['IPRD', tags.album],
    ['ICMT', tags.comment],
    ['ISFT', WAV_SOFTWARE],
  ];
  const body = new ByteWriter().ascii('INFO');
  for (const [id, text] of fields) {
    if (!text) continue;
    const value = utf8Bytes(text);
    // Each value is NUL-terminated; the size counts the NUL but not the pad to an even length.
    body
      .ascii(id)
      .u32le(value.length + 1)
      .bytes(value)
      .u8(0);
    if ((value.length + 1) % 2) body.u8(0);
  }
  return new ByteWriter().ascii('LIST').u32le(body.length).bytes(body.toBytes()).toBytes();
}

export async function createWavEncoder(
  format: WavSampleFormat,
  info: StreamInfo,
  sink: ByteSink,
): Promise<FormatEncoder> {
  const header = wavHeader(format, info);
  await sink.write(header);
  const bytesPerSample = BYTES_PER_SAMPLE[format];
  const blockAlign = bytesPerSample * info.channelCount;
  const dataBytes = info.frames * blockAlign;

  return {
    async push(channels) {
      const frames = channels[0]?.length ?? 0;
      if (frames === 0) return;
      const bytes = new Uint8Array(frames * blockAlign);
      const view = new DataView(bytes.buffer);
      channels.forEach((samples, channel) => {
        writeSamples(view, channel * bytesPerSample, blockAlign, samples, format);
      });
      await sink.write(bytes);
    },
    async finish() {
      // RIFF chunks are padded to an even length; the pad is not part of the data size.
      if (dataBytes % 2) await sink.write(new Uint8Array(1));
    },
  };
}

function writeSamples(view: DataView, start: number, stride: number, samples: Float32Array, format: WavSampleFormat) {
  let offset = start;
  if (format === 'float32') {
    // Float is written as it comes, unclipped: that is what 32-bit float export is for.
    for (const sample of samples) {
      view.setFloat32(offset, sample, true);
      offset += stride;
    }
  } else if (format === 'int16') {
    const scale = integerScale(16);
    for (const sample of samples) {
      view.setInt16(offset, quantise(sample, scale), true);
      offset += stride;
    }
  } else {
    const scale = integerScale(24);
    for (const sample of samples) {
      const value = quantise(sample, scale);
      view.setUint8(offset, value & 0xff);
      view.setUint16(offset + 1, (value >> 8) & 0xffff, true);
      offset += stride;
    }
  }
}
