// How durations, sizes, tempi, levels and keys read in the UI.
import { describe, expect, it } from 'vitest';
import { formatBpm, formatBpmRange, formatBytes, formatDuration, formatKey, formatLevel } from './format.ts';

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

describe('analysis numbers', () => {
  it.each([
    [120, '120.0'],
    [127.96, '128.0'],
    [0, '—'],
    [Number.NaN, '—'],
  ])('formatBpm(%s) -> %s', (bpm, text) => {
    expect(formatBpm(bpm)).toBe(text);
  });

  it('writes a tempo range as DJs do, and one tempo when both ends round alike', () => {
    expect(formatBpmRange(118.2, 126.4)).toBe('118–126 BPM');
    expect(formatBpmRange(120.1, 120.3)).toBe('120.1 BPM');
  });

  it.each([
    [-14.23, '−14.2'],
    [-0.04, '0.0'],
    [3.16, '3.2'],
    [Number.NEGATIVE_INFINITY, '−∞'],
    [Number.NaN, '—'],
  ])('formatLevel(%s) -> %s', (value, text) => {
    expect(formatLevel(value)).toBe(text);
  });

  it('names a key in words and Camelot', () => {
    expect(formatKey('A minor', '8A')).toBe('A minor · 8A');
  });
});
