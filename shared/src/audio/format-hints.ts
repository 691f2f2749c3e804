// Why a file is not something we can decode, in words: "it is a PNG image", "it starts with
// text", or an audio format we recognise but do not support (AIFF, WMA, raw AAC, ...).

import { SfaError } from '../protocol/errors.ts';
import { hasAscii } from './bytes.ts';

type Magic = readonly [offset: number, bytes: string | readonly number[]];

interface Signature {
  what: string;
  /** Every part must match. */
  magic: readonly Magic[];
}

/** Audio formats we recognise but do not decode. */
const UNSUPPORTED_AUDIO: readonly Signature[] = [
  {
    what: 'AIFF audio',
    magic: [
      [0, 'FORM'],
      [8, 'AIF'],
    ],
  },
  { what: 'big-endian WAV (RIFX)', magic: [[0, 'RIFX']] },
  { what: 'Core Audio (CAF)', magic: [[0, 'caff']] },
  { what: 'Windows Media (WMA/ASF)', magic: [[0, [0x30, 0x26, 0xb2, 0x75, 0x8e, 0x66, 0xcf, 0x11]]] },
  { what: 'Matroska/WebM', magic: [[0, [0x1a, 0x45, 0xdf, 0xa3]]] },
  { what: 'AMR speech', magic: [[0, '#!AMR']] },
  { what: 'WavPack', magic: [[0, 'wvpk']] },
  { what: "Monkey's Audio (APE)", magic: [[0, 'MAC ']] },
  { what: 'Sun/NeXT audio (AU)', magic: [[0, '.snd']] },
  { what: 'Dolby Digital (AC-3)', magic: [[0, [0x0b, 0x77]]] },
  { what: 'MIDI (notes, not recorded sound)', magic: [[0, 'MThd']] },
];

const NOT_AUDIO: readonly Signature[] = [
  { what: 'it is a PNG image', magic: [[0, [0x89, 0x50, 0x4e, 0x47]]] },
  { what: 'it is a JPEG image', magic: [[0, [0xff, 0xd8, 0xff]]] },
  { what: 'it is a GIF image', magic: [[0, 'GIF8']] },
  {
    what: 'it is a WebP image',
    magic: [
      [0, 'RIFF'],
      [8, 'WEBP'],
    ],
  },
  {
    what: 'it is an AVI video',
    magic: [
      [0, 'RIFF'],
      [8, 'AVI '],
    ],
  },
  { what: 'it is a PDF document', magic: [[0, '%PDF']] },
  { what: 'it is a ZIP archive (or an Office document)', magic: [[0, [0x50, 0x4b, 0x03, 0x04]]] },
  { what: 'it is a gzip archive', magic: [[0, [0x1f, 0x8b]]] },
  { what: 'it is a 7-Zip archive', magic: [[0, [0x37, 0x7a, 0xbc, 0xaf]]] },
  { what: 'it is a RAR archive', magic: [[0, 'Rar!']] },
  { what: 'it is a program (ELF)', magic: [[0, [0x7f, 0x45, 0x4c, 0x46]]] },
  { what: 'it is a Windows program', magic: [[0, 'MZ']] },
];

function matches(bytes: Uint8Array, signature: Signature): boolean {
  return signature.magic.every(([offset, expected]) =>
    typeof expected === 'string'
      ? hasAscii(bytes, offset, expected)
      : expected.every((value, i) => bytes[offset + i] === value),
  );
}

/** A raw AAC stream: an ADTS sync word (12 bits set) with layer 0, which MPEG audio never uses. */
function isAdts(bytes: Uint8Array): boolean {
  return bytes[0] === 0xff && ((bytes[1] ?? 0) & 0xf6) === 0xf0;
}

/** The error for bytes that are not one of the formats we decode. */
export function explainUnrecognised(bytes: Uint8Array): SfaError {
  const audio = UNSUPPORTED_AUDIO.find((s) => matches(bytes, s));
  if (audio) return new SfaError('unsupported-codec', `unsupported format: ${audio.what}`);
  if (isAdts(bytes)) return new SfaError('unsupported-codec', 'unsupported format: raw AAC (ADTS); use an .m4a file');
  const other = NOT_AUDIO.find((s) => matches(bytes, s));
  if (other) return new SfaError('not-audio', `not an audio file: ${other.what}`);
  const text = describeText(bytes);
  if (text) return new SfaError('not-audio', `not an audio file: ${text}`);
  return new SfaError('not-audio', 'not an audio file: its contents match no audio format we know');
}

/** "it is a web page (HTML)" etc. if the first bytes read as text, else undefined. */
function describeText(bytes: Uint8Array): string | undefined {
  const head = bytes.subarray(0, 512);
  for (const byte of head) {
    // Control characters other than tab, line feed, form feed and carriage return mean binary.
    if (byte < 0x20 && byte !== 0x09 && byte !== 0x0a && byte !== 0x0c && byte !== 0x0d) return undefined;
    if (byte === 0x7f) return undefined;
  }
  const start = new TextDecoder('utf-8', { fatal: false })
    .decode(head)
    .replace(/^\uFEFF/, '')
    .trimStart();
  const lower = start.slice(0, 64).toLowerCase();
  if (lower.startsWith('<!doctype html') || lower.startsWith('<html')) return 'it is a web page (HTML)';
  if (lower.startsWith('<?xml') || lower.startsWith('<svg')) return 'it is an XML document';
  if (lower.startsWith('#extm3u')) return 'it is a playlist (M3U), not the audio it lists';
  if (lower.startsWith('[playlist]')) return 'it is a playlist (PLS), not the audio it lists';
  return 'it starts with text';
}
