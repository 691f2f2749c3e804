// The client's account of a job's stems while they stream in: per stem the byte count and an
// incremental SHA-256, and, when the caller wants the stems back whole, the bytes themselves.
// Bytes are taken only at the exact offset the stem has reached, so a resumed stream can
// neither leave a gap nor repeat a byte. The counts are what the client reports as `have`.

import { Sha256 } from './sha256.ts';

/** A stem's bytes already held by the caller (streaming): how many, and their hash so far. */
export interface HeldStem {
  length: number;
  hasher: Sha256;
}

interface StemState {
  hasher: Sha256;
  /** Only when the stems are kept: copies of what arrived, joined on demand. */
  chunks?: Uint8Array[];
}

export class StemAssembler {
  readonly #stems = new Map<string, StemState>();
  readonly #keep: boolean;

  /**
   * `keep`: hold every byte, for `bytes()` at the end; otherwise only counts and hashes are
   * held and the caller stores what arrives. `received` is what an earlier session held: bytes
   * (fed through the hash, and kept when `keep`), or a count and hash from a streaming caller.
   */
  constructor(received: Readonly<Record<string, Uint8Array | HeldStem>> = {}, { keep = true } = {}) {
    this.#keep = keep;
    for (const [stem, held] of Object.entries(received)) {
      if (held instanceof Uint8Array) {
        if (held.length > 0) this.#state(stem).hasher.update(held);
        if (held.length > 0 && keep) this.#state(stem).chunks!.push(held);
      } else {
        if (keep) throw new TypeError(`stem ${stem}: a held count and hash, but the stems are to be kept whole`);
        if (held.length !== held.hasher.length) {
          throw new TypeError(`stem ${stem}: ${held.length} bytes held, ${held.hasher.length} hashed`);
        }
        if (held.length > 0) this.#stems.set(stem, { hasher: held.hasher });
      }
    }
  }

  /** Whether the bytes are kept (else only counted and hashed). */
  get keeps(): boolean {
    return this.#keep;
  }

  /** Bytes held of `stem`: the offset its next byte must come at. */
  length(stem: string): number {
    return this.#stems.get(stem)?.hasher.length ?? 0;
  }

  /** Offsets per stem, for the `have` field of an open message (stems with no bytes left out). */
  have(stems: readonly string[]): Record<string, number> {
    const have: Record<string, number> = {};
    for (const stem of stems) if (this.length(stem) > 0) have[stem] = this.length(stem);
    return have;
  }

  /** Takes `bytes` at `offset`; false (and nothing taken) when `offset` is not the stem's length. */
  append(stem: string, offset: number, bytes: Uint8Array): boolean {
    if (offset !== this.length(stem)) return false;
    if (bytes.length === 0) return true;
    const state = this.#state(stem);
    state.hasher.update(bytes);
    // A copy: the payload is a view into a frame buffer the socket may reuse.
    state.chunks?.push(bytes.slice());
    return true;
  }

  /** Forgets a stem (a checksum mismatch: it will be fetched again from byte 0). */
  reset(stem: string): void {
    this.#stems.delete(stem);
  }

  /** The stem's bytes as one array (joined once, then kept joined); only when kept. */
  bytes(stem: string): Uint8Array {
    if (!this.#keep) throw new TypeError('the stems are streamed to the caller, not kept');
    const chunks = this.#stems.get(stem)?.chunks ?? [];
    if (chunks.length === 1) return chunks[0]!;
    const joined = new Uint8Array(this.length(stem));
    let at = 0;
    for (const chunk of chunks) {
      joined.set(chunk, at);
      at += chunk.length;
    }
    if (this.#stems.has(stem)) this.#stems.get(stem)!.chunks = [joined];
    return joined;
  }

  /** Lower-case hex SHA-256 of the stem's bytes so far. */
  sha256(stem: string): string {
    return (this.#stems.get(stem)?.hasher ?? new Sha256()).hex();
  }

  #state(stem: string): StemState {
    let state = this.#stems.get(stem);
    if (!state) {
      state = { hasher: new Sha256(), ...(this.#keep ? { chunks: [] } : {}) };
      this.#stems.set(stem, state);
    }
    return state;
  }
}
