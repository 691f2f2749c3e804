// The device's job queue: at most `concurrency` jobs run at once, the rest wait in order. It
// tells waiting jobs their position whenever it changes, and frees a slot the moment a job
// ends (done, failed or cancelled).

export interface QueuedItem {
  /** Called with the 1-based position and the number waiting, whenever either changes. */
  onPosition(position: number, queueLength: number): void;
}

export class JobQueue<T extends QueuedItem> {
  readonly #concurrency: number;
  readonly #run: (item: T) => Promise<void>;
  readonly #waiting: T[] = [];
  #running = 0;

  constructor(concurrency: number, run: (item: T) => Promise<void>) {
    this.#concurrency = concurrency;
    this.#run = run;
  }

  get running(): number {
    return this.#running;
  }

  get waiting(): number {
    return this.#waiting.length;
  }

  push(item: T): void {
    this.#waiting.push(item);
    this.#pump();
    this.#announce();
  }

  /** Takes a waiting item out; false if it is not waiting (running, or never queued). */
  remove(item: T): boolean {
    const index = this.#waiting.indexOf(item);
    if (index < 0) return false;
    this.#waiting.splice(index, 1);
    this.#announce();
    return true;
  }

  #pump(): void {
    while (this.#running < this.#concurrency && this.#waiting.length > 0) {
      const item = this.#waiting.shift()!;
      this.#running++;
      // The runner reports its own failures; the slot is freed whatever happens.
      void this.#run(item)
        .catch(() => {})
        .finally(() => {
          this.#running--;
          this.#pump();
          this.#announce();
        });
    }
  }

  #announce(): void {
    this.#waiting.forEach((item, index) => item.onPosition(index + 1, this.#waiting.length));
  }
}
