// A runtime-neutral client for the offload server's job protocol: opens (or resumes) a job,
// uploads the original file with backpressure, reassembles the stems from their byte offsets,
// checks every stem's SHA-256, and reconnects after a dropped connection, telling the server
// the bytes it already holds. It takes the WebSocket constructor as a parameter: the browser's
// own, or `ws` in Node 20 (which has no global WebSocket).

import { sha256Hex } from '../library/content-hash.ts';
import { SfaError, throwIfAborted } from '../protocol/errors.ts';
import { decodeFrame, encodeFrame, FrameKind } from './frames.ts';
import {
  CAPABILITIES_PATH,
  capabilitiesSchema,
  DEFAULT_FRAME_PAYLOAD_BYTES,
  JOBS_PATH,
  offeredSubprotocols,
  OFFLOAD_PROTOCOL_VERSION,
  parseServerMessage,
  type Capabilities,
  type ClientMessage,
  type OffloadStage,
  type OutputFormat,
  type ServerMessage,
  type ServerMessageOf,
} from './protocol.ts';
import { StemAssembler } from './stem-assembler.ts';

/**
 * The part of the standard WebSocket API the client uses. The handlers take `never` so that
 * both the browser's WebSocket and `ws` fit; the client annotates the events it reads.
 */
export interface WebSocketLike {
  readonly readyState: number;
  readonly bufferedAmount: number;
  binaryType: string;
  onopen: ((event: never) => void) | null;
  onmessage: ((event: never) => void) | null;
  onclose: ((event: never) => void) | null;
  onerror: ((event: never) => void) | null;
  send(data: string | Uint8Array): void;
  close(code?: number, reason?: string): void;
}

export type WebSocketConstructorLike = new (url: string, protocols?: string | string[]) => WebSocketLike;

const OPEN = 1;

export type OffloadEvent =
  | { type: 'connecting'; attempt: number }
  | { type: 'accepted'; phase: ServerMessageOf<'accepted'>['phase']; upload: boolean; stems: string[] }
  | { type: 'upload'; sentBytes: number; totalBytes: number }
  | { type: 'queued'; position: number; queueLength: number }
  | { type: 'started'; sampleRate: number; channels: number; frames: number }
  | { type: 'progress'; stage: OffloadStage; fraction: number; etaSec?: number }
  | { type: 'stem-data'; stem: string; offset: number; bytes: Uint8Array }
  | { type: 'busy'; reason: 'queue-full' | 'token-limit'; queueLength: number; retryAfterSec: number }
  | { type: 'disconnected'; code: number; reason: string; willRetry: boolean };

export interface OffloadJobOptions {
  /** The server's base URL: http(s)://host:port or ws(s)://host:port (a path prefix is kept). */
  serverUrl: string;
  token?: string;
  WebSocket: WebSocketConstructorLike;
  /** Idempotent: the same id on the same server never runs twice; reuse it to resume. */
  jobId: string;
  model: string;
  stems?: string[];
  format: OutputFormat;
  shifts?: number;
  seed?: number;
  /** The original audio file; the server decodes it. Keep it until the job is done. */
  file: Uint8Array;
  /** Hex SHA-256 of `file` (the app's content hash), computed here when absent. */
  fileSha256?: string;
  /** Stem bytes kept from an earlier session: only the rest is fetched. */
  received?: Readonly<Record<string, Uint8Array>>;
  signal?: AbortSignal;
  onEvent?: (event: OffloadEvent) => void;
  /** Reconnections in a row without progress before giving up (default 8). */
  maxReconnects?: number;
  /** First wait before reconnecting, doubled each time up to 8 s (default 500 ms). */
  reconnectDelayMs?: number;
  /** How often to wait and retry when the server is busy (default 0: fail at once). */
  busyRetries?: number;
  /** Used to tell a refused token from a network failure (default: the global fetch). */
  fetch?: typeof fetch;
  /** Upload frame size (default 256 KiB) and the most bytes left in the socket's buffer (default 1 MiB). */
  frameBytes?: number;
  highWaterBytes?: number;
}

export interface OffloadJobResult {
  jobId: string;
  format: OutputFormat;
  /** The job's stems in the server's order, each a whole file in `format`. */
  stems: Record<string, Uint8Array>;
  sha256: Record<string, string>;
  /** From the server's `started` message, when this client saw one. */
  audio?: { sampleRate: number; channels: number; frames: number };
  stats: {
    connections: number;
    uploadedBytes: number;
    receivedBytes: number;
    /** From the first connection to the first stem byte, and to the end. */
    firstStemByteMs?: number;
    totalMs: number;
  };
}

/** The server answered 'busy' (queue full, or this token's job limit) as often as allowed. */
export class OffloadBusyError extends SfaError {
  constructor(
    readonly reason: 'queue-full' | 'token-limit',
    readonly queueLength: number,
    readonly retryAfterSec: number,
  ) {
    super(
      'internal',
      reason === 'queue-full'
        ? `the offload server is busy (${queueLength} jobs waiting); try again later`
        : 'this token already runs as many jobs as the server allows; wait for one to finish',
    );
  }
}

/** Runs one job to the end and returns its stems, checked against the server's checksums. */
export function runOffloadJob(options: OffloadJobOptions): Promise<OffloadJobResult> {
  return new OffloadJobClient(options).run();
}

/**
 * ws(s)://host/.../v1/jobs from the server's base URL. With `jobId`, the URL names the job
 * (`?job=<id>`): a load balancer hashing on it sends every connection of a job to one server,
 * so a resumed job finds its results there (docker/lb-nginx.conf does).
 */
export function jobsUrl(serverUrl: string, jobId?: string): string {
  const url = new URL(serverUrl);
  if (url.protocol === 'http:') url.protocol = 'ws:';
  else if (url.protocol === 'https:') url.protocol = 'wss:';
  else if (url.protocol !== 'ws:' && url.protocol !== 'wss:') {
    throw new SfaError('bad-request', `the offload server's URL must be http(s) or ws(s), not ${url.protocol}`);
  }
  url.pathname = url.pathname.replace(/\/$/, '') + JOBS_PATH;
  if (jobId) url.searchParams.set('job', jobId);
  return url.toString();
}

/** GET /v1/capabilities, validated. Throws SfaError 'unauthorized' for a refused token. */
export async function fetchCapabilities(
  serverUrl: string,
  { token, fetch: fetchFn = fetch, signal }: { token?: string; fetch?: typeof fetch; signal?: AbortSignal } = {},
): Promise<Capabilities> {
  const url = new URL(serverUrl);
  url.protocol = url.protocol.replace(/^ws/, 'http');
  url.pathname = url.pathname.replace(/\/$/, '') + CAPABILITIES_PATH;
  const response = await fetchFn(url, { headers: token ? { Authorization: `Bearer ${token}` } : {}, signal });
  if (response.status === 401) throw new SfaError('unauthorized', 'the offload server refused the token');
  if (!response.ok) throw new SfaError('internal', `the offload server answered ${response.status}`);
  const parsed = capabilitiesSchema.safeParse(await response.json());
  if (!parsed.success) throw new SfaError('bad-request', 'the offload server sent malformed capabilities');
  return parsed.data;
}

type SessionOutcome =
  | { kind: 'done'; message: ServerMessageOf<'done'>; socket: WebSocketLike }
  | { kind: 'dropped'; code: number; reason: string; progressed: boolean; opened: boolean }
  | { kind: 'busy'; message: ServerMessageOf<'busy'> };

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new SfaError('aborted', 'Cancelled'));
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new SfaError('aborted', 'Cancelled'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function bytesOf(data: unknown): Uint8Array | undefined {
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return undefined;
}

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
    this.#assembler = new StemAssembler(options.received);
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
          const wrong = await this.#verify(outcome.message);
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
          for (const stem of wrong) this.#assembler.reset(stem);
          continue;
        }
        if (outcome.kind === 'busy') {
          const { reason, queueLength, retryAfterSec } = outcome.message;
          this.#emit({ type: 'busy', reason, queueLength, retryAfterSec });
          if (busyLeft-- <= 0) throw new OffloadBusyError(reason, queueLength, retryAfterSec);
          await sleep(retryAfterSec * 1000, signal);
          continue;
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

  async #verify(done: ServerMessageOf<'done'>): Promise<string[]> {
    const wrong: string[] = [];
    for (const { stem, bytes, sha256 } of done.stems) {
      if (this.#assembler.length(stem) !== bytes || (await this.#assembler.sha256(stem)) !== sha256) wrong.push(stem);
    }
    return wrong;
  }

  #result(done: ServerMessageOf<'done'>): OffloadJobResult {
    const stems: Record<string, Uint8Array> = {};
    const sha256: Record<string, string> = {};
    for (const stem of done.stems) {
      stems[stem.stem] = this.#assembler.bytes(stem.stem);
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

  /** Sends the file in frames, waiting while the socket's send buffer is above the high-water mark. */
  async #upload(socket: WebSocketLike): Promise<void> {
    const { file, jobId, frameBytes = DEFAULT_FRAME_PAYLOAD_BYTES, highWaterBytes = 1024 * 1024 } = this.#options;
    let seq = 0;
    for (let offset = 0; offset < file.length; offset += frameBytes) {
      // Browsers have no 'drain' event for WebSockets: poll the buffered amount.
      while (socket.bufferedAmount > highWaterBytes && socket.readyState === OPEN) await sleep(5);
      // Closed, or cancelling: the server drops the upload.
      if (socket.readyState !== OPEN || this.#options.signal?.aborted) return;
      const payload = file.subarray(offset, offset + frameBytes);
      socket.send(encodeFrame({ kind: FrameKind.upload, jobId, stem: 0, seq: seq++, offset }, payload));
      this.#stats.uploadedBytes += payload.length;
      this.#emit({ type: 'upload', sentBytes: offset + payload.length, totalBytes: file.length });
    }
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
  async #cancelRemotely(): Promise<void> {
    await new Promise<void>((resolve) => {
      const socket = new this.#options.WebSocket(this.#url, offeredSubprotocols(this.#options.token));
      const timer = setTimeout(() => socket.close(1000), 3000);
      socket.onopen = () =>
        socket.send(JSON.stringify({ type: 'cancel', jobId: this.#options.jobId } satisfies ClientMessage));
      socket.onmessage = () => socket.close(1000);
      socket.onclose = () => {
        clearTimeout(timer);
        resolve();
      };
      socket.onerror = () => {};
    });
  }
}
