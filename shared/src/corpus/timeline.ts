// The tempo map of a synthetic song: where every beat falls, for steady tempi, steps and ramps.
// The beat times are the ground truth the tempo and beat trackers are scored against.

import type { TempoSegment } from '../analysis/types.ts';

export interface TempoPlan {
  /** Tempo at the first beat, BPM. */
  bpm: number;
  /** Tempo at the end for a changing song; equal to `bpm` (or absent) for a steady one. */
  endBpm?: number;
  /** 'step': jump to endBpm halfway; 'ramp': glide linearly in tempo over the middle half. */
  change?: 'step' | 'ramp';
}

export interface Timeline {
  /** Beat times, seconds from the start of the rhythmic part. */
  beats: number[];
  /** Tempo curve as it would be reported: segments of steady tempo. */
  curve: TempoSegment[];
}

/** Lays beats from `startSec` until `endSec`. */
export function layBeats(plan: TempoPlan, startSec: number, endSec: number): Timeline {
  const endBpm = plan.endBpm ?? plan.bpm;
  const span = endSec - startSec;
  const tempoAt = (t: number): number => {
    if (!plan.change || endBpm === plan.bpm) return plan.bpm;
    const u = (t - startSec) / span;
    if (plan.change === 'step') return u < 0.5 ? plan.bpm : endBpm;
    if (u < 0.25) return plan.bpm;
    if (u > 0.75) return endBpm;
    return plan.bpm + (endBpm - plan.bpm) * ((u - 0.25) / 0.5);
  };
  const beats: number[] = [];
  for (let t = startSec; t < endSec; t += 60 / tempoAt(t)) beats.push(t);
  const curve: TempoSegment[] = [{ startSec, bpm: plan.bpm }];
  if (plan.change && endBpm !== plan.bpm) {
    const changeAt = plan.change === 'step' ? startSec + span / 2 : startSec + span * 0.75;
    curve.push({ startSec: changeAt, bpm: endBpm });
  }
  return { beats, curve };
}
