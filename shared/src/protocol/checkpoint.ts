// Cooperative scheduling for long synchronous loops (analysis, Quick separation): a worker running them must
// still receive a cancel message, so they hand the thread back every few tens of milliseconds
// and stop with an `aborted` error as soon as the signal fires.

import { throwIfAborted } from './errors.ts';

/** Awaited between units of work: yields now and then, throws if cancelled. */
export type Checkpoint = () => Promise<void>;

/**
 * How long a stretch of work may hold the thread before it yields. The units of work between
 * checkpoints take up to ~15 ms on a 4-minute track, so the thread is never held much past
 * 45 ms; yielding more often would cost more than it buys where nested timers are clamped to
 * 4 ms (browsers, workers included).
 */
const SLICE_MS = 30;

export function createCheckpoint(signal?: AbortSignal): Checkpoint {
  let sliceStart = performance.now();
  return async () => {
    throwIfAborted(signal);
    if (performance.now() - sliceStart < SLICE_MS) return;
    await new Promise((resolve) => setTimeout(resolve, 0));
    throwIfAborted(signal);
    sliceStart = performance.now();
  };
}

/** For synchronous callers and tests: never yields. */
export const noCheckpoint: Checkpoint = () => Promise.resolve();
