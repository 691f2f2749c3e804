// One updating progress line on a terminal ("vocals.wav  ▕████▌     ▏ 45%  ETA 0:12"), and
// nothing on a pipe, where \r-redrawn lines would only be noise in a log.

import type { CliIo } from './io.ts';

const WIDTH = 24;
/** Redraw at most this often: a terminal cannot show 1000 updates a second anyway. */
const MIN_INTERVAL_MS = 80;

export class ProgressLine {
  readonly #io: CliIo;
  readonly #label: string;
  #lastDraw = 0;
  #drawn = false;

  constructor(io: CliIo, label: string) {
    this.#io = io;
    this.#label = label;
  }

  update(fraction: number, detail = ''): void {
    if (!this.#io.isTTY) return;
    const now = Date.now();
    if (fraction < 1 && now - this.#lastDraw < MIN_INTERVAL_MS) return;
    this.#lastDraw = now;
    const clamped = Math.min(1, Math.max(0, fraction));
    const filled = Math.round(clamped * WIDTH);
    const bar = '█'.repeat(filled) + ' '.repeat(WIDTH - filled);
    const percent = `${Math.floor(clamped * 100)}`.padStart(3);
    this.#io.stderr.write(`\r\x1b[2K${this.#label} ▕${bar}▏${percent}%${detail ? `  ${detail}` : ''}`);
    this.#drawn = true;
  }

  /** Removes the line, so the next output starts on a clean line. */
  clear(): void {
    if (this.#drawn) this.#io.stderr.write('\r\x1b[2K');
    this.#drawn = false;
  }
}

/** "1:05" for 65 seconds. */
export function formatEta(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}
