// Cooperative scheduling for long synchronous loops (analysis, Quick separation): a worker
// running them must still receive a cancel message, so they hand the thread back every few tens
// of milliseconds and stop with an `aborted` error as soon as the signal fires.

import { throwIfAborted } from './errors.ts';

/** Awaited between units of work: yields now and then, throws if cancelled. */
export type Checkpoint = () => Promise<void>;

/**
 * How long a stretch of work may hold the thread before it yields, by default. The units of
 * work between checkpoints take up to ~15 ms on a 4-minute track, so the thread is never held
 * much past 45 ms.
 */
const SLICE_MS = 30;

/**
 * One macrotask: a MessageChannel message where there is one, because browsers clamp nested
 * setTimeout(0) calls to 4 ms, which a loop yielding hundreds of times would pay for.
 */
function macrotask(): Promise<void> {
  if (typeof MessageChannel === 'undefined') return new Promise((resolve) => setTimeout(resolve, 0));
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      resolve();
    };
    channel.port2.postMessage(undefined);
  });
}

export function createCheckpoint(signal?: AbortSignal, sliceMs = SLICE_MS): Checkpoint {
  let sliceStart = performance.now();
  return async () => {
    throwIfAborted(signal);
    if (performance.now() - sliceStart < sliceMs) return;
    await macrotask();
    throwIfAborted(signal);
    sliceStart = performance.now();
  };
}

/** For synchronous callers and tests: never yields. */
export const noCheckpoint: Checkpoint = () => Promise.resolve();
