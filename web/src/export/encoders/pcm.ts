// Float samples to integers, shared by the WAV and FLAC encoders so both quantise alike: scale by
// 2^(bits-1) (the scale readers divide by), round to nearest, clip. No dither: stems are usually
// re-edited in a DAW, and plain rounding keeps a round trip exact to half an LSB inside [-1, 1).

/** The scale for `bits` per sample: 32768 for 16 bits, 8388608 for 24. */
export function integerScale(bits: 16 | 24): number {
  return 2 ** (bits - 1);
}

/** Integer sample for `sample` at `scale` (see `integerScale`); NaN becomes 0. */
export function quantise(sample: number, scale: number): number {
  const value = Math.round((sample || 0) * scale);
  return value >= scale ? scale - 1 : value < -scale ? -scale : value;
}
