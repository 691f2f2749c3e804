// The frequency grid Quick decides on: single FFT bins up to 2 kHz, pairs up to 4 kHz, fours up
// to 8 kHz, eights above (about a sixth of an octave there). Masks need fine resolution where
// harmonics are dense and little where partials are sparse among noise; at 44.1 kHz the grid has
// 269 bands for 1025 bins, which makes the masks' work a quarter, for the same quality on the
// corpus as single bins up to 5 kHz (0.02 dB better).

export interface BandLayout {
  /** Number of bands. */
  count: number;
  /** The band of each FFT bin, DC to Nyquist. */
  bandOf: Int32Array;
  /** Centre frequency of each band, Hz. */
  centreHz: Float64Array;
}

/** Bands of 1, 2, 4 and 8 bins, from these frequencies up. */
const WIDTHS_FROM_HZ = [0, 2000, 4000, 8000];

export function bandLayout(sampleRate: number, fftSize: number): BandLayout {
  const bins = fftSize / 2 + 1;
  const binHz = sampleRate / fftSize;
  const bandOf = new Int32Array(bins);
  const centres: number[] = [];
  for (let k = 0; k < bins;) {
    const f = k * binHz;
    const octave = WIDTHS_FROM_HZ.findLastIndex((from) => f >= from);
    const width = Math.min(bins - k, 2 ** octave);
    bandOf.fill(centres.length, k, k + width);
    centres.push((k + (width - 1) / 2) * binHz);
    k += width;
  }
  return { count: centres.length, bandOf, centreHz: Float64Array.from(centres) };
}
