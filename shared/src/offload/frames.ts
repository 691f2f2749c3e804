// Binary frames of the offload protocol: the client's upload and the server's stem bytes, each
// a small header (which job, which stem, a sequence number and the payload's byte offset in
// its file) and the payload. The receiver checks the sequence and offset, so a lost, repeated
// or reordered frame is an error, never silently corrupted audio.
//
// Layout, little-endian:
//   0  'S' 'F'           magic
//   2  u8  version (1)
//   3  u8  kind          1 upload (client -> server), 2 stem (server -> client)
//   4  u8  stem index    into the job's stem list; 0 for upload
//   5  u8  job id length L (8..64)
//   6  u32 sequence      per connection and direction, from 0
//  10  u32 offset (low)  byte offset of the payload in its file
//  14  u32 offset (high)
//  18  L bytes of job id (ASCII), then the payload

import { SfaError } from '../protocol/errors.ts';
import { MAX_FRAME_PAYLOAD_BYTES } from './protocol.ts';

export const FRAME_VERSION = 1;
export const FrameKind = { upload: 1, stem: 2 } as const;
export type FrameKind = (typeof FrameKind)[keyof typeof FrameKind];

const FIXED_HEADER_BYTES = 18;
const JOB_ID = /^[A-Za-z0-9_-]{8,64}$/;

export interface FrameHeader {
  kind: FrameKind;
  jobId: string;
  stem: number;
  seq: number;
  /** Byte offset of the payload in its file (the upload, or the stem). */
  offset: number;
}

export interface Frame extends FrameHeader {
  payload: Uint8Array;
}

/** Header plus payload in one buffer, ready for `WebSocket.send`. */
export function encodeFrame(header: FrameHeader, payload: Uint8Array): Uint8Array {
  const { kind, jobId, stem, seq, offset } = header;
  if (!JOB_ID.test(jobId)) throw new RangeError(`not a job id: ${jobId}`);
  if (!Number.isInteger(stem) || stem < 0 || stem > 255) throw new RangeError(`stem index ${stem} out of range`);
  if (!Number.isInteger(seq) || seq < 0 || seq > 0xffffffff) throw new RangeError(`sequence ${seq} out of range`);
  if (!Number.isSafeInteger(offset) || offset < 0) throw new RangeError(`offset ${offset} out of range`);
  const frame = new Uint8Array(FIXED_HEADER_BYTES + jobId.length + payload.length);
  const view = new DataView(frame.buffer);
  frame[0] = 0x53;
  frame[1] = 0x46;
  frame[2] = FRAME_VERSION;
  frame[3] = kind;
  frame[4] = stem;
  frame[5] = jobId.length;
  view.setUint32(6, seq, true);
  view.setUint32(10, offset % 2 ** 32, true);
  view.setUint32(14, Math.floor(offset / 2 ** 32), true);
  for (let i = 0; i < jobId.length; i++) frame[FIXED_HEADER_BYTES + i] = jobId.charCodeAt(i);
  frame.set(payload, FIXED_HEADER_BYTES + jobId.length);
  return frame;
}

function malformed(why: string): SfaError {
  return new SfaError('bad-request', `malformed binary frame: ${why}`);
}

/**
 * Reads a frame. The payload is a view into `bytes`, not a copy. Throws SfaError 'bad-request'
 * for anything that is not a well-formed frame (wrong magic or version, unknown kind, a bad job
 * id, a payload larger than MAX_FRAME_PAYLOAD_BYTES).
 */
export function decodeFrame(bytes: Uint8Array): Frame {
  if (bytes.length < FIXED_HEADER_BYTES) throw malformed(`${bytes.length} bytes is shorter than a header`);
  if (bytes[0] !== 0x53 || bytes[1] !== 0x46) throw malformed('it does not start with "SF"');
  if (bytes[2] !== FRAME_VERSION) throw malformed(`version ${bytes[2]} is not ${FRAME_VERSION}`);
  const kind = bytes[3];
  if (kind !== FrameKind.upload && kind !== FrameKind.stem) throw malformed(`unknown kind ${kind}`);
  const idLength = bytes[5]!;
  const payloadStart = FIXED_HEADER_BYTES + idLength;
  if (bytes.length < payloadStart) throw malformed('it ends inside its job id');
  let jobId = '';
  for (let i = FIXED_HEADER_BYTES; i < payloadStart; i++) jobId += String.fromCharCode(bytes[i]!);
  if (!JOB_ID.test(jobId)) throw malformed('its job id is not valid');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const offset = view.getUint32(14, true) * 2 ** 32 + view.getUint32(10, true);
  if (!Number.isSafeInteger(offset)) throw malformed('its offset is too large');
  const payload = bytes.subarray(payloadStart);
  if (payload.length > MAX_FRAME_PAYLOAD_BYTES) {
    throw malformed(`its payload of ${payload.length} bytes is over ${MAX_FRAME_PAYLOAD_BYTES}`);
  }
  return { kind, jobId, stem: bytes[4]!, seq: view.getUint32(6, true), offset, payload };
}
