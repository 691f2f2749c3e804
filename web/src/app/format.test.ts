// How durations and sizes read in the UI.
import { describe, expect, it } from 'vitest';
import { formatBytes, formatDuration } from './format.ts';

describe('formatDuration', () => {
  it.each([
    [0, false, '0:00'],
    [2.5, false, '0:03'],
    [185.4, false, '3:05'],
    [3725, false, '1:02:05'],
    [3.25, true, '0:03.2'],
    [59.99, true, '0:59.9'],
    [-1, false, '0:00'],
    [Number.NaN, false, '0:00'],
  ])('%s (tenths %s) -> %s', (seconds, tenths, text) => {
    expect(formatDuration(seconds, tenths)).toBe(text);
  });
});

describe('formatBytes', () => {
  it.each([
    [0, '0 B'],
    [1023, '1023 B'],
    [1536, '1.5 KB'],
    [50 * 1024 ** 2, '50 MB'],
    [3.25 * 1024 ** 3, '3.3 GB'],
  ])('%s -> %s', (bytes, text) => {
    expect(formatBytes(bytes)).toBe(text);
  });
});
