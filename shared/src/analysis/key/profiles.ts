// Key profiles: how much each pitch class, counted from the tonic, sounds in a major or a minor
// key. Published profiles, as printed in their sources (index 0 = tonic).

export interface KeyProfile {
  major: readonly number[];
  minor: readonly number[];
}

export const PROFILES = {
  /** Krumhansl & Kessler (1982), probe-tone ratings. */
  krumhansl: {
    major: [6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88],
    minor: [6.33, 2.68, 3.52, 5.38, 2.6, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17],
  },
  /** Temperley (1999), "What's key for key?". */
  temperley: {
    major: [5.0, 2.0, 3.5, 2.0, 4.5, 4.0, 2.0, 4.5, 2.0, 3.5, 1.5, 4.0],
    minor: [5.0, 2.0, 3.5, 4.5, 2.0, 4.0, 2.0, 4.5, 3.5, 2.0, 1.5, 4.0],
  },
  /** Temperley's MIREX 2005 profiles (Kostka-Payne corpus). */
  temperley2005: {
    major: [0.748, 0.06, 0.488, 0.082, 0.67, 0.46, 0.096, 0.715, 0.104, 0.366, 0.057, 0.4],
    minor: [0.712, 0.084, 0.474, 0.618, 0.049, 0.46, 0.105, 0.747, 0.404, 0.067, 0.133, 0.33],
  },
  /** Gómez (2006), profiles for polyphonic audio (HPCP), as given by Sha'ath. */
  gomez: {
    major: [0.82, 0.0, 0.55, 0.0, 0.53, 0.3, 0.08, 1.0, 0.0, 0.38, 0.0, 0.47],
    minor: [0.81, 0.0, 0.53, 0.54, 0.0, 0.27, 0.07, 1.0, 0.27, 0.07, 0.1, 0.36],
  },
  /** Noland & Sandler (2007), learned from audio. */
  noland: {
    major: [0.0629, 0.0146, 0.061, 0.0121, 0.0623, 0.0414, 0.0248, 0.0631, 0.015, 0.0521, 0.0142, 0.0478],
    minor: [0.0682, 0.0138, 0.0543, 0.0519, 0.0234, 0.0544, 0.0176, 0.067, 0.0349, 0.0297, 0.0401, 0.027],
  },
  /** Sha'ath (2011), KeyFinder. */
  shaath: {
    major: [6.6, 2.0, 3.5, 2.3, 4.6, 4.0, 2.5, 5.2, 2.4, 3.7, 2.3, 3.4],
    minor: [6.5, 2.7, 3.5, 5.4, 2.6, 3.5, 2.5, 5.2, 4.0, 2.7, 4.3, 3.2],
  },
  /** Faraldo et al. (2016), "edma": learned from electronic dance music. */
  edma: {
    major: [1.0, 0.29, 0.5, 0.4, 0.6, 0.56, 0.32, 0.8, 0.31, 0.45, 0.42, 0.39],
    minor: [1.0, 0.31, 0.44, 0.58, 0.33, 0.49, 0.29, 0.78, 0.43, 0.29, 0.53, 0.32],
  },
  /** Faraldo et al. (2016), "bgate": Beatport-derived, sparse. */
  bgate: {
    major: [1.0, 0.0, 0.42, 0.0, 0.53, 0.37, 0.0, 0.77, 0.0, 0.38, 0.21, 0.3],
    minor: [1.0, 0.0, 0.36, 0.39, 0.0, 0.38, 0.0, 0.74, 0.27, 0.0, 0.42, 0.23],
  },
} satisfies Record<string, KeyProfile>;

export type ProfileName = keyof typeof PROFILES;
