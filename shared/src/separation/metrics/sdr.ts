// Separation quality as the music demixing challenge scores it: one SDR per stem over the whole
// track, summed in float64 over every sample of every channel, then averaged over stems and songs.

/** Keeps the ratio finite for silent stems: a silent truth scores 0 dB only for a silent estimate. */
export const SDR_EPSILON = 1e-7;

/**
 * SDR in dB of `estimate` against `reference` (planar, same channel count and lengths):
 * 10 log10((sum s^2 + 1e-7) / (sum (s - s_hat)^2 + 1e-7)).
 * @throws RangeError when the shapes differ.
 */
export function sdr(reference: readonly Float32Array[], estimate: readonly Float32Array[]): number {
  if (reference.length !== estimate.length) {
    throw new RangeError(`SDR needs the same channel count, got ${reference.length} and ${estimate.length}`);
  }
  let signal = 0;
  let error = 0;
  for (let c = 0; c < reference.length; c++) {
    const s = reference[c]!;
    const e = estimate[c]!;
    if (s.length !== e.length) throw new RangeError(`SDR needs equal lengths, got ${s.length} and ${e.length}`);
    for (let i = 0; i < s.length; i++) {
      const v = s[i]!;
      const d = v - e[i]!;
      signal += v * v;
      error += d * d;
    }
  }
  return 10 * Math.log10((signal + SDR_EPSILON) / (error + SDR_EPSILON));
}

export interface SongSdr {
  /** SDR per stem, dB, in the order of the reference's keys. */
  stems: Record<string, number>;
  /** Mean over the stems. */
  mean: number;
}

/**
 * SDR of every stem of `references` against the same-named stem of `estimates`, and their mean.
 * @throws RangeError when an estimate is missing or its shape differs.
 */
export function songSdr(
  references: Readonly<Record<string, readonly Float32Array[]>>,
  estimates: Readonly<Record<string, readonly Float32Array[]>>,
): SongSdr {
  const stems: Record<string, number> = {};
  const names = Object.keys(references);
  for (const name of names) {
    const estimate = estimates[name];
    if (!estimate) throw new RangeError(`no estimate for stem '${name}'`);
    stems[name] = sdr(references[name]!, estimate);
  }
  const mean = names.reduce((sum, name) => sum + stems[name]!, 0) / Math.max(1, names.length);
  return { stems, mean };
}

/** Mean of per-song means (the challenge's headline figure). */
export function meanOverSongs(songs: readonly SongSdr[]): number {
  return songs.reduce((sum, song) => sum + song.mean, 0) / Math.max(1, songs.length);
}
