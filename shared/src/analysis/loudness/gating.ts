// From the 10 ms energy timeline to the numbers: window loudness series, the two-stage gate
// of BS.1770-4 (integrated loudness) and the loudness range of EBU Tech 3342.

import { type EnergyTimeline, SUB_BLOCKS_PER_SECOND } from './signal-scan.ts';

/** Gating blocks and momentary loudness: 400 ms (40 sub-blocks). */
export const MOMENTARY_SUB_BLOCKS = 40;
/** Short-term loudness: 3 s (300 sub-blocks). */
export const SHORT_TERM_SUB_BLOCKS = 300;

const ABSOLUTE_GATE_LUFS = -70;
const RELATIVE_GATE_LU = -10;
const RANGE_RELATIVE_GATE_LU = -20;
const RANGE_LOW_PERCENTILE = 0.1;
const RANGE_HIGH_PERCENTILE = 0.95;

/** BS.1770 loudness of a channel-weighted mean square; -Infinity for silence. */
export function lufsOf(meanSquare: number): number {
  return -0.691 + 10 * Math.log10(meanSquare);
}

function meanSquareOf(lufs: number): number {
  return 10 ** ((lufs + 0.691) / 10);
}

/** Exact sums are refreshed this often, so the running sum's rounding cannot build up. */
const RESUM_EVERY = 32;

/**
 * Mean squares of the whole windows of `width` sub-blocks that start every `step` sub-blocks,
 * from the start of the signal (window i covers sub-blocks [i step, i step + width)).
 */
export function windowMeanSquares(timeline: EnergyTimeline, width: number, step: number): Float64Array {
  const { energy, starts, wholeSubBlocks } = timeline;
  const count = wholeSubBlocks >= width ? Math.floor((wholeSubBlocks - width) / step) + 1 : 0;
  const result = new Float64Array(count);
  let sum = 0;
  for (let i = 0; i < count; i++) {
    const first = i * step;
    if (i % RESUM_EVERY === 0) {
      sum = 0;
      for (let k = first; k < first + width; k++) sum += energy[k]!;
    } else {
      for (let k = first - step; k < first; k++) sum -= energy[k]!;
      for (let k = first + width - step; k < first + width; k++) sum += energy[k]!;
    }
    result[i] = Math.max(0, sum) / (starts[first + width]! - starts[first]!);
  }
  return result;
}

/** Loudness (LUFS) of each mean square. */
export function toLufs(meanSquares: Float64Array): Float64Array {
  return meanSquares.map(lufsOf);
}

/**
 * The loudest window of `width` sub-blocks on a 10 ms grid, LUFS. A signal shorter than the
 * window reads as the window sliding in from silence: its whole energy over the window length.
 */
export function maxWindowLoudness(timeline: EnergyTimeline, width: number): number {
  const meanSquares = windowMeanSquares(timeline, width, 1);
  if (meanSquares.length === 0) {
    const total = timeline.energy.reduce((sum, value) => sum + value, 0);
    return lufsOf(total / ((width * timeline.sampleRate) / SUB_BLOCKS_PER_SECOND));
  }
  let loudest = 0;
  for (const value of meanSquares) if (value > loudest) loudest = value;
  return lufsOf(loudest);
}

/** Mean of the values above `floor`, or 0 when none is. */
function meanAbove(values: Float64Array, floor: number): number {
  let sum = 0;
  let count = 0;
  for (const value of values) {
    if (value > floor) {
      sum += value;
      count++;
    }
  }
  return count === 0 ? 0 : sum / count;
}

/**
 * BS.1770-4 integrated loudness from the mean squares of the 400 ms blocks (75 % overlap):
 * the energy mean of the blocks above -70 LUFS and above 10 LU under the mean of those.
 * -Infinity when no block passes (silence, or a signal shorter than one block).
 */
export function integratedLoudness(blockMeanSquares: Float64Array): number {
  const absoluteGate = meanSquareOf(ABSOLUTE_GATE_LUFS);
  const ungated = meanAbove(blockMeanSquares, absoluteGate);
  if (ungated === 0) return -Infinity;
  const relativeGate = meanSquareOf(lufsOf(ungated) + RELATIVE_GATE_LU);
  return lufsOf(meanAbove(blockMeanSquares, Math.max(absoluteGate, relativeGate)));
}

/**
 * EBU Tech 3342 loudness range (LU) from the mean squares of the 3 s windows every 100 ms:
 * gate at -70 LUFS and at 20 LU under the energy mean of what passes, then the spread between
 * the 10th and 95th percentiles, taken at sorted rank round((n - 1) p) as libebur128 does.
 * ffmpeg ranks from a histogram and can land one rank away: nothing on a long programme, but
 * over 1 LU on a 14 s fade. 0 when nothing passes.
 */
export function loudnessRange(shortTermMeanSquares: Float64Array): number {
  const absoluteGate = meanSquareOf(ABSOLUTE_GATE_LUFS);
  const ungated = meanAbove(shortTermMeanSquares, absoluteGate);
  if (ungated === 0) return 0;
  const gate = Math.max(absoluteGate, meanSquareOf(lufsOf(ungated) + RANGE_RELATIVE_GATE_LU));
  const kept = shortTermMeanSquares.filter((value) => value > gate).sort();
  const rank = (percentile: number) => kept[Math.round((kept.length - 1) * percentile)]!;
  return lufsOf(rank(RANGE_HIGH_PERCENTILE)) - lufsOf(rank(RANGE_LOW_PERCENTILE));
}
