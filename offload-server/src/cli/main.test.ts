import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { main } from './main.ts';

export function captureIo(isTTY = false) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: string[] = [];
  const err: string[] = [];
  stdout.on('data', (chunk: Buffer) => out.push(String(chunk)));
  stderr.on('data', (chunk: Buffer) => err.push(String(chunk)));
  return { io: { stdout, stderr, isTTY }, out: () => out.join(''), err: () => err.join('') };
}

describe('sfa', () => {
  it('prints usage and exits 2 without a command, 0 with --help', async () => {
    const bare = captureIo();
    expect(await main([], bare.io)).toBe(2);
    expect(bare.err()).toMatch(/usage: sfa <command>/);
    const help = captureIo();
    expect(await main(['--help'], help.io)).toBe(0);
    expect(help.out()).toMatch(/analyze <files/);
  });

  it('names an unknown command', async () => {
    const run = captureIo();
    expect(await main(['separat'], run.io)).toBe(2);
    expect(run.err()).toMatch(/unknown command 'separat'/);
  });
});
