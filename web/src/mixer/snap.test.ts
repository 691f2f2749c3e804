import { describe, expect, it } from 'vitest';
import { nextOnGrid, snapToGrid } from './snap.ts';

const grid = { beats: [0.5, 1, 1.5, 2, 2.5, 3, 3.5, 4], downbeats: [0.5, 2.5] };

describe('loop snapping', () => {
  it('snaps to the nearest beat or bar start', () => {
    expect(snapToGrid(1.2, grid, 'beat')).toBe(1);
    expect(snapToGrid(1.3, grid, 'beat')).toBe(1.5);
    expect(snapToGrid(1.4, grid, 'bar')).toBe(0.5);
    expect(snapToGrid(1.6, grid, 'bar')).toBe(2.5);
    expect(snapToGrid(0, grid, 'bar')).toBe(0.5);
    expect(snapToGrid(9, grid, 'beat')).toBe(4);
  });

  it('leaves the time alone with snapping off or no grid', () => {
    expect(snapToGrid(1.23, grid, 'off')).toBe(1.23);
    expect(snapToGrid(1.23, undefined, 'bar')).toBe(1.23);
    expect(snapToGrid(1.23, { beats: [], downbeats: [] }, 'beat')).toBe(1.23);
  });

  it('puts a loop end on the next grid line at or after the time', () => {
    expect(nextOnGrid(1.01, grid, 'beat')).toBe(1.5);
    expect(nextOnGrid(1.5, grid, 'beat')).toBe(1.5);
    expect(nextOnGrid(0.6, grid, 'bar')).toBe(2.5);
    expect(nextOnGrid(3, grid, 'bar')).toBe(3);
  });
});
