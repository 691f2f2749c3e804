// Ogg framing (RFC 3533): which codec the first logical stream carries, and whether the file
// ends with that stream's end-of-stream page. Ogg has no length field, so a missing final page
// (or a page cut in half) is the only sign of a truncated download.

import { SfaError } from '../protocol/errors.ts';
import { dataViewOf, hasAscii } from './bytes.ts';
import { durationForMessage } from './time-format.ts';

export type OggCodec = 'vorbis' | 'opus' | 'flac';

export interface OggStreamInfo {
  codec: OggCodec;
  /** The rate granule positions count in: 48 kHz for Opus whatever the input rate was. */
  granuleRate: number;
  /** Opus pre-skip: granule positions include these priming samples. */
  preSkip: number;
}

const PAGE_HEADER_BYTES = 27;
const FLAG_END_OF_STREAM = 0x04;

interface Page {
  flags: number;
  granule: number;
  /** Offset of the page body (the packets). */
  bodyOffset: number;
  end: number;
}

function readPage(bytes: Uint8Array, offset: number): Page | undefined {
  if (!hasAscii(bytes, offset, 'OggS') || offset + PAGE_HEADER_BYTES > bytes.length) return undefined;
  const segments = bytes[offset + 26] ?? 0;
  const bodyOffset = offset + PAGE_HEADER_BYTES + segments;
  if (bodyOffset > bytes.length) return { flags: 0, granule: -1, bodyOffset, end: Infinity };
  let bodyBytes = 0;
  for (let i = 0; i < segments; i++) bodyBytes += bytes[offset + PAGE_HEADER_BYTES + i] ?? 0;
  const granule = Number(dataViewOf(bytes).getBigInt64(offset + 6, true));
  return { flags: bytes[offset + 5] ?? 0, granule, bodyOffset, end: bodyOffset + bodyBytes };
}

/**
 * The codec of the stream whose first page opens the file. Throws `unsupported-codec` for
 * other Ogg contents (Speex, Theora video, a Skeleton index) and `not-audio` if the first page
 * is not an Ogg page at all.
 */
export function identifyOggStream(bytes: Uint8Array): OggStreamInfo {
  const page = readPage(bytes, 0);
  if (!page) throw new SfaError('not-audio', 'not an audio file: it starts like Ogg but has no Ogg page');
  const packet = bytes.subarray(page.bodyOffset, Math.min(page.end, bytes.length));
  const view = dataViewOf(packet);
  if (packet[0] === 0x01 && hasAscii(packet, 1, 'vorbis') && packet.length >= 16) {
    return { codec: 'vorbis', granuleRate: view.getUint32(12, true), preSkip: 0 };
  }
  if (hasAscii(packet, 0, 'OpusHead') && packet.length >= 12) {
    return { codec: 'opus', granuleRate: 48000, preSkip: view.getUint16(10, true) };
  }
  // 0x7F "FLAC", version, header count, "fLaC", then a STREAMINFO block (RFC 9639 section 10.1).
  if (packet[0] === 0x7f && hasAscii(packet, 1, 'FLAC') && packet.length >= 30) {
    return { codec: 'flac', granuleRate: view.getUint32(27, false) >>> 12, preSkip: 0 };
  }
  throw new SfaError('unsupported-codec', `unsupported codec: ${describeOtherOggCodec(packet)} in Ogg`);
}

function describeOtherOggCodec(packet: Uint8Array): string {
  if (hasAscii(packet, 0, 'Speex')) return 'Speex';
  if (hasAscii(packet, 1, 'theora')) return 'Theora video';
  if (hasAscii(packet, 0, 'fishead')) return 'a Skeleton index';
  if (hasAscii(packet, 0, 'FLAC')) return 'old-style FLAC';
  return 'an unknown stream';
}

/** Throws `truncated` unless the last Ogg page is complete and marks the end of its stream. */
export function assertOggComplete(bytes: Uint8Array, stream: OggStreamInfo): void {
  let offset = 0;
  let lastFlags = 0;
  let lastGranule = 0;
  let cutShort = false;
  while (offset < bytes.length) {
    const page = readPage(bytes, offset);
    if (!page) {
      // Damaged or foreign bytes: resynchronise on the next capture pattern, as players do.
      const next = indexOfOggS(bytes, offset + 1);
      if (next < 0) break;
      offset = next;
      continue;
    }
    if (page.end > bytes.length) {
      cutShort = true;
      break;
    }
    lastFlags = page.flags;
    if (page.granule >= 0) lastGranule = page.granule;
    offset = page.end;
  }
  if (!cutShort && lastFlags & FLAG_END_OF_STREAM) return;
  const presentSec = Math.max(0, lastGranule - stream.preSkip) / stream.granuleRate;
  throw new SfaError(
    'truncated',
    `the file is truncated: the Ogg stream stops after ${durationForMessage(presentSec)} without its end marker`,
  );
}

function indexOfOggS(bytes: Uint8Array, from: number): number {
  for (let i = bytes.indexOf(0x4f, from); i >= 0; i = bytes.indexOf(0x4f, i + 1)) {
    if (hasAscii(bytes, i, 'OggS')) return i;
  }
  return -1;
}
