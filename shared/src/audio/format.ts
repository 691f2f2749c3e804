// Which container (and, where the first bytes tell, which codec) a file holds, by its magic
// bytes alone: file names and MIME types lie, and a browser reports what the name says.

import { SfaError } from '../protocol/errors.ts';
import { hasAscii } from './bytes.ts';
import { explainUnrecognised } from './format-hints.ts';
import { skipId3v2 } from './id3.ts';
import { findFirstMpegFrame } from './mpeg-frame.ts';
import { identifyOggStream } from './ogg-pages.ts';

export type AudioContainer = 'wav' | 'mp3' | 'flac' | 'ogg' | 'mp4';

/** 'unknown' where the container's own header decides (a WAV fmt chunk, an MP4 sample entry). */
export type AudioCodecHint = 'mp3' | 'flac' | 'vorbis' | 'opus' | 'unknown';

export interface AudioFormat {
  container: AudioContainer;
  codec: AudioCodecHint;
}

/** Where to look for an MP3 frame sync when no ID3 tag announces one: some rippers leave junk. */
const BARE_FRAME_SEARCH_BYTES = 4096;
/** After an ID3 tag: encoders pad tags with zeros. */
const TAGGED_FRAME_SEARCH_BYTES = 64 * 1024;

/**
 * Identifies an audio file by its content. Throws `SfaError` with code `empty-file` (0 bytes),
 * `not-audio` (with what it looks like instead), `unsupported-codec` (an audio format we
 * recognise but do not decode, e.g. AIFF or Speex in Ogg) or `truncated` (cut inside its tag).
 */
export function sniffFormat(bytes: Uint8Array): AudioFormat {
  if (bytes.length === 0) throw new SfaError('empty-file', 'the file is empty');

  const riff = hasAscii(bytes, 0, 'RIFF') || hasAscii(bytes, 0, 'RF64') || hasAscii(bytes, 0, 'BW64');
  if (riff && hasAscii(bytes, 8, 'WAVE')) return { container: 'wav', codec: 'unknown' };
  if (hasAscii(bytes, 0, 'OggS')) {
    const { codec } = identifyOggStream(bytes);
    return { container: 'ogg', codec };
  }
  if (hasAscii(bytes, 4, 'ftyp')) return { container: 'mp4', codec: 'unknown' };

  const afterTags = skipId3v2(bytes);
  if (afterTags > bytes.length) {
    throw new SfaError('truncated', 'the file is truncated: it ends inside its ID3 tag, before any audio');
  }
  if (hasAscii(bytes, afterTags, 'fLaC')) return { container: 'flac', codec: 'flac' };

  const searchBytes = afterTags > 0 ? TAGGED_FRAME_SEARCH_BYTES : BARE_FRAME_SEARCH_BYTES;
  if (findFirstMpegFrame(bytes, afterTags, searchBytes) >= 0) return { container: 'mp3', codec: 'mp3' };
  if (afterTags > 0) {
    throw new SfaError('not-audio', 'not an audio file: it has an ID3 tag but no MP3 audio after it');
  }
  throw explainUnrecognised(bytes);
}
