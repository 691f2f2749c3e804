// Harmonic mixing in DJ terms: Camelot order for sorting, which keys mix (the wheel's
// neighbours), and tempo matching that allows half and double time (a 70 BPM track mixes
// with a 140 BPM one).
import { camelotCode, harmonicNeighbours, keyName, parseCamelot } from '@sfa/shared/analysis/key/camelot';
import type { Mode } from '@sfa/shared/analysis/types';
import type { AnalysisSummary } from '../storage/db.ts';

/** How far two tempi may differ and still mix by pitch-shifting a deck: ±6%. */
export const MIX_BPM_TOLERANCE = 0.06;

/** Sort position on the Camelot wheel: 1A, 1B, 2A, … 12B; unknown codes last. */
export function camelotOrder(code: string): number {
  const parsed = parseCamelot(code);
  return parsed ? (parsed.number - 1) * 2 + (parsed.letter === 'B' ? 1 : 0) : Number.POSITIVE_INFINITY;
}

/** All 24 keys in wheel order (1A, 1B, 2A, …), with their names: "8A", "A minor". */
export const CAMELOT_WHEEL: readonly { code: string; name: string }[] = Array.from({ length: 24 }, (_, i) => {
  const tonic = i % 12;
  const mode: Mode = i < 12 ? 'major' : 'minor';
  return { code: camelotCode(tonic, mode), name: keyName(tonic, mode) };
}).sort((a, b) => camelotOrder(a.code) - camelotOrder(b.code));

/** The codes that mix with `code`: itself and its neighbours on the wheel. */
export function compatibleCodes(code: string): Set<string> {
  return new Set([code, ...harmonicNeighbours(code)]);
}

/** `bpm`, and with `halfDouble` its half and double: the tempi a DJ would count it as. */
function tempoReadings(bpm: number, halfDouble: boolean): number[] {
  return halfDouble ? [bpm, bpm / 2, bpm * 2] : [bpm];
}

/** Whether `bpm` falls in [min, max] (either bound optional), or its half or double does. */
export function bpmInRange(bpm: number, min: number | undefined, max: number | undefined, halfDouble: boolean) {
  if (!(bpm > 0)) return min === undefined && max === undefined;
  return tempoReadings(bpm, halfDouble).some(
    (value) => (min === undefined || value >= min) && (max === undefined || value <= max),
  );
}

/** Relative tempo difference between two tracks, the closest of same, half and double time. */
export function bpmDistance(bpm: number, otherBpm: number): number {
  if (!(bpm > 0) || !(otherBpm > 0)) return Number.POSITIVE_INFINITY;
  return Math.min(...tempoReadings(otherBpm, true).map((value) => Math.abs(value - bpm) / bpm));
}

export interface CompatibleTrack {
  id: string;
  summary: AnalysisSummary;
  /** Relative tempo difference, see `bpmDistance`. */
  bpmDistance: number;
  sameKey: boolean;
}

/**
 * Tracks that mix with `summary`'s track: a neighbouring (or the same) Camelot key, and a
 * tempo within ±6% in same, half or double time. Same key first, then closest tempo.
 */
export function compatibleTracks(
  trackId: string,
  summary: AnalysisSummary,
  summaries: ReadonlyMap<string, AnalysisSummary>,
): CompatibleTrack[] {
  const codes = compatibleCodes(summary.camelot);
  const matches: CompatibleTrack[] = [];
  for (const [id, other] of summaries) {
    if (id === trackId || !codes.has(other.camelot)) continue;
    const distance = bpmDistance(summary.bpm, other.bpm);
    if (distance <= MIX_BPM_TOLERANCE) {
      matches.push({ id, summary: other, bpmDistance: distance, sameKey: other.camelot === summary.camelot });
    }
  }
  return matches.sort((a, b) => Number(b.sameKey) - Number(a.sameKey) || a.bpmDistance - b.bpmDistance);
}
