// The client's copy of a job's stems while they stream in: bytes per stem, appended only at the
// exact offset the stem has reached, so a resumed stream can neither leave a gap nor repeat a
// byte. What it holds is what the client reports as `have` when it reconnects.

import { sha256Hex } from '../library/content-hash.ts';

export class StemAssembler {
  readonly #chunks = new Map<string, Uint8Array[]>();
  readonly #lengths = new Map<string, number>();

  /** Starts from bytes already held (e.g. kept from an earlier session), or from nothing. */
  constructor(received: Readonly<Record<string, Uint8Array>> = {}) {
    for (const [stem, bytes] of Object.entries(received)) {
      if (bytes.length > 0) {
        this.#chunks.set(stem, [bytes]);
        this.#lengths.set(stem, bytes.length);
      }
    }
  }

  /** Bytes held of `stem`: the offset its next byte must come at. */
  length(stem: string): number {
    return this.#lengths.get(stem) ?? 0;
  }

  /** Offsets per stem, for the `have` field of an open message (stems with no bytes left out). */
  have(stems: readonly string[]): Record<string, number> {
    const have: Record<string, number> = {};
    for (const stem of stems) if (this.length(stem) > 0) have[stem] = this.length(stem);
    return have;
  }

  /** Appends `bytes` at `offset`; false (and nothing kept) when `offset` is not the stem's length. */
  append(stem: string, offset: number, bytes: Uint8Array): boolean {
    if (offset !== this.length(stem)) return false;
    if (bytes.length === 0) return true;
    const chunks = this.#chunks.get(stem) ?? [];
    // A copy: the payload is a view into a frame buffer the socket may reuse.
    chunks.push(bytes.slice());
    this.#chunks.set(stem, chunks);
    this.#lengths.set(stem, offset + bytes.length);
    return true;
  }

  /** Forgets a stem (a checksum mismatch: it will be fetched again from byte 0). */
  reset(stem: string): void {
    this.#chunks.delete(stem);
    this.#lengths.delete(stem);
  }

  /** The stem's bytes as one array (joined once, then kept joined). */
  bytes(stem: string): Uint8Array {
    const chunks = this.#chunks.get(stem) ?? [];
    if (chunks.length === 1) return chunks[0]!;
    const joined = new Uint8Array(this.length(stem));
    let at = 0;
    for (const chunk of chunks) {
      joined.set(chunk, at);
      at += chunk.length;
    }
    this.#chunks.set(stem, [joined]);
    return joined;
  }

  /** Lower-case hex SHA-256 of the stem's bytes. */
  sha256(stem: string): Promise<string> {
    return sha256Hex(this.bytes(stem) as Uint8Array<ArrayBuffer>);
  }
}
