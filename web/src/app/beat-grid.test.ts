// Which beat-grid ticks and bar numbers are drawn at which zoom, on a recording fake canvas.
import { describe, expect, it } from 'vitest';
import { barAndBeatAt, drawBeatGrid, type GridView } from './beat-grid.ts';

/** Records fillRect x positions and fillText labels; nothing else is needed by the grid. */
function recorder() {
  const rects: { x: number; fill: string }[] = [];
  const labels: string[] = [];
  const context = {
    fillStyle: '',
    font: '',
    textBaseline: '',
    fillRect(x: number) {
      rects.push({ x, fill: String(this.fillStyle) });
    },
    fillText(text: string) {
      labels.push(text);
    },
  };
  return { context: context as unknown as CanvasRenderingContext2D, rects, labels };
}

// 120 BPM for 60 s in 4/4: 120 beats, 30 bars.
const beats = Array.from({ length: 120 }, (_, i) => i * 0.5);
const grid = { beats, downbeats: beats.filter((_, i) => i % 4 === 0) };
const view = (viewStartSec: number, visibleSec: number, cssWidth = 1000, dpr = 2): GridView => ({
  viewStartSec,
  visibleSec,
  width: cssWidth * dpr,
  height: 360,
  top: 36,
  dpr,
  beatColour: 'beat',
  downbeatColour: 'downbeat',
});

describe('drawBeatGrid', () => {
  it('draws every beat, every downbeat and every bar number when there is room', () => {
    const { context, rects, labels } = recorder();
    // 60 s over 1000 CSS px: 8.3 px per beat, 33 px per bar.
    expect(drawBeatGrid(context, grid, view(0, 60))).toEqual({ beats: 120, downbeats: 30, barLabels: 30 });
    expect(labels.slice(0, 3)).toEqual(['1', '2', '3']);
    expect(rects.filter((r) => r.fill === 'downbeat').map((r) => r.x)).toContain(Math.round((8 / 60) * 2000));
  });

  it('leaves out beats, then bar numbers, then downbeats as the view widens', () => {
    // 6 px per 0.5 s would be 3 px: beats go, 16.7 px bars stay unnumbered.
    expect(drawBeatGrid(recorder().context, grid, view(0, 60, 500))).toEqual({
      beats: 0,
      downbeats: 30,
      barLabels: 0,
    });
    // 2 px per bar: nothing but clutter, nothing drawn.
    expect(drawBeatGrid(recorder().context, grid, view(0, 60, 60))).toEqual({ beats: 0, downbeats: 0, barLabels: 0 });
  });

  it('follows zoom and scroll: only what is in view, numbered by its bar in the track', () => {
    const { context, labels } = recorder();
    // 10 s to 14 s: beats 20..28, bars starting at 10 and 12 s (bars 6 and 7).
    expect(drawBeatGrid(context, grid, view(10, 4))).toEqual({ beats: 9, downbeats: 3, barLabels: 3 });
    expect(labels).toEqual(['6', '7', '8']);
  });

  it('draws nothing without a grid', () => {
    expect(drawBeatGrid(recorder().context, undefined, view(0, 60))).toEqual({ beats: 0, downbeats: 0, barLabels: 0 });
  });
});

describe('barAndBeatAt', () => {
  it('counts bars from the first downbeat and beats within the bar', () => {
    expect(barAndBeatAt(grid, 0)).toEqual({ bar: 1, beat: 1 });
    expect(barAndBeatAt(grid, 1.7)).toEqual({ bar: 1, beat: 4 });
    expect(barAndBeatAt(grid, 2)).toEqual({ bar: 2, beat: 1 });
    expect(barAndBeatAt(grid, 1.9995)).toEqual({ bar: 2, beat: 1 });
    expect(barAndBeatAt(grid, 59.9)).toEqual({ bar: 30, beat: 4 });
  });

  it('has nothing to say before the first downbeat (an intro before the beat starts)', () => {
    const late = { beats: [1.5, 2, 2.5, 3, 3.5], downbeats: [2] };
    expect(barAndBeatAt(late, 1.6)).toBeUndefined();
    expect(barAndBeatAt(late, 3.2)).toEqual({ bar: 1, beat: 3 });
  });
});
