// How the mixer's numbers read: fader dB ("−6.0 dB", "−∞"), pan ("L 30", "C"), speed ("75 %"),
// pitch ("+3 st") and a loop in bars and beats as musicians count them.
import type { LoopRegion } from '../mixer/mixer.svelte.ts';
import { MIN_DB } from '../mixer/strips.ts';
import { barAndBeatAt, type BeatGrid } from './beat-grid.ts';
import { formatDuration, formatLevel } from './format.ts';

/** A fader: -6 -> "−6.0 dB", 3 -> "+3.0 dB", MIN_DB and below -> "−∞" (silent). */
export function formatGainDb(db: number): string {
  if (db <= MIN_DB) return '−∞';
  return `${db > 0 ? '+' : ''}${formatLevel(db)} dB`;
}

/** Balance as desks print it: -0.3 -> "L 30", 0 -> "C", 1 -> "R 100". */
export function formatPan(pan: number): string {
  const percent = Math.round(Math.abs(pan) * 100);
  if (percent === 0) return 'C';
  return `${pan < 0 ? 'L' : 'R'} ${percent}`;
}

/** The same for a screen reader: "30 % left", "centre". */
export function spokenPan(pan: number): string {
  const percent = Math.round(Math.abs(pan) * 100);
  return percent === 0 ? 'centre' : `${percent} % ${pan < 0 ? 'left' : 'right'}`;
}

/** 0.75 -> "75 %". */
export function formatSpeed(speed: number): string {
  return `${Math.round(speed * 100)} %`;
}

/** 3 -> "+3 st", -2 -> "−2 st", 0 -> "0 st". */
export function formatSemitones(semitones: number): string {
  if (semitones === 0) return '0 st';
  return `${semitones > 0 ? '+' : '−'}${Math.abs(semitones)} st`;
}

/**
 * A loop as times and, with a grid, as bars: "0:08.0–0:16.0 · bars 5–8" when it starts on a bar
 * line and ends on one, else "bar.beat" at each end ("5.3–8.4"). Before the first downbeat, times only.
 */
export function formatLoop(loop: LoopRegion, grid: BeatGrid | undefined): string {
  const times = `${formatDuration(loop.startSec, true)}–${formatDuration(loop.endSec, true)}`;
  if (!grid) return times;
  const start = barAndBeatAt(grid, loop.startSec);
  // The last beat inside the loop: an end on a bar line closes the bar before it.
  const last = barAndBeatAt(grid, Math.max(loop.startSec, loop.endSec - 0.01));
  if (!start || !last) return times;
  const endsOnBarLine =
    grid.downbeats.some((t) => Math.abs(t - loop.endSec) < 0.002) || loop.endSec >= grid.beats.at(-1)!;
  if (start.beat === 1 && endsOnBarLine) {
    return start.bar === last.bar ? `${times} · bar ${start.bar}` : `${times} · bars ${start.bar}–${last.bar}`;
  }
  return `${times} · ${start.bar}.${start.beat}–${last.bar}.${last.beat}`;
}
