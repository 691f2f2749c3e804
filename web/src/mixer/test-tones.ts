// Test helper for the mixer's browser tests: the pitch of a clean tone.

/** Dominant frequency of a clean tone by its rising zero crossings (interpolated), Hz. */
export function zeroCrossingHz(signal: Float32Array, sampleRate: number): number {
  let first = -1;
  let last = -1;
  let count = 0;
  for (let i = 1; i < signal.length; i++) {
    if (signal[i - 1]! < 0 && signal[i]! >= 0) {
      const at = i - 1 + signal[i - 1]! / (signal[i - 1]! - signal[i]!);
      if (first < 0) first = at;
      last = at;
      count++;
    }
  }
  return ((count - 1) * sampleRate) / (last - first);
}
