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
  /** Tempo curve: segments of steady tempo (a ramp is approximated by one segment per bar). */
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
  if (plan.change === 'step' && endBpm !== plan.bpm) {
    curve.push({ startSec: startSec + span / 2, bpm: endBpm });
  } else if (plan.change === 'ramp' && endBpm !== plan.bpm) {
    // A ramp has no segments of its own; the truth gives one per bar-length step of the glide
    // (every 4 beats at the mean tempo), which a tracker's segments can be compared with.
    const rampStart = startSec + span * 0.25;
    const rampEnd = startSec + span * 0.75;
    const stepSec = (4 * 60 * 2) / (plan.bpm + endBpm);
    for (let t = rampStart; t < rampEnd; t += stepSec) {
      curve.push({ startSec: t, bpm: Math.round(tempoAt(t + stepSec / 2) * 10) / 10 });
    }
    curve.push({ startSec: rampEnd, bpm: endBpm });
  }
  return { beats, curve };
}
