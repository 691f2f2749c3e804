// A runtime-neutral client for the offload server's job protocol: opens (or resumes) a job,
// uploads the original file with backpressure, reassembles the stems from their byte offsets (or
// only counts and hashes them, for a caller that stores them as they stream), checks every stem's
// SHA-256, and reconnects after a dropped connection, telling the server the bytes it already
// holds. It takes the WebSocket constructor as a parameter: the browser's
// own, or `ws` in Node 20 (which has no global WebSocket).

import { sha256Hex } from '../library/content-hash.ts';
import { SfaError, throwIfAborted } from '../protocol/errors.ts';
import { fetchCapabilities, jobsUrl } from './endpoints.ts';
import { decodeFrame, FrameKind } from './frames.ts';
import { OffloadBusyError, type OffloadEvent, type OffloadJobOptions, type OffloadJobResult } from './job-options.ts';
import {
  offeredSubprotocols,
  OFFLOAD_PROTOCOL_VERSION,
  parseServerMessage,
  type ClientMessage,
  type ServerMessage,
  type ServerMessageOf,
} from './protocol.ts';
import { bytesOf, cancelOnServer, OPEN, sleep, type WebSocketLike } from './socket.ts';
import { StemAssembler } from './stem-assembler.ts';
import { uploadFile } from './upload.ts';

export { fetchCapabilities, jobsUrl } from './endpoints.ts';
export {
  OffloadBusyError,
  type HeldStem,
  type OffloadEvent,
  type OffloadJobOptions,
  type OffloadJobResult,
} from './job-options.ts';
export { Sha256 } from './sha256.ts';
export type { WebSocketConstructorLike, WebSocketLike } from './socket.ts';

/** The close code of a connection whose job another connection took over. */
const SUPERSEDED = 4409;

/** Runs one job to the end and returns its stems, checked against the server's checksums. */
export function runOffloadJob(options: OffloadJobOptions): Promise<OffloadJobResult> {
  return new OffloadJobClient(options).run();
}

type SessionOutcome =
  | { kind: 'done'; message: ServerMessageOf<'done'>; socket: WebSocketLike }
  | { kind: 'dropped'; code: number; reason: string; progressed: boolean; opened: boolean }
  | { kind: 'busy'; message: ServerMessageOf<'busy'> };

class OffloadJobClient {
  readonly #options: OffloadJobOptions;
  readonly #url: string;
  readonly #assembler: StemAssembler;
  #sha256 = '';
  #stems: string[] = [];
  #audio: OffloadJobResult['audio'];
  #known = false;
  #cancelConfirmed = false;
  readonly #stats: OffloadJobResult['stats'] = { connections: 0, uploadedBytes: 0, receivedBytes: 0, totalMs: 0 };
  #started = 0;

  constructor(options: OffloadJobOptions) {
    this.#options = options;
    this.#url = jobsUrl(options.serverUrl, options.jobId);
    this.#assembler = new StemAssembler(options.received, { keep: !options.streamStems });
  }

  async run(): Promise<OffloadJobResult> {
    const { signal, maxReconnects = 8, reconnectDelayMs = 500, busyRetries = 0 } = this.#options;
    this.#started = performance.now();
    this.#sha256 = this.#options.fileSha256 ?? (await sha256Hex(this.#options.file as Uint8Array<ArrayBuffer>));
    let failures = 0;
    let busyLeft = busyRetries;
    let checksumRetried = false;
    try {
      for (;;) {
        throwIfAborted(signal);
        const outcome = await this.#session();
        if (outcome.kind === 'done') {
          const wrong = this.#verify(outcome.message);
          if (wrong.length === 0) {
            // Every stem checked: the server may delete its copy.
            this.#sendIfOpen(outcome.socket, { type: 'release', jobId: this.#options.jobId });
            outcome.socket.close(1000);
            return this.#result(outcome.message);
          }
          outcome.socket.close(1000);
          // Another replica may have made different bytes (a model that is not deterministic
          // across machines): fetch those stems again from the start, once.
          if (checksumRetried) {
            throw new SfaError('internal', `the stems ${wrong.join(', ')} do not match the server's checksums`);
          }
          checksumRetried = true;
          // A streaming caller may store the stems interleaved (the app's chunks hold every
          // stem), so it cannot drop one alone: then every stem starts again from byte 0.
          const reset = this.#assembler.keeps ? wrong : outcome.message.stems.map((s) => s.stem);
          for (const stem of reset) this.#assembler.reset(stem);
          this.#emit({ type: 'stems-reset', stems: reset });
          continue;
        }
        if (outcome.kind === 'busy') {
          const { reason, queueLength, retryAfterSec } = outcome.message;
          this.#emit({ type: 'busy', reason, queueLength, retryAfterSec });
          if (busyLeft-- <= 0) throw new OffloadBusyError(reason, queueLength, retryAfterSec);
          await sleep(retryAfterSec * 1000, signal);
          continue;
        }
        // Another client opened the same job and the server handed it over: do not fight back.
        if (outcome.code === SUPERSEDED) {
          throw new SfaError('duplicate', 'this job was opened by another client; it continues there');
        }
        // A browser is not told why a handshake failed: ask over HTTP whether it was the token.
        if (!outcome.opened) await this.#checkToken();
        failures = outcome.progressed ? 1 : failures + 1;
        const willRetry = failures <= maxReconnects;
        this.#emit({ type: 'disconnected', code: outcome.code, reason: outcome.reason, willRetry });
        if (!willRetry) {
          throw new SfaError(
            'internal',
            `lost the connection to the offload server (${outcome.code}${outcome.reason ? `: ${outcome.reason}` : ''})`,
          );
        }
        await sleep(Math.min(8000, reconnectDelayMs * 2 ** (failures - 1)), signal);
      }
    } catch (error) {
      if (signal?.aborted && this.#known && !this.#cancelConfirmed) await this.#cancelRemotely();
      throw error;
    }
  }

  #sendIfOpen(socket: WebSocketLike, message: ClientMessage): void {
    if (socket.readyState === OPEN) socket.send(JSON.stringify(message));
  }

  #emit(event: OffloadEvent): void {
    this.#options.onEvent?.(event);
  }

  #verify(done: ServerMessageOf<'done'>): string[] {
    const wrong: string[] = [];
    for (const { stem, bytes, sha256 } of done.stems) {
      if (this.#assembler.length(stem) !== bytes || this.#assembler.sha256(stem) !== sha256) wrong.push(stem);
    }
    return wrong;
  }

  #result(done: ServerMessageOf<'done'>): OffloadJobResult {
    const stems: Record<string, Uint8Array> = {};
    const sha256: Record<string, string> = {};
    for (const stem of done.stems) {
      if (this.#assembler.keeps) stems[stem.stem] = this.#assembler.bytes(stem.stem);
      sha256[stem.stem] = stem.sha256;
    }
    this.#stats.totalMs = performance.now() - this.#started;
    return {
      jobId: this.#options.jobId,
      format: this.#options.format,
      stems,
      sha256,
      ...(this.#audio ? { audio: this.#audio } : {}),
      stats: { ...this.#stats },
    };
  }

  #openMessage(): ClientMessage {
    const { jobId, model, stems, format, shifts = 0, seed = 0, file } = this.#options;
    const have = this.#assembler.have(this.#stems.length ? this.#stems : (stems ?? []));
    return {
      type: 'open',
      protocol: OFFLOAD_PROTOCOL_VERSION,
      jobId,
      model,
      ...(stems ? { stems } : {}),
      format,
      shifts,
      seed,
      input: { bytes: file.length, sha256: this.#sha256 },
      ...(Object.keys(have).length ? { have } : {}),
    };
  }

  /** One connection: resolves when it ends without a verdict, rejects on the server's error. */
  #session(): Promise<SessionOutcome> {
    const { signal, token } = this.#options;
    this.#stats.connections++;
    this.#emit({ type: 'connecting', attempt: this.#stats.connections });
    return new Promise<SessionOutcome>((resolve, reject) => {
      const socket = new this.#options.WebSocket(this.#url, offeredSubprotocols(token));
      socket.binaryType = 'arraybuffer';
      let settled = false;
      let progressed = false;
      let opened = false;
      let expectedSeq = 0;
      const settle = (finish: () => void) => {
        if (settled) return;
        settled = true;
        signal?.removeEventListener('abort', onAbort);
        finish();
      };
      const fail = (error: unknown) => {
        settle(() => reject(error));
        socket.close(1000);
      };
      // Cancelling asks the server to stop the job; its 'cancelled' answer (or the close)
      // ends the session. If the server never answers, the close does.
      const onAbort = () => {
        if (socket.readyState === OPEN && this.#known) {
          socket.send(JSON.stringify({ type: 'cancel', jobId: this.#options.jobId } satisfies ClientMessage));
          setTimeout(() => fail(new SfaError('aborted', 'Cancelled')), 3000);
        } else {
          fail(new SfaError('aborted', 'Cancelled'));
        }
      };
      signal?.addEventListener('abort', onAbort, { once: true });

      const onText = (message: ServerMessage) => {
        switch (message.type) {
          case 'accepted':
            this.#known = true;
            progressed = true;
            this.#stems = message.stems;
            this.#emit({ type: 'accepted', phase: message.phase, upload: message.upload, stems: message.stems });
            if (message.upload) void this.#upload(socket).catch(fail);
            return;
          case 'queued':
            this.#emit({ type: 'queued', position: message.position, queueLength: message.queueLength });
            return;
          case 'started':
            this.#audio = { sampleRate: message.sampleRate, channels: message.channels, frames: message.frames };
            this.#emit({ type: 'started', ...this.#audio });
            return;
          case 'progress':
            this.#emit({
              type: 'progress',
              stage: message.stage,
              fraction: message.fraction,
              ...(message.etaSec === undefined ? {} : { etaSec: message.etaSec }),
            });
            return;
          case 'done':
            // The socket stays open until the stems are checked: then 'release', or a retry.
            settle(() => resolve({ kind: 'done', message, socket }));
            return;
          case 'busy':
            settle(() => resolve({ kind: 'busy', message }));
            socket.close(1000);
            return;
          case 'cancelled':
            this.#cancelConfirmed = true;
            fail(new SfaError('aborted', 'Cancelled'));
            return;
          case 'error':
            this.#known = this.#known && message.code !== 'not-found';
            fail(new SfaError(message.code, message.message));
            return;
        }
      };

      const onBinary = (bytes: Uint8Array) => {
        const frame = decodeFrame(bytes);
        const stem = this.#stems[frame.stem];
        if (frame.kind !== FrameKind.stem || frame.jobId !== this.#options.jobId || stem === undefined) {
          throw new SfaError('bad-request', 'a stem frame for another job or stem');
        }
        if (frame.seq !== expectedSeq++) throw new SfaError('bad-request', 'a stem frame out of sequence');
        if (!this.#assembler.append(stem, frame.offset, frame.payload)) {
          throw new SfaError(
            'bad-request',
            `stem ${stem} bytes at ${frame.offset}, expected ${this.#assembler.length(stem)}`,
          );
        }
        progressed = true;
        this.#stats.receivedBytes += frame.payload.length;
        this.#stats.firstStemByteMs ??= performance.now() - this.#started;
        this.#emit({ type: 'stem-data', stem, offset: frame.offset, bytes: frame.payload });
      };

      socket.onopen = () => {
        opened = true;
        socket.send(JSON.stringify(this.#openMessage()));
      };
      socket.onmessage = (event: { data: unknown }) => {
        if (settled) return;
        try {
          if (typeof event.data === 'string') onText(parseServerMessage(event.data));
          else {
            const bytes = bytesOf(event.data);
            if (!bytes) throw new SfaError('bad-request', 'a message that is neither text nor binary');
            onBinary(bytes);
          }
        } catch (error) {
          // A damaged stream from the server: drop this connection and resume from what is held.
          const reason = error instanceof Error ? error.message.slice(0, 120) : 'protocol error';
          settle(() => resolve({ kind: 'dropped', code: 4400, reason, progressed: false, opened }));
          socket.close(4400, 'protocol error');
        }
      };
      socket.onclose = (event: { code: number; reason: string }) => {
        settle(() => resolve({ kind: 'dropped', code: event.code, reason: event.reason, progressed, opened }));
      };
      // An error event is always followed by a close event, which decides.
      socket.onerror = () => {};
    });
  }

  #upload(socket: WebSocketLike): Promise<void> {
    const { file, jobId, frameBytes, highWaterBytes, signal } = this.#options;
    return uploadFile(socket, file, jobId, {
      frameBytes,
      highWaterBytes,
      signal,
      onSent: (sentBytes, payloadBytes) => {
        this.#stats.uploadedBytes += payloadBytes;
        this.#emit({ type: 'upload', sentBytes, totalBytes: file.length });
      },
    });
  }

  /** Throws SfaError 'unauthorized' when the server refuses the token; other failures pass. */
  async #checkToken(): Promise<void> {
    const fetchFn = this.#options.fetch ?? globalThis.fetch;
    if (!fetchFn) return;
    try {
      await fetchCapabilities(this.#options.serverUrl, {
        token: this.#options.token,
        fetch: fetchFn,
        signal: this.#options.signal,
      });
    } catch (error) {
      if (error instanceof SfaError && error.code === 'unauthorized') throw error;
    }
  }

  /** After a cancel while disconnected: a short connection that only asks the server to cancel. */
  #cancelRemotely(): Promise<void> {
    const { WebSocket, token, jobId } = this.#options;
    return cancelOnServer(WebSocket, this.#url, token, jobId);
  }
}
