import { describe, expect, it } from 'vitest';
import { isWeakPulse } from './confidence.ts';

describe('isWeakPulse', () => {
  it('flags a found tempo with little confidence, not a clear one or no tempo at all', () => {
    expect(isWeakPulse({ bpm: 112.2, confidence: 0.07 })).toBe(true);
    expect(isWeakPulse({ bpm: 120, confidence: 0.9 })).toBe(false);
    expect(isWeakPulse({ bpm: 0, confidence: 0 })).toBe(false);
  });
});
