// When the app and the CLI call a result uncertain, from the confidences the engine reports.

import type { TempoAnalysis } from './types.ts';

/**
 * Below this tempo confidence the beat is weak or ambiguous (rubato, ambient, orchestral
 * passages). Tracks with a clear beat score 0.5 and up on the corpus; on Debian's orchestral
 * game music most tracks score under 0.2.
 */
export const WEAK_PULSE_CONFIDENCE = 0.2;

/** Whether a found tempo should be shown as uncertain ("weak pulse"). */
export function isWeakPulse(tempo: Pick<TempoAnalysis, 'bpm' | 'confidence'>): boolean {
  return tempo.bpm > 0 && tempo.confidence < WEAK_PULSE_CONFIDENCE;
}
