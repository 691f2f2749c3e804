// The client's side of an upload: the original file in numbered frames at consecutive offsets,
// sent only while the socket holds less than a high-water mark (browsers have no 'drain' event
// for WebSockets, so its buffered amount is polled).

import { encodeFrame, FrameKind } from './frames.ts';
import { DEFAULT_FRAME_PAYLOAD_BYTES } from './protocol.ts';
import { OPEN, sleep, type WebSocketLike } from './socket.ts';

export interface UploadOptions {
  /** Payload bytes per frame (default 256 KiB). */
  frameBytes?: number;
  /** The most unsent bytes the socket may hold before the next frame (default 1 MiB). */
  highWaterBytes?: number;
  /** Stops the upload (the server drops an upload it does not finish). */
  signal?: AbortSignal;
  /** After each frame: the file's bytes sent so far, and this frame's. */
  onSent?: (sentBytes: number, payloadBytes: number) => void;
}

/** Sends `file` for `jobId` from byte 0; returns when it is all sent, or the socket closed. */
export async function uploadFile(
  socket: WebSocketLike,
  file: Uint8Array,
  jobId: string,
  { frameBytes = DEFAULT_FRAME_PAYLOAD_BYTES, highWaterBytes = 1024 * 1024, signal, onSent }: UploadOptions = {},
): Promise<void> {
  let seq = 0;
  for (let offset = 0; offset < file.length; offset += frameBytes) {
    while (socket.bufferedAmount > highWaterBytes && socket.readyState === OPEN) await sleep(5);
    if (socket.readyState !== OPEN || signal?.aborted) return;
    const payload = file.subarray(offset, offset + frameBytes);
    socket.send(encodeFrame({ kind: FrameKind.upload, jobId, stem: 0, seq: seq++, offset }, payload));
    onSent?.(offset + payload.length, payload.length);
  }
}
