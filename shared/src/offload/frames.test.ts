// Binary frames: what is encoded reads back the same, offsets past 4 GiB included, and every
// malformed frame is refused with a reason instead of being read as audio.

import { describe, expect, it } from 'vitest';
import { decodeFrame, encodeFrame, FrameKind } from './frames.ts';
import { MAX_FRAME_PAYLOAD_BYTES } from './protocol.ts';

const header = { kind: FrameKind.stem, jobId: 'job-0123456789', stem: 3, seq: 41, offset: 5 * 2 ** 32 + 7 } as const;

describe('frames', () => {
  it('round-trips the header and the payload', () => {
    const payload = Uint8Array.from({ length: 1000 }, (_, i) => i % 251);
    const frame = encodeFrame(header, payload);
    expect(frame.length).toBe(18 + header.jobId.length + payload.length);
    const decoded = decodeFrame(frame);
    expect({ ...decoded, payload: undefined }).toEqual({ ...header, payload: undefined });
    expect([...decoded.payload]).toEqual([...payload]);
    // Decoding a frame that sits inside a larger buffer (as a socket hands it over) works too.
    const wrapped = new Uint8Array(frame.length + 10);
    wrapped.set(frame, 5);
    expect(decodeFrame(wrapped.subarray(5, 5 + frame.length)).offset).toBe(header.offset);
  });

  it('refuses what it cannot encode', () => {
    expect(() => encodeFrame({ ...header, jobId: '../etc/passwd' }, new Uint8Array(1))).toThrow(RangeError);
    expect(() => encodeFrame({ ...header, stem: 256 }, new Uint8Array(1))).toThrow(RangeError);
    expect(() => encodeFrame({ ...header, offset: -1 }, new Uint8Array(1))).toThrow(RangeError);
    expect(() => encodeFrame({ ...header, seq: 2 ** 32 }, new Uint8Array(1))).toThrow(RangeError);
  });

  it.each([
    ['a short buffer', new Uint8Array(5), /shorter than a header/],
    ['wrong magic', (f: Uint8Array) => (f[0] = 0x58), /does not start with "SF"/],
    ['another version', (f: Uint8Array) => (f[2] = 9), /version 9/],
    ['an unknown kind', (f: Uint8Array) => (f[3] = 7), /unknown kind 7/],
    ['a job id running past the end', (f: Uint8Array) => (f[5] = 200), /ends inside its job id/],
    ['a job id with a slash', (f: Uint8Array) => (f[18] = 0x2f), /job id is not valid/],
  ])('refuses %s', (_, damage, message) => {
    const frame = damage instanceof Uint8Array ? damage : encodeFrame(header, new Uint8Array(4));
    if (typeof damage === 'function') damage(frame);
    expect(() => decodeFrame(frame)).toThrow(message);
    expect(() => decodeFrame(frame)).toThrow(expect.objectContaining({ code: 'bad-request' }));
  });

  it('refuses a payload over the protocol limit', () => {
    const frame = encodeFrame(header, new Uint8Array(MAX_FRAME_PAYLOAD_BYTES + 1));
    expect(() => decodeFrame(frame)).toThrow(/over 1048576/);
    expect(decodeFrame(encodeFrame(header, new Uint8Array(MAX_FRAME_PAYLOAD_BYTES))).payload.length).toBe(
      MAX_FRAME_PAYLOAD_BYTES,
    );
  });
});
