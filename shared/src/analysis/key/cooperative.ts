// Long synchronous work broken up for a worker's event loop: progress that never goes back,
// cancellation checked at every pause, and a real yield (a macrotask) every few tens of milliseconds.

import { createCheckpoint, type Checkpoint } from '../../protocol/checkpoint.ts';

/** Progress is reported in steps of at least this much (and at 1): each report may cross a worker boundary. */
const PROGRESS_STEP = 0.01;

export interface CooperativeOptions {
  signal?: AbortSignal;
  /** Fraction done in [0, 1]; never decreases; the last call is 1. */
  onProgress?: (fraction: number) => void;
}

export class Cooperative {
  readonly #checkpoint: Checkpoint;
  readonly #onProgress: ((fraction: number) => void) | undefined;
  #reported = 0;

  constructor(options: CooperativeOptions = {}) {
    this.#checkpoint = createCheckpoint(options.signal);
    this.#onProgress = options.onProgress;
  }

  /** Reports `fraction` (clamped to [0, 1]) if it is a step ahead of the last report, or 1. */
  progress(fraction: number): void {
    const clamped = Math.min(1, Math.max(0, fraction));
    if (clamped <= this.#reported || (clamped < 1 && clamped < this.#reported + PROGRESS_STEP)) return;
    this.#reported = clamped;
    this.#onProgress?.(clamped);
  }

  /** Throws if cancelled; yields to the event loop when enough work has gone by since the last time. */
  pause(): Promise<void> {
    return this.#checkpoint();
  }

  /** A view of this one that maps [0, 1] onto [from, to] of the whole. */
  stage(from: number, to: number): Stage {
    return {
      progress: (fraction) => this.progress(from + (to - from) * fraction),
      pause: () => this.pause(),
    };
  }
}

export interface Stage {
  progress(fraction: number): void;
  pause(): Promise<void>;
}
