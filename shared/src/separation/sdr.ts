// The music demixing challenge's SDR, as the project scores stems: per stem over the whole track,
// float64, all samples and channels.

/** SDR in dB: 10 log10((sum s^2 + 1e-7) / (sum (s - s_hat)^2 + 1e-7)). */
export function sdr(reference: readonly Float32Array[], estimate: readonly Float32Array[]): number {
  let signal = 1e-7;
  let error = 1e-7;
  reference.forEach((channel, c) => {
    const other = estimate[c]!;
    if (other.length !== channel.length) throw new RangeError('sdr: reference and estimate differ in length');
    for (let i = 0; i < channel.length; i++) {
      signal += channel[i]! * channel[i]!;
      error += (channel[i]! - other[i]!) ** 2;
    }
  });
  return 10 * Math.log10(signal / error);
}
