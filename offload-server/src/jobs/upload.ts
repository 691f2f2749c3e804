// Receives a job's upload into its spool file, frame by frame: each frame must come at the byte
// offset reached so far, and never past the size the client announced. The file is hashed as
// it arrives (it must match the SHA-256 the client announced), and its first bytes are checked
// at once: not audio, or audio longer than the server's limit, stops the upload there.

import { createHash, type Hash } from 'node:crypto';
import { open, type FileHandle } from 'node:fs/promises';
import { sniffFormat } from '@sfa/shared/audio/format';
import { durationForMessage } from '@sfa/shared/audio/time-format';
import { SfaError } from '@sfa/shared/protocol/errors';
import { estimateDuration, oggDuration, type DurationEstimate } from '../audio/duration-estimate.ts';

/** Bytes from the start of the file the early checks look at (and from its end, for Ogg). */
const HEAD_BYTES = 64 * 1024;

export interface UploadLimits {
  maxDurationSec: number;
}

export class UploadSpool {
  readonly #file: FileHandle;
  readonly #expected: { bytes: number; sha256: string };
  readonly #limits: UploadLimits;
  readonly #hash: Hash = createHash('sha256');
  readonly #head: Uint8Array;
  #received = 0;
  #checked = false;
  #closed = false;

  private constructor(file: FileHandle, expected: { bytes: number; sha256: string }, limits: UploadLimits) {
    this.#file = file;
    this.#expected = expected;
    this.#limits = limits;
    this.#head = new Uint8Array(Math.min(HEAD_BYTES, expected.bytes));
  }

  /** Starts (or restarts, truncating) the spool file at `path`. */
  static async open(path: string, expected: { bytes: number; sha256: string }, limits: UploadLimits) {
    return new UploadSpool(await open(path, 'w+'), expected, limits);
  }

  get received(): number {
    return this.#received;
  }

  get complete(): boolean {
    return this.#received === this.#expected.bytes;
  }

  /**
   * Appends a frame's payload found at `offset`. Throws SfaError 'bad-request' for a frame out
   * of order and 'too-large' past the announced size (nothing of that frame is kept).
   */
  async write(offset: number, payload: Uint8Array): Promise<void> {
    if (offset !== this.#received) {
      throw new SfaError('bad-request', `upload bytes at offset ${offset}, expected ${this.#received}`);
    }
    if (this.#received + payload.length > this.#expected.bytes) {
      throw new SfaError(
        'too-large',
        `the upload goes past the ${this.#expected.bytes} bytes announced; it was stopped there`,
      );
    }
    await this.#file.write(payload, 0, payload.length, offset);
    this.#hash.update(payload);
    if (offset < this.#head.length) this.#head.set(payload.subarray(0, this.#head.length - offset), offset);
    this.#received += payload.length;
  }

  /**
   * Once the first bytes are in, checks them (once): throws SfaError 'not-audio' (and the other
   * sniffing codes) or 'too-large' when they already say so.
   */
  checkHead(): void {
    if (this.#checked || this.#received < this.#head.length) return;
    this.#checked = true;
    try {
      sniffFormat(this.#head);
    } catch (error) {
      // 'truncated' here only means a tag longer than the head (album art): decoding decides.
      if (error instanceof SfaError && error.code !== 'truncated') throw error;
    }
    this.#checkDuration(estimateDuration(this.#head, this.#expected.bytes));
  }

  #checkDuration(estimate: DurationEstimate | undefined): void {
    if (!estimate) return;
    // A bitrate guess can be off by a factor of two either way on VBR: refuse early only when
    // even the generous reading is too long.
    const limit = this.#limits.maxDurationSec * (estimate.exact ? 1 : 2);
    if (estimate.durationSec > limit) {
      throw new SfaError(
        'too-large',
        `the audio is ${durationForMessage(estimate.durationSec)} long; this server takes up to ` +
          durationForMessage(this.#limits.maxDurationSec),
      );
    }
  }

  /** Checks the whole upload (its SHA-256, and an Ogg file's length) and closes the file. */
  async finish(): Promise<void> {
    try {
      const sha256 = this.#hash.digest('hex');
      if (sha256 !== this.#expected.sha256) {
        throw new SfaError('bad-request', 'the upload does not match the SHA-256 announced for it');
      }
      const tail = new Uint8Array(Math.min(HEAD_BYTES, this.#received));
      await this.#file.read(tail, 0, tail.length, this.#received - tail.length);
      this.#checkDuration(oggDuration(this.#head, tail));
    } finally {
      await this.close();
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#file.close();
  }
}
