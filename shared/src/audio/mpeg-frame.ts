// MPEG audio (MP1/MP2/MP3) frame headers: enough to recognise a stream, find its first frame,
// learn its channel count and walk it frame by frame. ISO 11172-3 / 13818-3 header layout.

export interface MpegFrameHeader {
  /** 1 for MPEG-1, 2 for MPEG-2, 2.5 for the unofficial MPEG-2.5 low rates. */
  version: 1 | 2 | 2.5;
  layer: 1 | 2 | 3;
  bitrateKbps: number;
  sampleRate: number;
  channels: 1 | 2;
  frameBytes: number;
  samplesPerFrame: number;
}

const BITRATES_KBPS: Record<string, readonly number[]> = {
  'v1-l1': [32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448],
  'v1-l2': [32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384],
  'v1-l3': [32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320],
  'v2-l1': [32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256],
  'v2-l2': [8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
};

const SAMPLE_RATES: Record<1 | 2 | 2.5, readonly number[]> = {
  1: [44100, 48000, 32000],
  2: [22050, 24000, 16000],
  2.5: [11025, 12000, 8000],
};

/** The frame header at `offset`, or undefined if those 4 bytes are not a usable header. */
export function parseMpegFrameHeader(bytes: Uint8Array, offset: number): MpegFrameHeader | undefined {
  if (offset < 0 || offset + 4 > bytes.length) return undefined;
  const b1 = bytes[offset + 1] ?? 0;
  const b2 = bytes[offset + 2] ?? 0;
  const b3 = bytes[offset + 3] ?? 0;
  if (bytes[offset] !== 0xff || (b1 & 0xe0) !== 0xe0) return undefined;

  const versionBits = (b1 >> 3) & 3;
  const layerBits = (b1 >> 1) & 3;
  const bitrateIndex = b2 >> 4;
  const rateIndex = (b2 >> 2) & 3;
  // Reserved values, and "free format" bitrate (index 0), whose frame size we cannot know.
  if (versionBits === 1 || layerBits === 0 || bitrateIndex === 0 || bitrateIndex === 15) return undefined;
  if (rateIndex === 3 || (b3 & 3) === 2) return undefined;

  const version = versionBits === 3 ? 1 : versionBits === 2 ? 2 : 2.5;
  const layer = (4 - layerBits) as 1 | 2 | 3;
  const table = version === 1 ? `v1-l${layer}` : layer === 1 ? 'v2-l1' : 'v2-l2';
  const bitrateKbps = BITRATES_KBPS[table]?.[bitrateIndex - 1] ?? 0;
  const sampleRate = SAMPLE_RATES[version][rateIndex] ?? 0;
  const padding = (b2 >> 1) & 1;
  const channels = b3 >> 6 === 3 ? 1 : 2;

  const samplesPerFrame = layer === 1 ? 384 : layer === 3 && version !== 1 ? 576 : 1152;
  const frameBytes =
    layer === 1
      ? (Math.floor((12 * bitrateKbps * 1000) / sampleRate) + padding) * 4
      : Math.floor(((samplesPerFrame / 8) * bitrateKbps * 1000) / sampleRate) + padding;
  return { version, layer, bitrateKbps, sampleRate, channels, frameBytes, samplesPerFrame };
}

/**
 * Offset of the first frame at or after `start` (searching at most `searchBytes` bytes) whose
 * header is followed by a second header of the same stream, or -1. One frame sync alone is
 * too easy to hit by chance in arbitrary data; two in a row at the announced distance is not.
 */
export function findFirstMpegFrame(bytes: Uint8Array, start: number, searchBytes: number): number {
  const end = Math.min(bytes.length - 4, start + searchBytes);
  for (let offset = start; offset <= end; offset++) {
    if (bytes[offset] !== 0xff) continue;
    const first = parseMpegFrameHeader(bytes, offset);
    if (!first) continue;
    const next = parseMpegFrameHeader(bytes, offset + first.frameBytes);
    if (next && sameStream(first, next)) return offset;
  }
  return -1;
}

function sameStream(a: MpegFrameHeader, b: MpegFrameHeader): boolean {
  return a.version === b.version && a.layer === b.layer && a.sampleRate === b.sampleRate;
}
