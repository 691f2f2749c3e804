// How long an upload's audio is, from its headers alone, while it is still arriving: so an
// upload over the server's duration limit is stopped at its first bytes, not decoded first.
// The decoded length is checked again before the job runs; these estimates only refuse early.

import { readFlacStreamInfo } from '@sfa/shared/audio/flac-info';
import { sniffFormat } from '@sfa/shared/audio/format';
import { expectedMp3Samples, readMp3Info } from '@sfa/shared/audio/mp3-info';
import { identifyOggStream } from '@sfa/shared/audio/ogg-pages';
import { readWavFormat } from '@sfa/shared/audio/wav-format';

export interface DurationEstimate {
  durationSec: number;
  /** False for a guess from an MP3's first frame bitrate (a VBR file without a Xing header). */
  exact: boolean;
}

function wavDuration(head: Uint8Array, totalBytes: number): DurationEstimate | undefined {
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  let fmt: ReturnType<typeof readWavFormat> | undefined;
  for (let offset = 12; offset + 8 <= head.length;) {
    const id = String.fromCharCode(...head.subarray(offset, offset + 4));
    const size = view.getUint32(offset + 4, true);
    if (id === 'fmt ') {
      if (offset + 8 + size > head.length) return undefined;
      fmt = readWavFormat(head.subarray(offset + 8, offset + 8 + size));
    } else if (id === 'data') {
      if (!fmt) return undefined;
      // 0 and all-ones mean "unknown" in streamed and RF64 files: the rest of the file.
      const declared = size === 0 || size === 0xffffffff ? totalBytes - offset - 8 : size;
      const bytes = Math.min(declared, totalBytes - offset - 8);
      return { durationSec: bytes / (fmt.bytesPerSample * fmt.channels * fmt.sampleRate), exact: true };
    }
    offset += 8 + size + (size % 2);
  }
  return undefined;
}

function mp3Duration(head: Uint8Array, totalBytes: number): DurationEstimate | undefined {
  const info = readMp3Info(head);
  const samples = expectedMp3Samples(info);
  if (samples !== undefined) return { durationSec: samples / info.firstFrame.sampleRate, exact: true };
  const { frameBytes, samplesPerFrame, sampleRate } = info.firstFrame;
  const frames = (totalBytes - info.firstFrameOffset) / frameBytes;
  return { durationSec: (frames * samplesPerFrame) / sampleRate, exact: false };
}

/**
 * The duration the file's headers announce, from its first bytes (`head`) and its full size;
 * undefined where the headers do not say (Ogg before its end, MP4, a tag larger than `head`).
 */
export function estimateDuration(head: Uint8Array, totalBytes: number): DurationEstimate | undefined {
  try {
    const { container } = sniffFormat(head);
    if (container === 'wav') return wavDuration(head, totalBytes);
    if (container === 'mp3') return mp3Duration(head, totalBytes);
    if (container === 'flac') {
      const info = readFlacStreamInfo(head);
      return info.totalSamples > 0 ? { durationSec: info.totalSamples / info.sampleRate, exact: true } : undefined;
    }
  } catch {
    // A header cut short by `head`, or damaged: the decoder will say what is wrong.
  }
  return undefined;
}

/** An Ogg file's duration from its first page (`head`) and its last page (somewhere in `tail`). */
export function oggDuration(head: Uint8Array, tail: Uint8Array): DurationEstimate | undefined {
  try {
    const stream = identifyOggStream(head);
    for (let i = tail.length - 27; i >= 0; i--) {
      if (tail[i] !== 0x4f || tail[i + 1] !== 0x67 || tail[i + 2] !== 0x67 || tail[i + 3] !== 0x53) continue;
      const granule = Number(new DataView(tail.buffer, tail.byteOffset + i + 6, 8).getBigInt64(0, true));
      if (granule < 0) continue;
      return { durationSec: Math.max(0, granule - stream.preSkip) / stream.granuleRate, exact: true };
    }
  } catch {
    // Not an Ogg stream we know: the decoder will say.
  }
  return undefined;
}
