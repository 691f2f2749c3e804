// Demuxes the first audio track of an MP4/M4A file with mp4box: the WebCodecs decoder config
// (codec string, AudioSpecificConfig from the esds box), the encoded frames with their times,
// and which decoded frames are real audio according to the edit list (AAC encoders prepend
// priming samples, 1024 for ffmpeg, 2112 for Apple, and pad the last frame).
//
// Not handled: iTunes' iTunSMPB gapless comment (used by older files without an edit list; the
// priming then stays in, about 48 ms of near-silence at the start) and multi-entry edit lists
// beyond the first non-empty entry.

import type { ISOFile, Movie, Sample, Track } from 'mp4box';
import { SfaError } from '../protocol/errors.ts';
import { durationForMessage } from './time-format.ts';

export interface Mp4AudioTrack {
  /** WebCodecs codec string, e.g. 'mp4a.40.2'. */
  codec: string;
  sampleRate: number;
  numberOfChannels: number;
  /** The AudioSpecificConfig, for `AudioDecoderConfig.description`. */
  description: Uint8Array | undefined;
  frames: { data: Uint8Array; timestampUs: number; durationUs: number }[];
  /** Seconds of decoder output to drop (priming) and then to keep (undefined: all the rest). */
  trimStartSec: number;
  keepSec: number | undefined;
}

/** MPEG-4 audio object types we hand to WebCodecs: AAC in its MPEG-4 and MPEG-2 flavours. */
const AAC_CODECS = /^mp4a\.(40\.\d+|66|67|68)$/;

export async function demuxMp4Audio(bytes: Uint8Array): Promise<Mp4AudioTrack> {
  const { createFile, Log, MP4BoxBuffer } = await import('mp4box');
  // mp4box prints parser warnings about odd boxes; problems that matter reach onError.
  Log.setLogLevel(Log.error);
  const file = createFile();
  let track: Track | undefined;
  let movieParsed = false;
  const samples: Sample[] = [];
  let parseError: string | undefined;

  file.onError = (module, message) => (parseError = `${module}: ${message}`);
  file.onReady = (movie) => {
    movieParsed = true;
    track = soundTrack(file, movie);
    if (!track || !AAC_CODECS.test(track.codec)) return;
    file.setExtractionOptions(track.id, null, { nbSamples: 1000 });
    file.start();
  };
  file.onSamples = (_id, _user, batch) => samples.push(...batch);
  // mp4box parses an ArrayBuffer tagged with its file offset; one copy, made here.
  const buffer = new MP4BoxBuffer(bytes.byteLength);
  new Uint8Array(buffer).set(bytes);
  buffer.fileStart = 0;
  file.appendBuffer(buffer, true);
  file.flush();

  if (!movieParsed) {
    const detail = parseError ? ` (${parseError})` : '';
    throw new SfaError('truncated', `the file is truncated or damaged: its MP4 index (moov box) is missing${detail}`);
  }
  if (!track) throw new SfaError('no-audio', 'the file contains no audio track');
  if (!AAC_CODECS.test(track.codec)) {
    throw new SfaError('unsupported-codec', `unsupported codec: ${describeCodec(track.codec)} in MP4`);
  }
  const trim = trimOf(track);
  assertComplete(file.getTrackSamplesInfo(track.id), bytes.length, track.timescale, trim);

  return {
    codec: track.codec,
    sampleRate: track.audio?.sample_rate ?? 0,
    numberOfChannels: track.audio?.channel_count ?? 0,
    description: audioSpecificConfig(file.getTrackById(track.id)),
    frames: samples.map((sample) => ({
      data: sample.data ?? new Uint8Array(),
      // WebCodecs timestamps are integer microseconds.
      timestampUs: Math.round((sample.cts * 1e6) / sample.timescale),
      durationUs: Math.round((sample.duration * 1e6) / sample.timescale),
    })),
    ...trim,
  };
}

/** Throws `truncated` if the sample table points past the end of the file. */
function assertComplete(table: readonly Sample[], fileBytes: number, timescale: number, trim: Trim): void {
  const present = table.filter((sample) => sample.offset + sample.size <= fileBytes);
  if (present.length === table.length) return;
  const tableSec = table.reduce((sum, s) => sum + s.duration, 0) / timescale;
  const announcedSec = trim.keepSec ?? tableSec - trim.trimStartSec;
  const presentSec = present.reduce((sum, s) => sum + s.duration, 0) / timescale - trim.trimStartSec;
  throw new SfaError(
    'truncated',
    `the file is truncated: the header announces ${durationForMessage(announcedSec)} of audio ` +
      `but only ${durationForMessage(Math.max(0, presentSec))} is present`,
  );
}

type Trim = Pick<Mp4AudioTrack, 'trimStartSec' | 'keepSec'>;

function trimOf(track: Track): Trim {
  const edit = track.edits?.find((entry) => entry.media_time >= 0);
  if (edit) {
    return {
      trimStartSec: edit.media_time / track.timescale,
      keepSec: edit.segment_duration > 0 ? edit.segment_duration / track.movie_timescale : undefined,
    };
  }
  // No edit list: the sample table's total duration still excludes the last frame's padding.
  return { trimStartSec: 0, keepSec: track.samples_duration / track.timescale };
}

type TrakBox = ReturnType<ISOFile['getTrackById']>;

/** The first audio track; mp4box files some (ALAC) under metadata, so the handler decides. */
function soundTrack(file: ISOFile, movie: Movie): Track | undefined {
  return movie.audioTracks[0] ?? movie.tracks.find((t) => file.getTrackById(t.id)?.mdia?.hdlr?.handler === 'soun');
}

/** DecoderSpecificInfo (tag 5) inside DecoderConfigDescriptor (tag 4) of the esds box. */
function audioSpecificConfig(trak: TrakBox): Uint8Array | undefined {
  const entry: unknown = trak.mdia?.minf?.stbl?.stsd?.entries[0];
  const esd = (entry as { esds?: { esd?: { findDescriptor(tag: number): unknown } } } | undefined)?.esds?.esd;
  const config = esd?.findDescriptor(4) as { findDescriptor(tag: number): unknown } | undefined;
  const specific = config?.findDescriptor(5) as { data?: Uint8Array } | undefined;
  return specific?.data;
}

function describeCodec(codec: string): string {
  const lower = codec.toLowerCase();
  if (lower.startsWith('alac')) return 'Apple Lossless (ALAC)';
  if (['mp4a.6b', 'mp4a.69', 'mp3', '.mp3'].includes(lower)) return 'MP3';
  if (lower.startsWith('ac-3') || lower.startsWith('ec-3')) return 'Dolby Digital';
  if (lower.startsWith('opus')) return 'Opus';
  if (lower.startsWith('flac')) return 'FLAC';
  return codec || 'an unknown codec';
}
