// Chunked-decode bookkeeping: progress never goes back, only done() reports 1, aborts stop it.
import { describe, expect, it } from 'vitest';
import { DecodeSteps } from './decode-steps.ts';

/** Keeps the thread busy, as a decoder chunk does. */
function busyFor(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // spin
  }
}

describe('DecodeSteps', () => {
  it('gives the event loop a turn during long work, so a timer can cancel it', async () => {
    const controller = new AbortController();
    const steps = new DecodeSteps({ signal: controller.signal });
    setTimeout(() => controller.abort(), 20);
    let completed = 0;
    const work = async () => {
      for (let i = 0; i < 200; i++) {
        await steps.step(i / 200);
        busyFor(5);
        completed++;
      }
    };
    await expect(work()).rejects.toMatchObject({ code: 'aborted' });
    // 200 steps of 5 ms would take a second; the abort lands within a few yields.
    expect(completed).toBeLessThan(50);
  });

  it('clamps fractions so they never decrease and only done() reports 1', () => {
    const seen: number[] = [];
    const steps = new DecodeSteps({ onProgress: (f) => seen.push(f) });
    for (const fraction of [0, 0.5, 0.4, 1, 2, -1]) steps.report(fraction);
    steps.done();
    expect(seen).toEqual([0, 0.5, 0.999, 1]);
  });
});
