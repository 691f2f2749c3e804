// The slice of the standard WebSocket API the offload client uses, and small helpers around it.
// Typed structurally so the browser's WebSocket and Node's `ws` both fit.

import { SfaError } from '../protocol/errors.ts';
import { offeredSubprotocols, type ClientMessage } from './protocol.ts';

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

/** WebSocket.OPEN: the same number everywhere. */
export const OPEN = 1;

/** Resolves after `ms`, or rejects with SfaError 'aborted' when `signal` fires first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
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

/** A binary message's bytes (ArrayBuffer or a view of one), else undefined. */
export function bytesOf(data: unknown): Uint8Array | undefined {
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return undefined;
}

/**
 * Opens a short connection that only asks the server to cancel `jobId` (a job opened on an
 * earlier connection), and resolves when the server answers or after 3 s.
 */
export function cancelOnServer(
  WebSocket: WebSocketConstructorLike,
  url: string,
  token: string | undefined,
  jobId: string,
): Promise<void> {
  return new Promise<void>((resolve) => {
    const socket = new WebSocket(url, offeredSubprotocols(token));
    const timer = setTimeout(() => socket.close(1000), 3000);
    socket.onopen = () => socket.send(JSON.stringify({ type: 'cancel', jobId } satisfies ClientMessage));
    socket.onmessage = () => socket.close(1000);
    socket.onclose = () => {
      clearTimeout(timer);
      resolve();
    };
    socket.onerror = () => {};
  });
}
