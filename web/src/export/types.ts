// What an export is: the formats users can choose, the facts an encoder needs up front, and the
// byte sinks encoders and the ZIP writer stream into. Encoders never hold a whole file: they take
// blocks of samples and write bytes as they go, so a 10-minute stem costs one block of memory.
import type { StemName } from '@sfa/shared/separation/types';

/** WAV at 16-bit or 24-bit integer or 32-bit float, FLAC (16 or 24 bit), MP3. */
export type ExportFormat = 'wav16' | 'wav24' | 'wav32f' | 'flac16' | 'flac24' | 'mp3';

export interface Mp3Options {
  /** Variable bit rate (a quality level) or constant bit rate (kbit/s). */
  mode: 'vbr' | 'cbr';
  /** CBR bit rate, kbit/s. */
  bitrate: 128 | 160 | 192 | 256 | 320;
  /** VBR quality, LAME's -V: 0 (best, ~245 kbit/s) to 9 (smallest). */
  vbrQuality: number;
}

export interface EncodeSpec {
  format: ExportFormat;
  mp3?: Mp3Options;
}

/** Tags written where the format has them (WAV LIST/INFO, FLAC Vorbis comments, MP3 ID3v2). */
export interface AudioTags {
  /** The file's title, e.g. "Song (vocals)". */
  title: string;
  artist?: string;
  album?: string;
  /** Free text, e.g. which model made the stem. */
  comment?: string;
}

/** What an encoder must know before the first sample: the output is exactly `frames` long. */
export interface StreamInfo {
  sampleRate: number;
  channelCount: number;
  frames: number;
  tags: AudioTags;
}

/** Where encoded bytes go: an OPFS file, a ZIP entry, a memory buffer in tests. */
export interface ByteSink {
  /** Appends bytes (the sink may keep the array: pass one it may own). */
  write(bytes: Uint8Array): Promise<void>;
  /**
   * Overwrites bytes already written (headers whose fields are only known at the end). Absent
   * on sinks that cannot seek (a ZIP entry): encoders then write what they know up front.
   */
  patch?(offset: number, bytes: Uint8Array): Promise<void>;
}

export interface StreamEncoder {
  /** "wav", "flac", "mp3". */
  readonly extension: string;
  readonly mimeType: string;
  /** Encodes the next block: one array per channel, all the same length. */
  push(channels: readonly Float32Array[]): Promise<void>;
  /** Flushes the encoder and completes the file; throws if fewer or more than `frames` were pushed. */
  finish(): Promise<void>;
}

/** What is exported: stems each to its own file, or one mix of the chosen stems. */
export type ExportSource =
  { kind: 'stems'; stems: StemName[] } | { kind: 'mix'; stems: StemName[]; withSpeedAndPitch: boolean };
