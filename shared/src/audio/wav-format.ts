// The WAV `fmt ` chunk: WAVEFORMAT, WAVEFORMATEX and WAVEFORMATEXTENSIBLE (whose sub-format
// GUID carries the real format tag). Says how to read one sample, or why we cannot.

import { SfaError } from '../protocol/errors.ts';
import { dataViewOf } from './bytes.ts';

export type WavSampleKind = 'int' | 'float' | 'mulaw' | 'alaw';

export interface WavSampleFormat {
  kind: WavSampleKind;
  channels: number;
  sampleRate: number;
  /** Bytes each sample occupies in the data chunk (its container); a frame is channels x this. */
  bytesPerSample: number;
  /** Human label for the UI, e.g. 'PCM 24-bit', 'Float 32-bit', 'μ-law'. */
  label: string;
}

export const MAX_CHANNELS = 32;
export const MAX_SAMPLE_RATE = 768_000;

export const TAG_PCM = 0x0001;
export const TAG_FLOAT = 0x0003;
const TAG_ALAW = 0x0006;
const TAG_MULAW = 0x0007;
export const TAG_EXTENSIBLE = 0xfffe;

/** The 14 bytes after the 16-bit format tag in every KSDATAFORMAT_SUBTYPE_* GUID we decode. */
export const SUBFORMAT_GUID_TAIL = [0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71];

const CODEC_NAMES: Record<number, string> = {
  0x0002: 'Microsoft ADPCM',
  0x0011: 'IMA ADPCM',
  0x0031: 'GSM 6.10',
  0x0040: 'G.721 ADPCM',
  0x0050: 'MPEG audio',
  0x0055: 'MP3',
  0x00ff: 'AAC',
  0x0161: 'Windows Media Audio',
  0x0162: 'Windows Media Audio Pro',
  0x1610: 'AAC',
  0x2000: 'Dolby Digital (AC-3)',
  0x2001: 'DTS',
};

function hex(tag: number): string {
  return `0x${tag.toString(16).toUpperCase().padStart(4, '0')}`;
}

/** Reads a `fmt ` chunk body. Throws `unsupported-codec` or `decode-failed` (a damaged header). */
export function readWavFormat(fmt: Uint8Array): WavSampleFormat {
  if (fmt.length < 16) throw new SfaError('decode-failed', 'the WAV file is damaged: its format chunk is too short');
  const view = dataViewOf(fmt);
  let tag = view.getUint16(0, true);
  const channels = view.getUint16(2, true);
  const sampleRate = view.getUint32(4, true);
  const blockAlign = view.getUint16(12, true);
  const bitsPerSample = view.getUint16(14, true);
  let validBits = bitsPerSample;

  if (tag === TAG_EXTENSIBLE) {
    if (fmt.length < 40)
      throw new SfaError('decode-failed', 'the WAV file is damaged: its extensible format chunk is too short');
    validBits = view.getUint16(18, true) || bitsPerSample;
    const subTag = view.getUint16(24, true);
    const knownGuid = SUBFORMAT_GUID_TAIL.every((byte, i) => fmt[26 + i] === byte);
    if (!knownGuid)
      throw new SfaError('unsupported-codec', 'unsupported codec: a WAV sub-format this app does not know');
    tag = subTag;
  }

  if (channels === 0) throw new SfaError('decode-failed', 'the WAV file is damaged: it declares 0 channels');
  if (channels > MAX_CHANNELS) {
    throw new SfaError('unsupported-codec', `unsupported: ${channels} channels (at most ${MAX_CHANNELS})`);
  }
  if (sampleRate === 0) throw new SfaError('decode-failed', 'the WAV file is damaged: it declares a sample rate of 0');
  if (sampleRate > MAX_SAMPLE_RATE) {
    throw new SfaError('unsupported-codec', `unsupported sample rate: ${sampleRate} Hz (at most 768 kHz)`);
  }

  // The container may be wider than the bits used (20-bit audio in 3 bytes, 24 in 4); samples
  // are left-justified in it, so reading the whole container gives the right value.
  const declaredContainer = blockAlign % channels === 0 ? blockAlign / channels : 0;
  const bytesPerSample = Math.max(Math.ceil(bitsPerSample / 8), declaredContainer);
  const base = { channels, sampleRate, bytesPerSample };

  switch (tag) {
    case TAG_PCM:
      if (bitsPerSample === 0 || bytesPerSample > 4) {
        throw new SfaError('unsupported-codec', `unsupported codec: ${bitsPerSample}-bit integer PCM in WAV`);
      }
      return { ...base, kind: 'int', label: `PCM ${Math.min(validBits, bytesPerSample * 8)}-bit` };
    case TAG_FLOAT:
      if (bytesPerSample !== 4 && bytesPerSample !== 8) {
        throw new SfaError('unsupported-codec', `unsupported codec: ${bitsPerSample}-bit float in WAV`);
      }
      return { ...base, kind: 'float', label: `Float ${bytesPerSample * 8}-bit` };
    case TAG_MULAW:
    case TAG_ALAW:
      if (bytesPerSample !== 1)
        throw new SfaError('unsupported-codec', `unsupported codec: ${bitsPerSample}-bit G.711 in WAV`);
      return tag === TAG_MULAW ? { ...base, kind: 'mulaw', label: 'μ-law' } : { ...base, kind: 'alaw', label: 'A-law' };
    default: {
      const name = CODEC_NAMES[tag] ?? 'an unknown codec';
      throw new SfaError('unsupported-codec', `unsupported codec: ${name} in WAV (format ${hex(tag)})`);
    }
  }
}
