// Cooperative scheduling for Quick's loop: a worker running it must still receive a cancel
// message, so the loop hands the thread back to the event loop every ~50 ms.

import { throwIfAborted } from '../../protocol/errors.ts';

const SLICE_MS = 50;

/**
 * One macrotask. A MessageChannel message, where there is one, because nested setTimeout(0)
 * calls are clamped to 4 ms in browsers.
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

/** Awaited between units of work: throws if cancelled, and yields once a slice is used up. */
export function createCheckpoint(signal: AbortSignal | undefined): () => Promise<void> {
  let sliceStart = performance.now();
  return async () => {
    throwIfAborted(signal);
    if (performance.now() - sliceStart < SLICE_MS) return;
    await macrotask();
    throwIfAborted(signal);
    sliceStart = performance.now();
  };
}
