// The Xing/Info frame that opens an MP3 (a silent frame decoders skip), with the LAME tag in it:
// the frame count and the encoder delay and padding let a gapless decoder (mpg123, ffmpeg,
// foobar2000, iTunes) cut the output to exactly the samples that went in; the byte count and seek
// table help players seek in VBR files. Layout from LAME's VbrTag.c and the "Mp3 Info Tag rev 1"
// specification (gabriel.mp3-tech.org/mp3infotag.html).
import { ByteWriter } from './byte-writer.ts';

/** LAME's encoder delay in samples; decoders add their own 529 on top (LAME's "ENCDELAY"). */
export const LAME_ENCODER_DELAY = 576;
/** What the wasm build of LAME (wasm-media-encoders) writes into the tag's version field. */
const LAME_VERSION = 'LAME3.100';
const TOC_ENTRIES = 100;
const LAME_TAG_BYTES = 36;

const BITRATES_KBPS = {
  mpeg1: [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320],
  mpeg2: [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
};
const SAMPLE_RATES: Record<number, number[]> = {
  3: [44100, 48000, 32000], // MPEG-1
  2: [22050, 24000, 16000], // MPEG-2
  0: [11025, 12000, 8000], // MPEG-2.5
};

export interface MpegHeader {
  /** 3 = MPEG-1, 2 = MPEG-2, 0 = MPEG-2.5 (the header's 2-bit field). */
  versionBits: number;
  bitrateIndex: number;
  sampleRate: number;
  isMono: boolean;
  /** Samples per channel in one frame: 1152 (MPEG-1) or 576. */
  samplesPerFrame: number;
  frameBytes: number;
}

/** Reads a layer III frame header (4 bytes); undefined if it is not one. */
export function parseMpegHeader(bytes: ArrayLike<number>): MpegHeader | undefined {
  const [b0 = 0, b1 = 0, b2 = 0, b3 = 0] = [bytes[0], bytes[1], bytes[2], bytes[3]];
  if (b0 !== 0xff || (b1 & 0xe0) !== 0xe0 || ((b1 >> 1) & 3) !== 1) return undefined;
  const versionBits = (b1 >> 3) & 3;
  const bitrateIndex = b2 >> 4;
  const sampleRate = SAMPLE_RATES[versionBits]?.[(b2 >> 2) & 3];
  if (!sampleRate || bitrateIndex === 0 || bitrateIndex === 15) return undefined;
  const isMpeg1 = versionBits === 3;
  const kbps = (isMpeg1 ? BITRATES_KBPS.mpeg1 : BITRATES_KBPS.mpeg2)[bitrateIndex]!;
  const padding = (b2 >> 1) & 1;
  return {
    versionBits,
    bitrateIndex,
    sampleRate,
    isMono: b3 >> 6 === 3,
    samplesPerFrame: isMpeg1 ? 1152 : 576,
    frameBytes: Math.floor(((isMpeg1 ? 144_000 : 72_000) * kbps) / sampleRate) + padding,
  };
}

export interface XingFields {
  /** The first audio frame's header, whose version, rate and channel mode the Info frame copies. */
  firstFrameHeader: Uint8Array;
  /** CBR writes "Info" at the audio's own bit rate, VBR "Xing". */
  isVbr: boolean;
  /** LAME's -V for VBR, for the tag's quality field. */
  vbrQuality?: number;
  /** Audio frames after this one. */
  frameCount: number;
  delaySamples: number;
  paddingSamples: number;
  /** With `seekable`, room for the byte count and seek table, filled in when known. */
  seekable: boolean;
  /** Bytes from this frame's start to the end of the audio (this frame included). */
  totalBytes?: number;
  /** Bytes of the audio frames after this one. */
  audioBytes?: number;
  /** Offsets of the audio frames at 0%, 1%... 99% of them, from the first (as LAME counts). */
  tocOffsets?: number[];
  /** CRC-16 of the audio frames after this one. */
  musicCrc?: number;
}

/** The whole Info/Xing frame, zero-padded to its frame size. */
export function xingFrame(fields: XingFields): Uint8Array {
  const first = parseMpegHeader(fields.firstFrameHeader);
  if (!first) throw new Error('the MP3 encoder wrote no frame header');
  const isMpeg1 = first.versionBits === 3;
  const sideInfoBytes = isMpeg1 ? (first.isMono ? 17 : 32) : first.isMono ? 9 : 17;
  const flags = fields.seekable ? 0x1 | 0x2 | 0x4 | 0x8 : 0x1 | 0x8;
  const fieldBytes = 8 + 4 + (fields.seekable ? 4 + TOC_ENTRIES : 0) + 4 + LAME_TAG_BYTES;
  const neededBytes = 4 + sideInfoBytes + fieldBytes + 2;
  // CBR keeps its bit rate (players take an Info frame's rate as the file's) unless too small to fit.
  const keepsRate = !fields.isVbr && first.frameBytes - 1 >= neededBytes;
  const bitrateIndex = keepsRate ? first.bitrateIndex : smallestBitrateIndex(first, neededBytes);
  const header = Uint8Array.from(fields.firstFrameHeader.subarray(0, 4));
  header[1]! |= 0x01; // no CRC
  header[2] = (bitrateIndex << 4) | (header[2]! & 0x0c); // no padding slot, private bit clear
  const frameBytes = parseMpegHeader(header)!.frameBytes;

  const out = new ByteWriter().bytes(header).zeros(sideInfoBytes);
  out
    .ascii(fields.isVbr ? 'Xing' : 'Info')
    .u32be(flags)
    .u32be(fields.frameCount);
  if (fields.seekable) out.u32be(fields.totalBytes ?? 0).bytes(toc(fields.tocOffsets, fields.audioBytes));
  // Xing's quality: 0 (best) to 100; LAME writes 100 - 10 * V for VBR.
  out.u32be(fields.isVbr ? Math.round(100 - 10 * (fields.vbrQuality ?? 4)) : 0);

  out.ascii(LAME_VERSION);
  out.u8(fields.isVbr ? 0x04 : 0x01); // tag revision 0; method: 1 CBR, 4 VBR (LAME's "mtrh")
  out.u8(0); // lowpass: not recorded
  out.zeros(4 + 2 + 2); // peak and ReplayGain: not computed
  out.u8(0); // encoding flags and ATH type
  out.u8(fields.isVbr ? 0 : Math.min(255, bitrateKbps(first))); // CBR's bit rate, or "unknown" minimum
  out.u24be((Math.min(fields.delaySamples, 0xfff) << 12) | Math.min(fields.paddingSamples, 0xfff));
  out.u8(sourceRateBits(first.sampleRate));
  out.u8(0); // MP3 gain
  out.u16be(0); // preset and surround
  out.u32be(fields.totalBytes ?? 0);
  out.u16be(fields.musicCrc ?? 0);
  const tag = out.toBytes();
  const frame = new Uint8Array(frameBytes);
  frame.set(tag);
  // The tag's own CRC covers the frame up to it.
  const crc = crc16(frame.subarray(0, tag.length), 0);
  frame[tag.length] = crc >> 8;
  frame[tag.length + 1] = crc & 0xff;
  return frame;
}

function bitrateKbps(header: MpegHeader): number {
  return (header.versionBits === 3 ? BITRATES_KBPS.mpeg1 : BITRATES_KBPS.mpeg2)[header.bitrateIndex]!;
}

function smallestBitrateIndex(header: MpegHeader, neededBytes: number): number {
  const table = header.versionBits === 3 ? BITRATES_KBPS.mpeg1 : BITRATES_KBPS.mpeg2;
  const perKbps = (header.versionBits === 3 ? 144_000 : 72_000) / header.sampleRate;
  const index = table.findIndex((kbps, i) => i > 0 && Math.floor(perKbps * kbps) >= neededBytes);
  return index > 0 ? index : table.length - 1;
}

/** The tag's "source sample frequency": 0 up to 32 kHz, 1 for 44.1, 2 for 48, 3 above. */
function sourceRateBits(sampleRate: number): number {
  const bits = sampleRate <= 32000 ? 0 : sampleRate === 44100 ? 1 : sampleRate === 48000 ? 2 : 3;
  return bits << 6;
}

/** Each entry is the byte position of i% of the frames, in 256ths of the whole (Xing's TOC). */
function toc(offsets: number[] | undefined, audioBytes: number | undefined): Uint8Array {
  const table = new Uint8Array(TOC_ENTRIES);
  if (!offsets || !audioBytes) return table;
  for (let i = 0; i < TOC_ENTRIES; i++) {
    table[i] = Math.min(255, Math.floor((256 * (offsets[i] ?? offsets.at(-1) ?? 0)) / audioBytes));
  }
  return table;
}

const CRC16_TABLE = Uint16Array.from({ length: 256 }, (_, n) => {
  let crc = n;
  for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ 0xa001 : crc >>> 1;
  return crc;
});

/** CRC-16/ARC (LAME's crc16 for the tag and the music), continuing from `crc`. */
export function crc16(bytes: Uint8Array, crc: number): number {
  let value = crc;
  for (const byte of bytes) value = (value >>> 8) ^ CRC16_TABLE[(value ^ byte) & 0xff]!;
  return value;
}
