// Download speed over the last few seconds: steady enough to read, quick to follow a change
// (a throttled or congested link), and unaffected by how long ago the download began.

const WINDOW_MS = 3000;
/** Below this much measured time the figure would jump about; report nothing yet. */
const MIN_SPAN_MS = 250;

export class RateMeter {
  readonly #now: () => number;
  /** (time, bytes received by then) samples inside the window, oldest first. */
  #samples: { at: number; bytes: number }[] = [];
  #bytes = 0;

  constructor(now: () => number) {
    this.#now = now;
  }

  /** Starts measuring (again), e.g. when a resumed download's first byte is awaited. */
  start(): void {
    this.#bytes = 0;
    this.#samples = [{ at: this.#now(), bytes: 0 }];
  }

  add(bytes: number): void {
    const at = this.#now();
    this.#bytes += bytes;
    this.#samples.push({ at, bytes: this.#bytes });
    // Keep one sample at or before the window's start, so the span covers the whole window.
    while (this.#samples.length > 2 && this.#samples[1]!.at <= at - WINDOW_MS) this.#samples.shift();
  }

  /** Bytes per second over the window up to now (a stall brings it down); 0 until there is enough to tell. */
  bytesPerSec(): number {
    const first = this.#samples[0];
    if (!first) return 0;
    const span = this.#now() - first.at;
    return span >= MIN_SPAN_MS ? ((this.#bytes - first.bytes) * 1000) / span : 0;
  }
}
