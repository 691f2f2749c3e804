// The one entry to the export encoders: picks the format's encoder and checks, for every format
// alike, what a caller passes in (the stream's shape up front, each block, the frame count).
import { SfaError } from '@sfa/shared/protocol/errors';
import type { ByteSink, EncodeSpec, ExportFormat, StreamEncoder, StreamInfo } from '../types.ts';
import { createFlacEncoder } from './flac.ts';
import type { FormatEncoder } from './format-encoder.ts';
import { createMp3Encoder } from './mp3.ts';
import { createWavEncoder } from './wav.ts';

export const MAX_EXPORT_CHANNELS = 8;

const EXTENSIONS: Record<ExportFormat, string> = {
  wav16: 'wav',
  wav24: 'wav',
  wav32f: 'wav',
  flac16: 'flac',
  flac24: 'flac',
  mp3: 'mp3',
};

const MIME_TYPES: Record<ExportFormat, string> = {
  wav16: 'audio/wav',
  wav24: 'audio/wav',
  wav32f: 'audio/wav',
  flac16: 'audio/flac',
  flac24: 'audio/flac',
  mp3: 'audio/mpeg',
};

/** The file extension for `spec`, without a dot: "wav", "flac", "mp3". */
export function extensionFor(spec: EncodeSpec): string {
  return EXTENSIONS[spec.format];
}

export function mimeTypeFor(spec: EncodeSpec): string {
  return MIME_TYPES[spec.format];
}

/**
 * An encoder that writes `info.frames` frames of audio as `spec` into `sink`, starting with the
 * header (written before this resolves). Throws `bad-request` for a stream it cannot encode
 * (channel count outside 1..8, a sample rate that is not a positive integer, or one the format
 * lacks, a negative or fractional frame count) and, from `push` / `finish`, for blocks of uneven
 * channel lengths, more frames than announced, or fewer at the end.
 */
export async function createEncoder(spec: EncodeSpec, info: StreamInfo, sink: ByteSink): Promise<StreamEncoder> {
  checkStreamInfo(info);
  const encoder = await createFormatEncoder(spec, info, sink);
  const { channelCount, frames } = info;
  let pushed = 0;
  let finished = false;

  return {
    extension: extensionFor(spec),
    mimeType: mimeTypeFor(spec),
    async push(channels) {
      if (finished) throw new SfaError('bad-request', 'push after finish: the file is already complete');
      if (channels.length !== channelCount) {
        throw new SfaError('bad-request', `a block has ${channels.length} channels; the stream has ${channelCount}`);
      }
      const length = channels[0]!.length;
      if (channels.some((channel) => channel.length !== length)) {
        const lengths = channels.map((channel) => channel.length).join(', ');
        throw new SfaError('bad-request', `a block's channels differ in length (${lengths} frames)`);
      }
      if (pushed + length > frames) {
        throw new SfaError('bad-request', `${pushed + length} frames pushed; the stream was announced as ${frames}`);
      }
      pushed += length;
      await encoder.push(channels);
    },
    async finish() {
      if (finished) return;
      if (pushed !== frames) {
        throw new SfaError('bad-request', `only ${pushed} of the announced ${frames} frames were pushed`);
      }
      finished = true;
      await encoder.finish();
    },
  };
}

function checkStreamInfo({ channelCount, sampleRate, frames }: StreamInfo): void {
  if (!Number.isInteger(channelCount) || channelCount < 1 || channelCount > MAX_EXPORT_CHANNELS) {
    throw new SfaError(
      'bad-request',
      `cannot export ${channelCount} channels: 1 to ${MAX_EXPORT_CHANNELS} are allowed`,
    );
  }
  if (!Number.isInteger(sampleRate) || sampleRate <= 0) {
    throw new SfaError(
      'bad-request',
      `cannot export at a sample rate of ${sampleRate} Hz: it must be a positive integer`,
    );
  }
  if (!Number.isSafeInteger(frames) || frames < 0) {
    throw new SfaError('bad-request', `cannot export ${frames} frames: the length must be a whole number, 0 or more`);
  }
}

async function createFormatEncoder(spec: EncodeSpec, info: StreamInfo, sink: ByteSink): Promise<FormatEncoder> {
  switch (spec.format) {
    case 'wav16':
      return createWavEncoder('int16', info, sink);
    case 'wav24':
      return createWavEncoder('int24', info, sink);
    case 'wav32f':
      return createWavEncoder('float32', info, sink);
    case 'flac16':
      return createFlacEncoder(16, info, sink);
    case 'flac24':
      return createFlacEncoder(24, info, sink);
    case 'mp3':
      return createMp3Encoder(spec.mp3, info, sink);
  }
}
