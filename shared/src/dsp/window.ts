// Window functions: the periodic Hann the separation models were trained with
// (torch.hann_window's default), and the Kaiser window the resampler's filter uses.

/** Periodic Hann of `length` samples: 0.5 - 0.5 cos(2 pi n / length), as torch.hann_window. */
export function periodicHann(length: number): Float64Array {
  const window = new Float64Array(length);
  for (let n = 0; n < length; n++) window[n] = 0.5 - 0.5 * Math.cos((2 * Math.PI * n) / length);
  return window;
}

/** Modified Bessel function of the first kind, order 0 (power series; converges for all x). */
export function besselI0(x: number): number {
  const quarterSquare = (x * x) / 4;
  let term = 1;
  let sum = 1;
  for (let k = 1; term > sum * 1e-17; k++) {
    term *= quarterSquare / (k * k);
    sum += term;
  }
  return sum;
}

/**
 * Kaiser window evaluated at `position` in [-1, 1] (0 at the centre); 0 outside. `beta` trades
 * main-lobe width for side-lobe level: about 0.1102 (A - 8.7) for A dB of stopband attenuation.
 */
export function kaiser(position: number, beta: number): number {
  if (position < -1 || position > 1) return 0;
  return besselI0(beta * Math.sqrt(1 - position * position)) / besselI0(beta);
}
