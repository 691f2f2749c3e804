// What a client asks of an offload job and what it gets back: the options, the events it
// reports while the job runs, the result, and the error for a busy server.

import { SfaError } from '../protocol/errors.ts';
import type { OffloadStage, OutputFormat, ServerMessageOf } from './protocol.ts';
import type { WebSocketConstructorLike } from './socket.ts';
import type { HeldStem } from './stem-assembler.ts';

export type { HeldStem } from './stem-assembler.ts';

export type OffloadEvent =
  | { type: 'connecting'; attempt: number }
  | { type: 'accepted'; phase: ServerMessageOf<'accepted'>['phase']; upload: boolean; stems: string[] }
  | { type: 'upload'; sentBytes: number; totalBytes: number }
  | { type: 'queued'; position: number; queueLength: number }
  | { type: 'started'; sampleRate: number; channels: number; frames: number }
  | { type: 'progress'; stage: OffloadStage; fraction: number; etaSec?: number }
  | { type: 'stem-data'; stem: string; offset: number; bytes: Uint8Array }
  /**
   * Stems that failed their checksum and are fetched again from byte 0: forget every byte of
   * them received so far. When streaming, this lists every stem of the job.
   */
  | { type: 'stems-reset'; stems: string[] }
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
  /**
   * Hand stem bytes to `stem-data` only, keeping just each stem's count and SHA-256 state
   * (default false: every byte is kept and returned in the result's `stems`). A caller that
   * streams must store each event's bytes itself: they are a view it may not keep.
   */
  streamStems?: boolean;
  /**
   * What an earlier session held, so only the rest is fetched: the bytes, or (when streaming)
   * their count and a hasher fed with them, which the client goes on feeding.
   */
  received?: Readonly<Record<string, Uint8Array | HeldStem>>;
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
  /** The job's stems in the server's order, each a whole file in `format`; empty when streamed. */
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
      'busy',
      reason === 'queue-full'
        ? `the offload server is busy (${queueLength} jobs waiting); try again later`
        : 'this token already runs as many jobs as the server allows; wait for one to finish',
    );
  }
}
