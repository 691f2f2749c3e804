// Streams a job's stems to one connection from the stem files on disk, from the byte offsets
// the client already has, as the files grow: stems interleaved frame by frame, each frame sent
// only while the socket holds less than a high-water mark of unsent bytes. So a slow client
// costs the server at most that much memory, never a whole song; the rest waits on disk.

import { open, type FileHandle } from 'node:fs/promises';
import type { WebSocket } from 'ws';
import { encodeFrame, FrameKind } from '@sfa/shared/offload/frames';
import { SfaError } from '@sfa/shared/protocol/errors';
import type { Job } from './job.ts';
import type { JobStore } from './job-store.ts';

export interface StemSenderOptions {
  frameBytes: number;
  highWaterBytes: number;
  onBytesSent(bytes: number): void;
}

export type SenderEnd = 'done' | 'failed' | 'cancelled' | 'stopped';

export class StemSender {
  readonly #job: Job;
  readonly #socket: WebSocket;
  readonly #store: JobStore;
  readonly #offsets: number[];
  readonly #options: StemSenderOptions;
  readonly #files: (FileHandle | undefined)[];
  #seq = 0;
  #lastStem = -1;
  #unsent = 0;
  #stopped = false;
  #wake: (() => void) | undefined;

  constructor(job: Job, socket: WebSocket, store: JobStore, offsets: number[], options: StemSenderOptions) {
    this.#job = job;
    this.#socket = socket;
    this.#store = store;
    this.#offsets = offsets;
    this.#options = options;
    this.#files = offsets.map(() => undefined);
  }

  stop(): void {
    this.#stopped = true;
    this.#wake?.();
  }

  /**
   * Sends until the client has every byte of a finished job ('done'; the caller sends the
   * checksums), or the job fails or is cancelled, or `stop()` is called. Throws SfaError
   * 'bad-request' when the client claims more bytes than a finished stem has.
   */
  async run(): Promise<SenderEnd> {
    try {
      for (;;) {
        if (this.#stopped || this.#socket.readyState !== this.#socket.OPEN) return 'stopped';
        // Checked with no await between the check and nextChange(): no update can slip past.
        const next = this.#nextStem();
        if (next !== undefined) {
          await this.#send(next);
          continue;
        }
        const state = this.#job.state;
        if (state === 'done') {
          this.#job.outputs.forEach((output, index) => {
            if (this.#offsets[index]! > output.bytes) {
              throw new SfaError(
                'bad-request',
                `"have" claims ${this.#offsets[index]} bytes of ${this.#job.record.request.stems[index]}; it has ${output.bytes}`,
              );
            }
          });
          return 'done';
        }
        if (state === 'failed' || state === 'cancelled') return state;
        await this.#waitFor(this.#job.nextChange());
      }
    } finally {
      await Promise.all(this.#files.map((file) => file?.close().catch(() => {})));
    }
  }

  /** A stem with bytes to send, taken in turn after the last one sent. */
  #nextStem(): number | undefined {
    const count = this.#offsets.length;
    for (let step = 1; step <= count; step++) {
      const index = (this.#lastStem + step) % count;
      if (this.#job.outputs[index]!.bytes > this.#offsets[index]!) return index;
    }
    return undefined;
  }

  async #send(index: number): Promise<void> {
    const offset = this.#offsets[index]!;
    const length = Math.min(this.#options.frameBytes, this.#job.outputs[index]!.bytes - offset);
    this.#files[index] ??= await open(this.#store.stemPath(this.#job.key, index), 'r');
    const payload = new Uint8Array(length);
    const { bytesRead } = await this.#files[index].read(payload, 0, length, offset);
    if (bytesRead === 0 || this.#stopped) return;
    const frame = encodeFrame(
      { kind: FrameKind.stem, jobId: this.#job.jobId, stem: index, seq: this.#seq++, offset },
      payload.subarray(0, bytesRead),
    );
    this.#offsets[index] = offset + bytesRead;
    this.#lastStem = index;
    this.#unsent += frame.length;
    this.#socket.send(frame, { binary: true }, () => {
      this.#unsent -= frame.length;
      if (this.#unsent <= this.#options.highWaterBytes) this.#wake?.();
    });
    this.#options.onBytesSent(bytesRead);
    while (this.#unsent > this.#options.highWaterBytes && !this.#stopped) {
      await this.#waitFor();
    }
  }

  /** Waits for `event` (if any) or a wake-up: stop, or the socket draining below the mark. */
  async #waitFor(event?: Promise<void>): Promise<void> {
    const woken = new Promise<void>((resolve) => (this.#wake = resolve));
    await (event ? Promise.race([event, woken]) : woken);
    this.#wake = undefined;
  }
}
