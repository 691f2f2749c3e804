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
 * The best bar grid for per-beat evidence of a bar start (harmonic novelty, optionally plus
 * bass onsets), each value in any scale. `valid` beats are those whose evidence is defined.
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
