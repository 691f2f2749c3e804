// A ByteSink into memory that grows as bytes arrive and can be patched: for tests and for
// exports small enough to hand to the page as one Blob.
import type { ByteSink } from './types.ts';

export interface MemorySink extends ByteSink {
  patch(offset: number, bytes: Uint8Array): Promise<void>;
  /** Bytes written so far. */
  readonly length: number;
  /** A copy of everything written so far. */
  bytes(): Uint8Array;
}

const INITIAL_CAPACITY = 64 * 1024;

export function createMemorySink(): MemorySink {
  let buffer = new Uint8Array(INITIAL_CAPACITY);
  let length = 0;

  const ensure = (end: number) => {
    if (end <= buffer.length) return;
    // Doubling keeps appends amortised O(1) without holding a list of pieces.
    const grown = new Uint8Array(Math.max(end, buffer.length * 2));
    grown.set(buffer.subarray(0, length));
    buffer = grown;
  };

  return {
    get length() {
      return length;
    },
    async write(bytes) {
      ensure(length + bytes.length);
      buffer.set(bytes, length);
      length += bytes.length;
    },
    async patch(offset, bytes) {
      if (!Number.isInteger(offset) || offset < 0 || offset + bytes.length > length) {
        throw new RangeError(`patch of ${bytes.length} bytes at ${offset} is outside the ${length} bytes written`);
      }
      buffer.set(bytes, offset);
    },
    bytes() {
      return buffer.slice(0, length);
    },
  };
}
