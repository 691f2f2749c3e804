// SHA-256 checked against the FIPS test vector and node:crypto.
import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { sha256Hex } from './content-hash.ts';

describe('sha256Hex', () => {
  it('matches the FIPS 180-2 test vector for "abc"', async () => {
    expect(await sha256Hex(new TextEncoder().encode('abc'))).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
  });

  it('agrees with node:crypto on random data, including a view into a larger buffer', async () => {
    const buffer = randomBytes(1_000_003);
    const view = new Uint8Array(buffer.buffer, buffer.byteOffset + 7, 500_000);
    expect(await sha256Hex(view)).toBe(createHash('sha256').update(view).digest('hex'));
  });
});
