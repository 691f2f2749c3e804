// Progress, cancellation and fairness for a decode that runs in chunks: between chunks we
// check the AbortSignal, report a fraction that never goes backwards, and now and then give
// the event loop a turn so that an abort (or a UI update) can arrive during a long decode.

import { throwIfAborted } from '../protocol/errors.ts';
import type { DecodeOptions } from './decoded-audio.ts';

/** How long a decode may hold the thread before it yields once. */
const YIELD_EVERY_MS = 25;

export class DecodeSteps {
  readonly #signal: AbortSignal | undefined;
  readonly #onProgress: ((fraction: number) => void) | undefined;
  #reported = -1;
  #lastYield = performance.now();

  constructor(options: DecodeOptions = {}) {
    this.#signal = options.signal;
    this.#onProgress = options.onProgress;
  }

  /** Throws `aborted` if cancelled; otherwise reports `fraction` (clamped, never decreasing). */
  report(fraction: number): void {
    throwIfAborted(this.#signal);
    // Stop short of 1: only `done()` may say the work is finished.
    const clamped = Math.min(0.999, Math.max(this.#reported, fraction, 0));
    if (clamped > this.#reported) {
      this.#reported = clamped;
      this.#onProgress?.(clamped);
    }
  }

  /** `report`, then yield to the event loop if the thread has been busy for a while. */
  async step(fraction: number): Promise<void> {
    this.report(fraction);
    if (performance.now() - this.#lastYield < YIELD_EVERY_MS) return;
    await new Promise<void>((resolve) => setTimeout(resolve, 0));
    this.#lastYield = performance.now();
    throwIfAborted(this.#signal);
  }

  /** Reports 1 (once the result is ready to return). */
  done(): void {
    throwIfAborted(this.#signal);
    this.#reported = 1;
    this.#onProgress?.(1);
  }
}
