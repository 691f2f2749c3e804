// The incremental SHA-256 against Node's own, on inputs fed whole and split at random points.

import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Sha256 } from './sha256.ts';

const reference = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** A seeded generator, so a failure names the inputs that caused it. */
function random(seed: number) {
  return () => {
    seed = (seed * 1_103_515_245 + 12_345) >>> 0;
    return seed / 2 ** 32;
  };
}

describe('Sha256', () => {
  it('matches the FIPS 180-4 examples and the empty input', () => {
    const text = (s: string) => new TextEncoder().encode(s);
    expect(new Sha256().hex()).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(new Sha256().update(text('abc')).hex()).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
    expect(new Sha256().update(text('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq')).hex()).toBe(
      '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1',
    );
    expect(new Sha256().update(new Uint8Array(0)).update(new Uint8Array(0)).hex()).toBe(reference(new Uint8Array(0)));
  });

  it('matches node:crypto at every length around the padding boundaries', () => {
    for (let length = 0; length <= 200; length++) {
      const bytes = randomBytes(length);
      expect(new Sha256().update(bytes).hex(), `length ${length}`).toBe(reference(bytes));
    }
  });

  it('matches node:crypto on random inputs split at random points', () => {
    const next = random(7);
    for (let trial = 0; trial < 200; trial++) {
      const length = trial < 100 ? Math.floor(next() * 300) : Math.floor(next() * 20_000);
      const bytes = randomBytes(length);
      const hasher = new Sha256();
      let at = 0;
      while (at < length) {
        const part = Math.floor(next() * (next() < 0.5 ? 70 : 3000));
        // Views at odd offsets into a larger buffer, as frame payloads are.
        hasher.update(bytes.subarray(at, Math.min(length, at + part)));
        at += part;
      }
      expect(hasher.length).toBe(length);
      expect(hasher.hex(), `trial ${trial}, length ${length}`).toBe(reference(bytes));
    }
  });

  it('hashes a multi-megabyte input fed in frame-sized pieces', () => {
    const bytes = randomBytes(3 * 1024 * 1024 + 17);
    const hasher = new Sha256();
    for (let at = 0; at < bytes.length; at += 65_519) hasher.update(bytes.subarray(at, at + 65_519));
    expect(hasher.hex()).toBe(reference(bytes));
  });

  it('goes on after a digest of the bytes so far', () => {
    const bytes = randomBytes(1000);
    const hasher = new Sha256();
    for (const cut of [0, 55, 56, 64, 119, 500, 1000]) {
      hasher.update(bytes.subarray(hasher.length, cut));
      expect(hasher.hex(), `at ${cut}`).toBe(reference(bytes.subarray(0, cut)));
      expect(hasher.hex()).toBe(reference(bytes.subarray(0, cut)));
    }
  });
});
