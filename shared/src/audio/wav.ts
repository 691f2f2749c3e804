// WAV reading: where the frames are and how many are usable, with our truncation policy, and
// a one-call parse for callers that do not need progress (tests, small files).
//
// Truncation policy: a data chunk that holds less than its header announces is `truncated`,
// with both durations in the message, unless less than one frame is missing. That one case is
// a partial last frame (a writer that rounded oddly, a copy cut inside the final frame) and
// losing it costs nothing audible, so the partial frame is dropped and the file accepted.
// A size of 0xFFFFFFFF without an RF64 ds64 chunk means "streamed, length unknown": read to
// the end of the file.

import { SfaError } from '../protocol/errors.ts';
import { durationForMessage } from './time-format.ts';
import { readWavChunks } from './wav-chunks.ts';
import { readWavFormat, type WavSampleFormat } from './wav-format.ts';
import { decodeWavFrames } from './wav-samples.ts';

export interface WavLayout {
  format: WavSampleFormat;
  /** The data chunk's bytes that hold whole frames. */
  data: Uint8Array;
  frameCount: number;
}

export interface ParsedWav {
  sampleRate: number;
  channels: Float32Array[];
  /** e.g. 'PCM 16-bit', 'Float 32-bit', 'μ-law'. */
  codec: string;
}

/** Throws `truncated`, `no-audio`, `unsupported-codec` or `decode-failed` (damaged header). */
export function readWavLayout(bytes: Uint8Array): WavLayout {
  const chunks = readWavChunks(bytes);
  const format = readWavFormat(chunks.fmt);
  const frameBytes = format.bytesPerSample * format.channels;
  const declaredFrames = Math.floor(chunks.dataDeclaredBytes / frameBytes);
  const presentFrames = Math.floor(chunks.dataPresentBytes / frameBytes);

  if (declaredFrames === 0) throw new SfaError('no-audio', 'the file contains no audio samples');
  if (chunks.dataDeclaredBytes - chunks.dataPresentBytes >= frameBytes) {
    const announced = durationForMessage(declaredFrames / format.sampleRate);
    const present = durationForMessage(presentFrames / format.sampleRate);
    throw new SfaError(
      'truncated',
      `the file is truncated: the header announces ${announced} of audio but only ${present} is present`,
    );
  }
  const data = bytes.subarray(chunks.dataOffset, chunks.dataOffset + presentFrames * frameBytes);
  return { format, data, frameCount: presentFrames };
}

/** Parses a whole WAV file at once. Throws as `readWavLayout`. */
export function parseWav(bytes: Uint8Array): ParsedWav {
  const { format, data, frameCount } = readWavLayout(bytes);
  const channels = Array.from({ length: format.channels }, () => new Float32Array(frameCount));
  decodeWavFrames(data, format, channels, 0, frameCount);
  return { sampleRate: format.sampleRate, channels, codec: format.label };
}
