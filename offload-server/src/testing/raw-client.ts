// A hand-driven WebSocket for tests where the client must misbehave (garbage, out-of-order
// or oversized frames, lies about its upload) or where the handshake itself is refused.

import WebSocket from 'ws';
import { jobsUrl } from '@sfa/shared/offload/client';
import { encodeFrame, FrameKind } from '@sfa/shared/offload/frames';
import { offeredSubprotocols, parseServerMessage, type ServerMessage } from '@sfa/shared/offload/protocol';

export interface RawConnection {
  socket: WebSocket;
  messages: ServerMessage[];
  closed: Promise<{ code: number; reason: string }>;
  sendJson(value: unknown): void;
  sendUpload(jobId: string, seq: number, offset: number, payload: Uint8Array): void;
  /** Resolves with the first message of `type` (or rejects when the socket closes first). */
  next<T extends ServerMessage['type']>(type: T): Promise<Extract<ServerMessage, { type: T }>>;
}

export interface RawOptions {
  token?: string;
  origin?: string;
  /** Send the token as an Authorization header instead of a subprotocol. */
  header?: boolean;
}

function socketFor(serverUrl: string, { token, origin, header }: RawOptions): WebSocket {
  return new WebSocket(jobsUrl(serverUrl), offeredSubprotocols(header ? undefined : token), {
    headers: {
      ...(origin ? { Origin: origin } : {}),
      ...(header && token ? { Authorization: `Bearer ${token}` } : {}),
    },
  });
}

/** The handshake's HTTP status: 101 when the socket opened, else what the server refused with. */
export function handshakeStatus(serverUrl: string, options: RawOptions): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = socketFor(serverUrl, options);
    socket.once('open', () => {
      socket.close();
      resolve(101);
    });
    socket.once('unexpected-response', (_request, response) => {
      resolve(response.statusCode ?? 0);
      response.resume();
      socket.terminate();
    });
    socket.once('error', (error) => reject(error));
  });
}

export async function connect(serverUrl: string, options: RawOptions): Promise<RawConnection> {
  const socket = socketFor(serverUrl, options);
  socket.binaryType = 'arraybuffer';
  const messages: ServerMessage[] = [];
  const listeners: (() => void)[] = [];
  let isClosed = false;
  socket.on('message', (data, isBinary) => {
    if (!isBinary) messages.push(parseServerMessage(data.toString()));
    for (const listener of listeners) listener();
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    socket.on('close', (code, reason) => {
      isClosed = true;
      for (const listener of listeners) listener();
      resolve({ code, reason: reason.toString() });
    }),
  );
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  return {
    socket,
    messages,
    closed,
    sendJson: (value) => socket.send(JSON.stringify(value)),
    sendUpload: (jobId, seq, offset, payload) =>
      socket.send(encodeFrame({ kind: FrameKind.upload, jobId, stem: 0, seq, offset }, payload)),
    next: (type) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const found = messages.find((m) => m.type === type);
          if (found) resolve(found as never);
          else if (isClosed) reject(new Error(`closed before a '${type}' message; got ${JSON.stringify(messages)}`));
          else return false;
          return true;
        };
        if (!check()) listeners.push(() => void check());
      }),
  };
}
