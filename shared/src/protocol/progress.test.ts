// The progress rules: one fraction, never decreasing, ending at 1.
import { describe, expect, it } from 'vitest';
import { stagedProgress, type Progress } from './progress.ts';

describe('stagedProgress', () => {
  it('maps stages onto one fraction that never decreases and ends at 1', () => {
    const seen: Progress[] = [];
    const progress = stagedProgress({ read: 1, decode: 2, store: 1 }, (p) => seen.push(p));
    progress.report('read', 0.5);
    progress.report('read', 1);
    progress.report('decode', 0.5);
    progress.report('read', 0.2); // late report from an earlier stage: clamped, not a step back
    progress.report('decode', 1.5); // out-of-range stage fraction: clamped to the stage
    progress.report('store', 0);
    progress.done('store');
    expect(seen.map((p) => p.fraction)).toEqual([0.125, 0.25, 0.5, 0.5, 0.75, 0.75, 1]);
    for (let i = 1; i < seen.length; i++) expect(seen[i]!.fraction).toBeGreaterThanOrEqual(seen[i - 1]!.fraction);
    expect(seen.at(-1)).toEqual({ stage: 'store', fraction: 1 });
  });
});
