// Cache-friendly transposes between a model's [bins][frames] spectrogram planes and the
// [frames][bins] rows an FFT reads and writes. A plain strided loop touches a new cache line for
// every bin of every frame; tiles keep both sides in cache.

const TILE = 32;

/** dst[c * rows + r] = src[r * columns + c], for a rows x columns matrix starting at srcStart. */
export function transposeInto(
  src: Float32Array,
  srcStart: number,
  rows: number,
  columns: number,
  dst: Float32Array,
  dstStart = 0,
): void {
  for (let r0 = 0; r0 < rows; r0 += TILE) {
    const r1 = Math.min(rows, r0 + TILE);
    for (let c0 = 0; c0 < columns; c0 += TILE) {
      const c1 = Math.min(columns, c0 + TILE);
      for (let r = r0; r < r1; r++) {
        const from = srcStart + r * columns;
        for (let c = c0; c < c1; c++) dst[dstStart + c * rows + r] = src[from + c]!;
      }
    }
  }
}
