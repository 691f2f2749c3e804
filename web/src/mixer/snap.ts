// Loop points on the beat grid: a point snaps to the nearest beat or bar start when the track
// has a grid, and is left where it is when it has none (or snapping is off).
import type { BeatGrid } from '../app/beat-grid.ts';

export type SnapUnit = 'off' | 'beat' | 'bar';

/** The grid time nearest `seconds` in `unit`, or `seconds` itself when there is nothing to snap to. */
export function snapToGrid(seconds: number, grid: BeatGrid | undefined, unit: SnapUnit): number {
  const times = unit === 'beat' ? grid?.beats : unit === 'bar' ? grid?.downbeats : undefined;
  if (!times || times.length === 0) return seconds;
  let low = 0;
  let high = times.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (times[mid]! < seconds) low = mid + 1;
    else high = mid;
  }
  const after = times[Math.min(low, times.length - 1)]!;
  const before = times[Math.max(0, low - 1)]!;
  return Math.abs(after - seconds) < Math.abs(seconds - before) ? after : before;
}

/** The grid time at or after `seconds` in `unit` (a loop end on its bar line), else `seconds`. */
export function nextOnGrid(seconds: number, grid: BeatGrid | undefined, unit: SnapUnit): number {
  const times = unit === 'beat' ? grid?.beats : unit === 'bar' ? grid?.downbeats : undefined;
  return times?.find((t) => t >= seconds - 1e-6) ?? seconds;
}
