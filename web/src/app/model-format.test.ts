import { describe, expect, it } from 'vitest';
import { formatEta, formatRate } from './model-format.ts';

describe('download figures', () => {
  it('reads speed in binary units per second', () => {
    expect(formatRate(2.1 * 1024 * 1024)).toBe('2.1 MB/s');
    expect(formatRate(512)).toBe('512 B/s');
    expect(formatRate(0)).toBe('—');
    expect(formatRate(Number.NaN)).toBe('—');
  });

  it('reads time left in seconds, minutes or hours', () => {
    expect(formatEta(41.2)).toBe('42 s left');
    expect(formatEta(125)).toBe('2 min 5 s left');
    expect(formatEta(7300)).toBe('2 h 1 min left');
    expect(formatEta(undefined)).toBe('');
    expect(formatEta(Number.POSITIVE_INFINITY)).toBe('');
  });
});
