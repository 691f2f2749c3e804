// Moving spectrogram frames between a model's [bins][frames] float32 planes and the float64 rows
// ([frame][bin]) the FFT reads and writes, a block of frames at a time. A plain per-frame loop
// touches a new cache line for every bin of every frame; a block of 16 frames uses each cache
// line of the plane whole.

/** Frames per block: 16 float32 values are one 64-byte cache line of a plane's row. */
export const FRAME_BLOCK = 16;

/**
 * rows[i * rowLength + f] = plane[planeStart + f * frames + firstFrame + i], for f < bins and
 * i < count. Row entries from `bins` to `rowLength` are left as they are.
 */
export function gatherRows(
  plane: Float32Array,
  planeStart: number,
  bins: number,
  frames: number,
  firstFrame: number,
  count: number,
  rows: Float64Array,
  rowLength: number,
): void {
  for (let f = 0; f < bins; f++) {
    const from = planeStart + f * frames + firstFrame;
    for (let i = 0, to = f; i < count; i++, to += rowLength) rows[to] = plane[from + i]!;
  }
}

/** The inverse of `gatherRows`: plane[planeStart + f * frames + firstFrame + i] = rows[i * rowLength + f]. */
export function scatterRows(
  rows: Float64Array,
  rowLength: number,
  count: number,
  plane: Float32Array,
  planeStart: number,
  bins: number,
  frames: number,
  firstFrame: number,
): void {
  for (let f = 0; f < bins; f++) {
    const to = planeStart + f * frames + firstFrame;
    for (let i = 0, from = f; i < count; i++, from += rowLength) plane[to + i] = rows[from]!;
  }
}
