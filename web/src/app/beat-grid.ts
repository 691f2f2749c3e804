// The beat grid drawn over the waveform: a tick per beat, stronger ticks on downbeats, and bar
// numbers once bars are wide enough to read them. Ticks that would crowd closer than a few
// pixels are left out (beats first, then downbeats), so a whole track reads as bars, not grey.

export interface BeatGrid {
  /** Seconds, ascending. */
  beats: readonly number[];
  /** Bar starts, seconds, a subset of `beats`. */
  downbeats: readonly number[];
}

export interface GridView {
  viewStartSec: number;
  visibleSec: number;
  /** Canvas size in device pixels; the grid spans from `top` to `height`. */
  width: number;
  height: number;
  top: number;
  dpr: number;
  beatColour: string;
  downbeatColour: string;
}

/** Below this many CSS pixels between ticks, that kind of tick is not drawn. */
const MIN_TICK_GAP_PX = 5;
/** Bars this wide (CSS pixels) or wider get their number. */
const MIN_LABELLED_BAR_PX = 26;

/** Index of the first time >= `seconds` (binary search). */
function firstFrom(times: readonly number[], seconds: number): number {
  let low = 0;
  let high = times.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (times[mid]! < seconds) low = mid + 1;
    else high = mid;
  }
  return low;
}

/** Median gap between neighbours, seconds (robust to a tempo change or a missed beat). */
function typicalGap(times: readonly number[]): number {
  if (times.length < 2) return Number.POSITIVE_INFINITY;
  const gaps = times.slice(1).map((time, i) => time - times[i]!);
  gaps.sort((a, b) => a - b);
  return gaps[gaps.length >> 1]!;
}

const gapCache = new WeakMap<readonly number[], number>();
function cachedGap(times: readonly number[]): number {
  let gap = gapCache.get(times);
  if (gap === undefined) gapCache.set(times, (gap = typicalGap(times)));
  return gap;
}

/** Draws the grid; returns how many beat ticks, downbeat ticks and bar numbers it drew. */
export function drawBeatGrid(
  context: CanvasRenderingContext2D,
  grid: BeatGrid | undefined,
  view: GridView,
): { beats: number; downbeats: number; barLabels: number } {
  const counts = { beats: 0, downbeats: 0, barLabels: 0 };
  if (!grid || grid.beats.length === 0 || view.visibleSec <= 0) return counts;
  const { viewStartSec, visibleSec, width, height, top, dpr } = view;
  const cssPxPerSec = width / dpr / visibleSec;
  const xOf = (seconds: number) => Math.round(((seconds - viewStartSec) / visibleSec) * width);
  const endSec = viewStartSec + visibleSec;

  if (cachedGap(grid.beats) * cssPxPerSec >= MIN_TICK_GAP_PX) {
    context.fillStyle = view.beatColour;
    const lineWidth = Math.max(1, Math.round(dpr));
    for (let i = firstFrom(grid.beats, viewStartSec); i < grid.beats.length && grid.beats[i]! <= endSec; i++) {
      context.fillRect(xOf(grid.beats[i]!), top, lineWidth, height - top);
      counts.beats++;
    }
  }

  const barPx = cachedGap(grid.downbeats) * cssPxPerSec;
  if (barPx >= MIN_TICK_GAP_PX || grid.downbeats.length === 1) {
    context.fillStyle = view.downbeatColour;
    context.font = `600 ${10 * dpr}px system-ui, sans-serif`;
    context.textBaseline = 'top';
    const labels = barPx >= MIN_LABELLED_BAR_PX;
    const lineWidth = Math.max(2, Math.round(2 * dpr));
    for (let i = firstFrom(grid.downbeats, viewStartSec); i < grid.downbeats.length; i++) {
      const seconds = grid.downbeats[i]!;
      if (seconds > endSec) break;
      const x = xOf(seconds);
      context.fillRect(x, top, lineWidth, height - top);
      counts.downbeats++;
      if (labels) {
        context.fillText(String(i + 1), x + 3 * dpr, top + 2 * dpr);
        counts.barLabels++;
      }
    }
  }
  return counts;
}

/** Beats closer than this to a downbeat are that downbeat. */
export const SAME_BEAT_SEC = 0.002;

/** For each beat, whether it starts a bar (is one of the downbeats). */
export function downbeatFlags(beats: readonly number[], downbeats: readonly number[]): boolean[] {
  let d = 0;
  return beats.map((beat) => {
    while (d < downbeats.length && downbeats[d]! < beat - SAME_BEAT_SEC) d++;
    return d < downbeats.length && Math.abs(downbeats[d]! - beat) <= SAME_BEAT_SEC;
  });
}

/** Snaps a position this close before a beat onto it (a playhead a hair early reads as that beat). */
const ON_BEAT_SEC = 0.001;

/**
 * Where `seconds` falls in the grid, as musicians count: bar (1-based, from the first
 * downbeat) and beat within the bar. Undefined before the first downbeat.
 */
export function barAndBeatAt(grid: BeatGrid, seconds: number): { bar: number; beat: number } | undefined {
  const bar = firstFrom(grid.downbeats, seconds + ON_BEAT_SEC) - 1;
  if (bar < 0) return undefined;
  const beat = firstFrom(grid.beats, seconds + ON_BEAT_SEC) - 1;
  const barStart = firstFrom(grid.beats, grid.downbeats[bar]! - ON_BEAT_SEC);
  return { bar: bar + 1, beat: Math.max(0, beat - barStart) + 1 };
}
