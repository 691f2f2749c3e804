// A CliIo that records what a command writes, for tests of the commands in-process.

import { PassThrough } from 'node:stream';
import type { CliIo } from './io.ts';

export function captureIo(isTTY = false): { io: CliIo; out: () => string; err: () => string } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: string[] = [];
  const err: string[] = [];
  stdout.on('data', (chunk: Buffer) => out.push(String(chunk)));
  stderr.on('data', (chunk: Buffer) => err.push(String(chunk)));
  return { io: { stdout, stderr, isTTY }, out: () => out.join(''), err: () => err.join('') };
}
