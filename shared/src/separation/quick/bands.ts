// The frequency grid Quick decides on: single FFT bins up to 5 kHz, pairs up to 10 kHz, fours
// above. Masks need fine resolution where harmonics are dense and little where they are sparse
// next to noise, and the grid halves the work of the masks at 44.1 kHz.

export interface BandLayout {
  /** Number of bands. */
  count: number;
  /** The band of each FFT bin, DC to Nyquist. */
  bandOf: Int32Array;
  /** Centre frequency of each band, Hz. */
  centreHz: Float64Array;
}

const SINGLE_BELOW_HZ = 5000;
const PAIRS_BELOW_HZ = 10_000;

export function bandLayout(sampleRate: number, fftSize: number): BandLayout {
  const bins = fftSize / 2 + 1;
  const binHz = sampleRate / fftSize;
  const bandOf = new Int32Array(bins);
  const centres: number[] = [];
  for (let k = 0; k < bins;) {
    const f = k * binHz;
    const width = Math.min(bins - k, f < SINGLE_BELOW_HZ ? 1 : f < PAIRS_BELOW_HZ ? 2 : 4);
    bandOf.fill(centres.length, k, k + width);
    centres.push((k + (width - 1) / 2) * binHz);
    k += width;
  }
  return { count: centres.length, bandOf, centreHz: Float64Array.from(centres) };
}
