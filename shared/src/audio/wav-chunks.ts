// Walks the chunks of a RIFF/WAVE (or RF64/BW64) file to find the format and the audio data.
// Chunks we do not need (LIST, bext, id3, JUNK, ...) are skipped; odd sizes are padded to even.

import { SfaError } from '../protocol/errors.ts';
import { dataViewOf, readAscii } from './bytes.ts';

export interface WavChunks {
  fmt: Uint8Array;
  dataOffset: number;
  /** Size of the data chunk as its header (or the RF64 ds64 chunk) announces it. */
  dataDeclaredBytes: number;
  /** Bytes of the data chunk that are actually in the file. */
  dataPresentBytes: number;
}

/** A 32-bit size field of all ones: "see ds64" in RF64, "unknown, until end of file" when streamed. */
const SIZE_UNKNOWN = 0xffffffff;

export function readWavChunks(bytes: Uint8Array): WavChunks {
  const view = dataViewOf(bytes);
  let fmt: Uint8Array | undefined;
  let ds64DataBytes: number | undefined;
  let offset = 12;

  while (offset + 8 <= bytes.length) {
    const id = readAscii(bytes, offset, 4);
    const size = view.getUint32(offset + 4, true);
    const body = offset + 8;

    if (id === 'data') {
      if (!fmt)
        throw new SfaError('decode-failed', 'the WAV file is damaged: its audio data comes before its format chunk');
      const present = bytes.length - body;
      let declared = size;
      if (size === SIZE_UNKNOWN) declared = ds64DataBytes ?? present;
      return { fmt, dataOffset: body, dataDeclaredBytes: declared, dataPresentBytes: Math.min(present, declared) };
    }
    if (body + size > bytes.length) {
      throw new SfaError(
        'truncated',
        `the file is truncated: it ends inside its "${id.trim()}" chunk, before the audio data`,
      );
    }
    if (id === 'fmt ') fmt = bytes.subarray(body, body + size);
    // RF64 (EBU Tech 3306): 64-bit RIFF size, then the 64-bit data size.
    if (id === 'ds64' && size >= 16) ds64DataBytes = Number(view.getBigUint64(body + 8, true));
    offset = body + size + (size & 1);
  }

  if (!fmt) throw new SfaError('decode-failed', 'the WAV file is damaged: it has no format chunk');
  throw new SfaError('no-audio', 'the file contains no audio samples: it has no data chunk');
}
