// What an MP3 file says about itself before decoding: its first frame (channels, sample rate)
// and, in a Xing/Info or VBRI header, how many frames and bytes the encoder wrote. Comparing
// that with what is present tells a cut-off download from a complete file.

import { SfaError } from '../protocol/errors.ts';
import { hasAscii, readUint32BE } from './bytes.ts';
import { skipId3v2 } from './id3.ts';
import { findFirstMpegFrame, parseMpegFrameHeader, type MpegFrameHeader } from './mpeg-frame.ts';
import { durationForMessage } from './time-format.ts';

export interface Mp3Info {
  firstFrameOffset: number;
  firstFrame: MpegFrameHeader;
  /** From a Xing/Info or VBRI header; the frame count excludes that header's own frame. */
  declaredFrames?: number;
  /** From a Xing/Info or VBRI header: bytes of audio frames, counted from the header's frame. */
  declaredBytes?: number;
  /** Encoder delay plus end padding from a LAME (or ffmpeg) tag: samples a gapless decoder drops. */
  gapSamples?: number;
}

/** How far past the ID3 tag to look for the first frame: encoders pad tags with zeros. */
const FRAME_SEARCH_BYTES = 64 * 1024;

export function readMp3Info(bytes: Uint8Array): Mp3Info {
  const firstFrameOffset = findFirstMpegFrame(bytes, skipId3v2(bytes), FRAME_SEARCH_BYTES);
  const firstFrame = parseMpegFrameHeader(bytes, firstFrameOffset);
  if (firstFrameOffset < 0 || !firstFrame) {
    throw new SfaError('decode-failed', 'the MP3 data is damaged: no audio frame could be found');
  }
  return { firstFrameOffset, firstFrame, ...readVbrHeader(bytes, firstFrameOffset, firstFrame) };
}

function readVbrHeader(bytes: Uint8Array, frameOffset: number, frame: MpegFrameHeader) {
  // The Xing header sits where the first frame's audio would start, after its side information.
  const sideInfoBytes = frame.version === 1 ? (frame.channels === 1 ? 17 : 32) : frame.channels === 1 ? 9 : 17;
  const xing = frameOffset + 4 + sideInfoBytes;
  if (hasAscii(bytes, xing, 'Xing') || hasAscii(bytes, xing, 'Info')) {
    const flags = readUint32BE(bytes, xing + 4);
    let field = xing + 8;
    const declaredFrames = flags & 1 ? readUint32BE(bytes, field) : undefined;
    if (flags & 1) field += 4;
    const declaredBytes = flags & 2 ? readUint32BE(bytes, field) : undefined;
    if (flags & 2) field += 4;
    // Then an optional 100-byte seek table and a 4-byte quality, then the LAME tag.
    const lameTag = field + (flags & 4 ? 100 : 0) + (flags & 8 ? 4 : 0);
    return { declaredFrames, declaredBytes, gapSamples: readLameGap(bytes, lameTag) };
  }
  const vbri = frameOffset + 4 + 32;
  if (hasAscii(bytes, vbri, 'VBRI')) {
    return { declaredBytes: readUint32BE(bytes, vbri + 10), declaredFrames: readUint32BE(bytes, vbri + 14) };
  }
  return {};
}

/**
 * The LAME tag's encoder delay and padding (12 bits each, 21 bytes into the tag), which LAME
 * and ffmpeg write; other encoders' tags have no such field.
 */
function readLameGap(bytes: Uint8Array, tag: number): number | undefined {
  if (!hasAscii(bytes, tag, 'LAME') && !hasAscii(bytes, tag, 'Lavc') && !hasAscii(bytes, tag, 'Lavf')) return undefined;
  const b0 = bytes[tag + 21] ?? 0;
  const b1 = bytes[tag + 22] ?? 0;
  const b2 = bytes[tag + 23] ?? 0;
  return ((b0 << 4) | (b1 >> 4)) + (((b1 & 0x0f) << 8) | b2);
}

/** Samples per channel a complete file decodes to, where its headers say; else undefined. */
export function expectedMp3Samples(info: Mp3Info): number | undefined {
  if (!info.declaredFrames) return undefined;
  return info.declaredFrames * info.firstFrame.samplesPerFrame - (info.gapSamples ?? 0);
}

/**
 * Throws `truncated` if the VBR header announces more audio than the file holds. A shortfall
 * of less than one frame is tolerated: the decoder drops at most that partial last frame.
 */
export function assertMp3Complete(bytes: Uint8Array, info: Mp3Info): void {
  const { declaredFrames, declaredBytes, firstFrame, firstFrameOffset } = info;
  if (!declaredFrames) return;
  const frameSec = firstFrame.samplesPerFrame / firstFrame.sampleRate;
  const announcedSec = declaredFrames * frameSec;

  let presentSec: number;
  if (declaredBytes) {
    const presentBytes = bytes.length - firstFrameOffset;
    if (declaredBytes - presentBytes < firstFrame.frameBytes) return;
    presentSec = (announcedSec * presentBytes) / declaredBytes;
  } else {
    const walk = countFrames(bytes, firstFrameOffset);
    // A walk stopped by something other than the end of the file (a trailing tag, damage)
    // says nothing about truncation; the decoder deals with damage.
    if (!walk.reachedEnd || declaredFrames - walk.frames <= 1) return;
    presentSec = walk.frames * frameSec;
  }
  throw new SfaError(
    'truncated',
    `the file is truncated: the header announces ${durationForMessage(announcedSec)} of audio ` +
      `but only ${durationForMessage(presentSec)} is present`,
  );
}

/** Complete frames after the first (the VBR header's own), walking header to header. */
function countFrames(bytes: Uint8Array, firstFrameOffset: number): { frames: number; reachedEnd: boolean } {
  let offset = firstFrameOffset;
  let frames = -1;
  for (;;) {
    const header = parseMpegFrameHeader(bytes, offset);
    if (!header) return { frames: Math.max(0, frames), reachedEnd: bytes.length - offset < 4 };
    if (offset + header.frameBytes > bytes.length) return { frames: Math.max(0, frames), reachedEnd: true };
    offset += header.frameBytes;
    frames++;
  }
}
