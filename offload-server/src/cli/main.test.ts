import { describe, expect, it } from 'vitest';
import { captureIo } from './capture-io.ts';
import { main } from './main.ts';

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
