// Metre and bar phase from the beats: chords change where bars start, so the harmonic novelty
// at the beats peaks every 3 or 4 beats. The hypothesis (beats per bar, first downbeat) whose
// beats stand out most from the others wins.

export interface BarGrid {
  beatsPerBar: 3 | 4;
  /** Index of the first downbeat among the beats, in [0, beatsPerBar). */
  phase: number;
  /** Mean novelty at the downbeats minus the mean at the other beats (0 when undecided). */
  contrast: number;
}

/**
 * Per-beat evidence of a bar start: harmonic novelty plus weighted accents (onset strength at
 * the beat, e.g. in the bass band where kick drums and bass notes mark the bar), each scaled
 * by its own mean so that the weights, not the units, set their say.
 */
export function barEvidence(
  harmonic: Float32Array,
  accents: readonly { values: Float32Array; weight: number }[],
): Float32Array {
  const out = scaledByMean(harmonic);
  for (const { values, weight } of accents) {
    const scaled = scaledByMean(values);
    for (let b = 0; b < out.length; b++) out[b]! += weight * scaled[b]!;
  }
  return out;
}

function scaledByMean(values: Float32Array): Float32Array {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i]!;
  const scale = sum > 0 ? values.length / sum : 0;
  return Float32Array.from(values, (v) => v * scale);
}

/**
 * A metre is read from the harmony only when its contrast is this many standard errors clear
 * of noise; short or chordless music (a click track) is taken to be in 4/4, the common case.
 */
const MIN_METRE_SIGNIFICANCE = 2;

/**
 * The bar grid of a tracked song: the metre from the harmonic novelty alone (accents are
 * noisier and without chords nothing says 3 rather than 4, the common case), the phase from
 * the harmony and the accents together. Beats `from` .. `to` have defined evidence.
 */
export function chooseBars(
  harmonic: Float32Array,
  accents: readonly { values: Float32Array; weight: number }[],
  from: number,
  to: number,
): BarGrid {
  const scaled = scaledByMean(harmonic);
  const metre = bestBarGrid(scaled, from, to);
  const beatsPerBar = significance(scaled, metre, from, to) >= MIN_METRE_SIGNIFICANCE ? metre.beatsPerBar : 4;
  const evidence = barEvidence(harmonic, accents);
  let best: BarGrid = { beatsPerBar, phase: 0, contrast: 0 };
  for (let phase = 0; phase < beatsPerBar; phase++) {
    const contrast = barContrast(evidence, beatsPerBar, phase, from, to);
    if (contrast > best.contrast) best = { beatsPerBar, phase, contrast };
  }
  return best;
}

/**
 * The best bar grid for per-beat evidence of a bar start (any scale), over the beats
 * [from, to) whose evidence is defined.
 */
export function bestBarGrid(evidence: Float32Array, from = 0, to = evidence.length): BarGrid {
  let best: BarGrid = { beatsPerBar: 4, phase: 0, contrast: 0 };
  for (const beatsPerBar of [3, 4] as const) {
    for (let phase = 0; phase < beatsPerBar; phase++) {
      const contrast = barContrast(evidence, beatsPerBar, phase, from, to);
      if (contrast > best.contrast) best = { beatsPerBar, phase, contrast };
    }
  }
  return best;
}

/**
 * Mean evidence at beats phase, phase + m, ... minus the largest mean at any other phase, over
 * [from, to). Against the runner-up phase rather than all others: a pattern that repeats every
 * two beats (bars of two, or a mis-tracked 3/4) must not pass for bars of four.
 */
export function barContrast(
  evidence: Float32Array,
  beatsPerBar: number,
  phase: number,
  from: number,
  to: number,
): number {
  const sums = new Float64Array(beatsPerBar);
  const counts = new Float64Array(beatsPerBar);
  for (let b = from; b < to; b++) {
    sums[b % beatsPerBar]! += evidence[b]!;
    counts[b % beatsPerBar]!++;
  }
  if (counts[phase] === 0) return 0;
  let runnerUp = -Infinity;
  for (let p = 0; p < beatsPerBar; p++) {
    if (p !== phase && counts[p]! > 0) runnerUp = Math.max(runnerUp, sums[p]! / counts[p]!);
  }
  return runnerUp === -Infinity ? 0 : sums[phase]! / counts[phase]! - runnerUp;
}

/** Contrast over its standard error: how unlikely a grid this clear is from noise alone. */
function significance(evidence: Float32Array, grid: BarGrid, from: number, to: number): number {
  let sum = 0;
  let sumSquares = 0;
  let on = 0;
  for (let b = from; b < to; b++) {
    sum += evidence[b]!;
    sumSquares += evidence[b]! ** 2;
    if (b % grid.beatsPerBar === grid.phase) on++;
  }
  const n = to - from;
  const off = n - on;
  if (on === 0 || off === 0) return 0;
  const variance = Math.max(0, sumSquares / n - (sum / n) ** 2);
  const standardError = Math.sqrt(variance * (1 / on + 1 / off));
  return standardError > 0 ? grid.contrast / standardError : 0;
}
