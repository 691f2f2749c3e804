// The global tempo: which metrical level is the beat. The onset curve's periodicity offers
// candidates (its strongest periods and their halves, doubles, thirds and triples); each is
// tracked, and the one whose beats best carry the music wins: periodic onsets at the beats,
// subdivisions weaker than the beats, and chords that change every 3 or 4 beats rather than
// every 2 or 8 (which is what tells 70 from 140 BPM when the drums do not).

import { beatChroma, harmonicNovelty, type ChromaFrames } from './chroma.ts';
import { trackBeats } from './beats.ts';
import { bestBarGrid, type BarGrid } from './downbeats.ts';
import { refineTempo, salienceCurve, salienceMaxima, type TempoPeak } from './tempogram.ts';
import type { Checkpoint } from '../../protocol/checkpoint.ts';

/** The range beats are looked for in, BPM. */
export const MIN_BPM = 50;
export const MAX_BPM = 220;
/** Candidates below this fraction of the best periodicity are not worth tracking. */
const MIN_RELATIVE_SALIENCE = 0.4;
/** Added to the harmonic contrast, so music without chords (a click track) is still scored. */
const HARMONY_FLOOR = 0.05;
/** Centre and width (octaves) of the weak log-Gaussian preference for moderate tempi. */
const PRIOR_CENTRE_BPM = 120;
const PRIOR_WIDTH_OCTAVES = 1.5;

export interface TempoCandidate {
  bpm: number;
  /** Comb salience of the onset autocorrelation at this period, about 0-1. */
  salience: number;
  /** Bar grid the harmonic novelty suggests at this level, and how clearly. */
  bars: BarGrid;
  /** Onset strength halfway between beats over onset strength at beats. */
  subdivision: number;
  score: number;
}

export interface TempoChoice {
  best: TempoCandidate;
  candidates: TempoCandidate[];
  /** In [0, 1]: how far the best candidate stands above the runner-up, times periodicity. */
  confidence: number;
}

/** Tempo candidates: the strongest periodicities and their simple ratios, within range. */
export function tempoCandidates(acf: Float64Array, frameRate: number): TempoPeak[] {
  const curve = salienceCurve(acf, frameRate, MIN_BPM * 0.8, MAX_BPM * 1.2, 0.5);
  const peaks = salienceMaxima(curve).filter((peak) => peak.bpm >= MIN_BPM && peak.bpm <= MAX_BPM);
  const top = peaks[0];
  if (!top || top.salience <= 0) return [];
  const candidates: TempoPeak[] = [];
  const add = (peak: TempoPeak) => {
    if (peak.bpm < MIN_BPM || peak.bpm > MAX_BPM) return;
    if (peak.salience < MIN_RELATIVE_SALIENCE * top.salience) return;
    if (candidates.some((c) => Math.abs(c.bpm / peak.bpm - 1) < 0.04)) return;
    candidates.push(peak);
  };
  for (const peak of peaks.slice(0, 3)) add(peak);
  for (const ratio of [1 / 3, 1 / 2, 2 / 3, 3 / 2, 2, 3]) add(refineTempo(acf, frameRate, top.bpm * ratio));
  return candidates;
}

/**
 * Tracks each candidate at a steady period and scores it: periodicity x harmonic bar contrast
 * / (subdivision strength + 1/2) x a weak prior. Null when there is no periodicity at all.
 */
export async function chooseTempo(
  novelty: Float32Array,
  acf: Float64Array,
  frameRate: number,
  chroma: ChromaFrames,
  checkpoint: Checkpoint,
): Promise<TempoChoice | null> {
  const peaks = tempoCandidates(acf, frameRate);
  const candidates: TempoCandidate[] = [];
  for (const peak of peaks) {
    await checkpoint();
    const period = (60 * frameRate) / peak.bpm;
    const beatFrames = trackBeats(novelty, new Float32Array(novelty.length).fill(period));
    const beatsSec = beatFrames.map((frame) => frame / frameRate);
    const harmonic = harmonicNovelty(beatChroma(chroma, beatsSec));
    const bars = bestBarGrid(harmonic, 2, beatsSec.length - 2);
    const subdivision = subdivisionRatio(novelty, beatFrames);
    const prior = Math.exp(-0.5 * (Math.log2(peak.bpm / PRIOR_CENTRE_BPM) / PRIOR_WIDTH_OCTAVES) ** 2);
    const score = (peak.salience * (HARMONY_FLOOR + Math.max(0, bars.contrast)) * prior) / (0.5 + subdivision);
    candidates.push({ bpm: peak.bpm, salience: peak.salience, bars, subdivision, score });
  }
  if (candidates.length === 0) return null;
  candidates.sort((a, b) => b.score - a.score);
  const best = candidates[0]!;
  const runnerUp = candidates[1]?.score ?? 0;
  const margin = best.score > 0 ? 1 - runnerUp / best.score : 0;
  const confidence = Math.min(1, Math.sqrt(margin) * Math.min(1, best.salience / 0.5));
  return { best, candidates, confidence };
}

/**
 * Mean onset strength between consecutive beats (from 35 to 75 % of the interval, where an
 * off-beat falls, swung or not) over the mean strength at the beats. Near 1 or above: the
 * "beats" are really every other beat, or sit off the strong onsets.
 */
export function subdivisionRatio(novelty: Float32Array, beatFrames: readonly number[]): number {
  let atBeats = 0;
  let between = 0;
  for (let i = 0; i + 1 < beatFrames.length; i++) {
    const beat = beatFrames[i]!;
    const interval = beatFrames[i + 1]! - beat;
    atBeats += maxWithin(novelty, beat - 2, beat + 2);
    between += maxWithin(novelty, beat + 0.35 * interval, beat + 0.75 * interval);
  }
  return atBeats > 0 ? between / atBeats : 0;
}

function maxWithin(values: Float32Array, from: number, to: number): number {
  let best = 0;
  const last = Math.min(values.length - 1, Math.round(to));
  for (let i = Math.max(0, Math.round(from)); i <= last; i++) best = Math.max(best, values[i]!);
  return best;
}
