// ID3v2 tags sit in front of MP3 (and, against the spec, some FLAC) streams; the audio starts
// after them. The tag size is a 28-bit "synchsafe" integer (7 bits per byte).

import { hasAscii } from './bytes.ts';

/** Offset of the first byte after any ID3v2 tags that start at `offset` (several may follow each other). */
export function skipId3v2(bytes: Uint8Array, offset = 0): number {
  let position = offset;
  while (hasAscii(bytes, position, 'ID3') && position + 10 <= bytes.length) {
    const flags = bytes[position + 5] ?? 0;
    const size =
      (((bytes[position + 6] ?? 0) & 0x7f) << 21) |
      (((bytes[position + 7] ?? 0) & 0x7f) << 14) |
      (((bytes[position + 8] ?? 0) & 0x7f) << 7) |
      ((bytes[position + 9] ?? 0) & 0x7f);
    const hasFooter = (flags & 0x10) !== 0;
    position += 10 + size + (hasFooter ? 10 : 0);
  }
  return position;
}
