// The true-peak interpolator and its pruned search: the filter against an ideal fractional
// delay, the pruning bound against every interpolated point, the search against brute force,
// and the result against the analytic peak of a band-limited signal.
import { describe, expect, it } from 'vitest';
import { SignalScan } from './signal-scan.ts';
import { ENVELOPE_BLOCK, interpolatedPeak, searchTruePeak, seedTruePeak, TRUE_PEAK_INTERPOLATOR } from './true-peak.ts';

const { phases, firstTap, phaseBounds, pairGain, curvatureGain } = TRUE_PEAK_INTERPOLATOR;

/** Every interpolated point between samples n and n + 1, straight from the reference taps. */
function referencePoints(samples: Float32Array, n: number): number[] {
  return phases.map((taps) => {
    let sum = 0;
    taps.forEach((tap, j) => {
      const k = n + firstTap + j;
      if (k >= 0 && k < samples.length) sum += tap * samples[k]!;
    });
    return sum;
  });
}

/** Every interval, from the zero before the first sample to the zero after the last. */
function bruteForcePeak(samples: Float32Array): number {
  let peak = 0;
  for (let n = -1; n < samples.length; n++) {
    peak = Math.max(peak, Math.abs(samples[n] ?? 0), ...referencePoints(samples, n).map(Math.abs));
  }
  return peak;
}

/** The search as measureLoudness runs it, in runs of a few blocks so that every run boundary is crossed. */
function prunedPeak(samples: Float32Array, sampleRate = 44_100): number {
  const scan = new SignalScan([samples], sampleRate, [1]);
  while (!scan.done) scan.scan(100);
  const envelope = scan.envelopes[0]!;
  const blocks = Math.ceil(samples.length / ENVELOPE_BLOCK);
  const run = 5;
  let peak = envelope.samplePeak;
  for (const search of [seedTruePeak, searchTruePeak]) {
    for (let block = 0; block < blocks; block += run) {
      peak = search(samples, envelope, block, Math.min(blocks, block + run), peak);
    }
  }
  return peak;
}

/** Deterministic test audio: a seeded generator, so a failure reproduces. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0;
    return state / 2 ** 32 - 0.5;
  };
}

const SIGNALS: Record<string, () => Float32Array> = {
  'white noise': () => {
    const next = random(1);
    return Float32Array.from({ length: 6000 }, () => 1.8 * next());
  },
  'a hard-clipped chord with noise (a loud master)': () => {
    const next = random(2);
    return Float32Array.from({ length: 20_000 }, (_, n) => {
      const chord = Math.sin(n * 0.031) + 0.7 * Math.sin(n * 0.047) + 0.5 * Math.sin(n * 0.29) + 0.3 * next();
      return Math.max(-0.95, Math.min(0.95, 1.5 * chord));
    });
  },
  'a quiet start, then a full-scale step': () =>
    Float32Array.from({ length: 5000 }, (_, n) => (n < 2500 ? 0.01 * Math.sin(n) : n % 400 < 200 ? 0.9 : -0.9)),
  'a sine that starts at full scale on the first sample': () =>
    Float32Array.from({ length: 3000 }, (_, n) => 0.99 * Math.cos(n * 1.9)),
};

describe('true-peak interpolator', () => {
  it('is an ideal fractional delay within 1e-3 (0.009 dB) up to 20 kHz at 44.1 kHz', () => {
    phases.forEach((taps, index) => {
      const fraction = (index + 1) / 4;
      for (let frequencyHz = 0; frequencyHz <= 20_000; frequencyHz += 250) {
        const w = (2 * Math.PI * frequencyHz) / 44_100;
        let re = 0;
        let im = 0;
        taps.forEach((tap, j) => {
          re += tap * Math.cos(w * (j + firstTap));
          im += tap * Math.sin(w * (j + firstTap));
        });
        expect(Math.hypot(re - Math.cos(w * fraction), im - Math.sin(w * fraction))).toBeLessThan(1e-3);
      }
    });
  });

  it('folds to the same values as the reference taps', () => {
    for (const make of Object.values(SIGNALS)) {
      const samples = make();
      for (let n = 0; n < samples.length; n += 7) {
        const reference = Math.max(...referencePoints(samples, n).map(Math.abs));
        expect(interpolatedPeak(samples, n)).toBeCloseTo(reference, 12);
      }
    }
  });

  it('never exceeds the bounds the search prunes with', () => {
    for (const make of Object.values(SIGNALS)) {
      const samples = make();
      const curvature = (m: number) => Math.abs((samples[m] ?? 0) - 2 * (samples[m - 1] ?? 0) + (samples[m - 2] ?? 0));
      for (let n = 0; n < samples.length; n += 13) {
        let nearbyCurvature = 0;
        for (let m = n + firstTap + 1; m <= n + firstTap + phases[0]!.length; m++) {
          nearbyCurvature = Math.max(nearbyCurvature, curvature(m));
        }
        const [x0, x1] = [samples[n]!, samples[n + 1] ?? 0];
        const pairBound = pairGain * Math.max(Math.abs(x0), Math.abs(x1)) + curvatureGain * nearbyCurvature;
        referencePoints(samples, n).forEach((value, phase) => {
          const [a, b, gain] = phaseBounds[phase]!;
          const phaseBound = Math.abs(a * x0 + b * x1) + gain * nearbyCurvature;
          expect(phaseBound).toBeLessThanOrEqual(pairBound + 1e-12);
          expect(Math.abs(value)).toBeLessThanOrEqual(phaseBound + 1e-12);
        });
      }
    }
  });
});

describe('searchTruePeak', () => {
  it.each(Object.keys(SIGNALS))('finds the brute-force peak of %s', (name) => {
    const samples = SIGNALS[name]!();
    // The folded filter rounds differently from the reference taps, by an ulp or so.
    expect(prunedPeak(samples)).toBeCloseTo(bruteForcePeak(samples), 12);
  });

  it('reads a band-limited multi-tone within 0.05 dB of its analytic peak', () => {
    // Three tones up to 5 kHz: a 4x grid misses the crest by at most 1 - cos(pi 5 / (4 44.1)).
    const tones = [
      [220, 0.4, 0.3],
      [1370, 0.3, 1.1],
      [4910, 0.25, 2.0],
    ] as const;
    const sampleRate = 44_100;
    const at = (t: number) =>
      tones.reduce((sum, [hz, amplitude, phase]) => sum + amplitude * Math.sin(2 * Math.PI * hz * t + phase), 0);
    const samples = Float32Array.from({ length: sampleRate / 4 }, (_, n) => at(n / sampleRate));
    // The analytic peak over the middle (away from the faded ends), on a 32x grid.
    let analytic = 0;
    for (let k = 32 * 1000; k < 32 * (samples.length - 1000); k++) {
      analytic = Math.max(analytic, Math.abs(at(k / (32 * sampleRate))));
    }
    const fades = 500;
    for (let n = 0; n < fades; n++) {
      const gain = n / fades;
      samples[n]! *= gain;
      samples[samples.length - 1 - n]! *= gain;
    }
    const measuredDb = 20 * Math.log10(prunedPeak(samples, sampleRate));
    expect(Math.abs(measuredDb - 20 * Math.log10(analytic))).toBeLessThan(0.05);
  });
});
