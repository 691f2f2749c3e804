// The client's stem bytes: appended only at the offset reached, so a resumed stream can leave
// no gap and repeat no byte; checksums over what is held.

import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Sha256 } from './sha256.ts';
import { StemAssembler } from './stem-assembler.ts';

const bytes = (from: number, length: number) => Uint8Array.from({ length }, (_, i) => (from + i) % 256);

describe('StemAssembler', () => {
  it('takes bytes at the offset reached and refuses gaps and repeats', () => {
    const assembler = new StemAssembler();
    expect(assembler.append('vocals', 0, bytes(0, 100))).toBe(true);
    expect(assembler.append('vocals', 50, bytes(50, 100))).toBe(false);
    expect(assembler.append('vocals', 150, bytes(150, 10))).toBe(false);
    expect(assembler.append('vocals', 100, bytes(100, 60))).toBe(true);
    expect(assembler.append('drums', 0, bytes(0, 7))).toBe(true);
    expect(assembler.length('vocals')).toBe(160);
    expect([...assembler.bytes('vocals')]).toEqual([...bytes(0, 160)]);
    expect(assembler.have(['vocals', 'drums', 'bass'])).toEqual({ vocals: 160, drums: 7 });
  });

  it('keeps its own copy of each payload', () => {
    const assembler = new StemAssembler();
    const frame = bytes(0, 10);
    assembler.append('bass', 0, frame);
    frame.fill(0);
    expect([...assembler.bytes('bass')]).toEqual([...bytes(0, 10)]);
  });

  it('starts from bytes already held, and forgets a stem on reset', async () => {
    const assembler = new StemAssembler({ vocals: bytes(0, 30), drums: new Uint8Array(0) });
    expect(assembler.have(['vocals', 'drums'])).toEqual({ vocals: 30 });
    assembler.append('vocals', 30, bytes(30, 30));
    expect(assembler.sha256('vocals')).toBe(createHash('sha256').update(bytes(0, 60)).digest('hex'));
    assembler.reset('vocals');
    expect(assembler.length('vocals')).toBe(0);
    expect(assembler.append('vocals', 0, bytes(0, 1))).toBe(true);
  });

  it('streaming: keeps only counts and a running hash, from held hashes or bytes', () => {
    const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
    const assembler = new StemAssembler(
      { vocals: { length: 40, hasher: new Sha256().update(bytes(0, 40)) }, drums: bytes(0, 5) },
      { keep: false },
    );
    expect(assembler.have(['vocals', 'drums', 'bass'])).toEqual({ vocals: 40, drums: 5 });
    expect(assembler.append('vocals', 39, bytes(39, 10))).toBe(false);
    expect(assembler.append('vocals', 40, bytes(40, 1000))).toBe(true);
    expect(assembler.sha256('vocals')).toBe(sha(bytes(0, 1040)));
    expect(assembler.sha256('drums')).toBe(sha(bytes(0, 5)));
    expect(assembler.sha256('bass')).toBe(sha(new Uint8Array(0)));
    expect(() => assembler.bytes('vocals')).toThrow();
    assembler.reset('vocals');
    expect(assembler.length('vocals')).toBe(0);
    expect(assembler.append('vocals', 0, bytes(7, 3))).toBe(true);
    expect(assembler.sha256('vocals')).toBe(sha(bytes(7, 3)));
  });

  it('refuses a held count that is not what its hasher was fed', () => {
    const held = { length: 10, hasher: new Sha256().update(bytes(0, 9)) };
    expect(() => new StemAssembler({ vocals: held }, { keep: false })).toThrow(/10 bytes held, 9 hashed/);
    expect(() => new StemAssembler({ vocals: { length: 0, hasher: new Sha256() } })).toThrow();
  });
});
