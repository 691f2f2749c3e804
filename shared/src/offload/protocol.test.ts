// The JSON messages: valid ones parse (with their defaults), and malformed ones are refused with
// a bad-request that says what is wrong; the token travels as a subprotocol and back.

import { describe, expect, it } from 'vitest';
import {
  OFFLOAD_SUBPROTOCOL,
  offeredSubprotocols,
  parseClientMessage,
  parseServerMessage,
  tokenFromSubprotocols,
} from './protocol.ts';

const sha = 'a'.repeat(64);
const open = {
  type: 'open',
  protocol: 1,
  jobId: '4f1c2a9e-77aa-4c1e-9a7e-0e6c1d2b3c4d',
  model: 'htdemucs',
  format: 'flac',
  input: { bytes: 1234, sha256: sha },
};

describe('client messages', () => {
  it('parse with defaults for shifts and seed', () => {
    expect(parseClientMessage(JSON.stringify(open))).toEqual({ ...open, shifts: 0, seed: 0 });
    const full = { ...open, stems: ['vocals', 'instrumental'], shifts: 2, seed: 9, have: { vocals: 10 } };
    expect(parseClientMessage(JSON.stringify(full))).toEqual(full);
    expect(parseClientMessage('{"type":"cancel","jobId":"abcdefgh"}')).toEqual({ type: 'cancel', jobId: 'abcdefgh' });
  });

  it.each([
    ['not JSON', '{type: open}', /not JSON/],
    ['an unknown type', '{"type":"delete","jobId":"abcdefgh"}', /malformed/],
    ['a path for a job id', JSON.stringify({ ...open, jobId: '../../etc/passwd' }), /job id/],
    ['another protocol version', JSON.stringify({ ...open, protocol: 2 }), /protocol/],
    ['a stem twice', JSON.stringify({ ...open, stems: ['vocals', 'vocals'] }), /listed twice/],
    ['an unknown format', JSON.stringify({ ...open, format: 'mp3' }), /format/],
    ['an empty file', JSON.stringify({ ...open, input: { bytes: 0, sha256: sha } }), /bytes/],
    ['a bad checksum', JSON.stringify({ ...open, input: { bytes: 1, sha256: 'xyz' } }), /SHA-256/],
    ['negative offsets', JSON.stringify({ ...open, have: { vocals: -1 } }), /have/],
    ['too many shifts', JSON.stringify({ ...open, shifts: 50 }), /shifts/],
  ])('refuse %s', (_, text, message) => {
    expect(() => parseClientMessage(text)).toThrow(message);
    expect(() => parseClientMessage(text)).toThrow(expect.objectContaining({ code: 'bad-request' }));
  });
});

describe('server messages', () => {
  it('parse every kind', () => {
    const messages = [
      { type: 'accepted', jobId: 'abcdefgh', upload: true, phase: 'upload', stems: ['vocals'], format: 'f32' },
      { type: 'queued', jobId: 'abcdefgh', position: 2, queueLength: 3 },
      { type: 'started', jobId: 'abcdefgh', sampleRate: 44_100, channels: 2, frames: 100 },
      { type: 'progress', jobId: 'abcdefgh', stage: 'separate', fraction: 0.5, etaSec: 3 },
      { type: 'done', jobId: 'abcdefgh', stems: [{ stem: 'vocals', bytes: 10, sha256: sha }] },
      { type: 'cancelled', jobId: 'abcdefgh' },
      { type: 'busy', reason: 'queue-full', queueLength: 4, retryAfterSec: 30 },
      { type: 'error', code: 'too-large', message: 'too long' },
    ];
    for (const message of messages) expect(parseServerMessage(JSON.stringify(message))).toEqual(message);
  });

  it('refuse an unknown error code or a fraction past 1', () => {
    expect(() => parseServerMessage('{"type":"error","code":"teapot","message":"x"}')).toThrow(/malformed/);
    expect(() =>
      parseServerMessage('{"type":"progress","jobId":"abcdefgh","stage":"separate","fraction":1.5}'),
    ).toThrow(/malformed/);
  });
});

describe('the token as a subprotocol', () => {
  it('is offered after the protocol and read back exactly', () => {
    expect(offeredSubprotocols(undefined)).toEqual([OFFLOAD_SUBPROTOCOL]);
    for (const token of ['s3cret', 'with/slash+plus=', 'ünïcödé-token']) {
      const offered = offeredSubprotocols(token);
      expect(offered[0]).toBe(OFFLOAD_SUBPROTOCOL);
      // A subprotocol must be an HTTP token: no '/', '+', '=' or spaces.
      expect(offered[1]).toMatch(/^sfa\.bearer\.[A-Za-z0-9_-]+$/);
      expect(tokenFromSubprotocols(offered)).toBe(token);
    }
  });

  it('ignores other protocols and undecodable ones', () => {
    expect(tokenFromSubprotocols(['sfa.v1', 'chat'])).toBeUndefined();
    expect(tokenFromSubprotocols(['sfa.bearer.@@@'])).toBeUndefined();
  });
});
