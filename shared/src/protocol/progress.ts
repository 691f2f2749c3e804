// Progress is one shape everywhere (worker callbacks, the WebSocket, the UI): a stage name and
// an overall fraction that never decreases and ends at exactly 1.

export interface Progress<Stage extends string = string> {
  stage: Stage;
  /** Overall fraction in [0, 1], non-decreasing across a job. */
  fraction: number;
}

export type ProgressCallback<Stage extends string = string> = (progress: Progress<Stage>) => void;

/**
 * Maps per-stage fractions onto one overall fraction. `weights` gives each stage's share of
 * the whole, in order; reports that would move the total backwards are clamped, so a caller
 * cannot break the monotonic rule by reporting stages out of order.
 */
export function stagedProgress<Stage extends string>(
  weights: Readonly<Record<Stage, number>>,
  onProgress: ProgressCallback<Stage> | undefined,
): { report(stage: Stage, stageFraction: number): void; done(stage: Stage): void } {
  const stages = Object.keys(weights) as Stage[];
  const total = stages.reduce((sum, stage) => sum + weights[stage], 0);
  let last = 0;
  const emit = (stage: Stage, fraction: number) => {
    last = Math.max(last, Math.min(1, fraction));
    onProgress?.({ stage, fraction: last });
  };
  return {
    report(stage, stageFraction) {
      let before = 0;
      for (const s of stages) {
        if (s === stage) break;
        before += weights[s];
      }
      const within = Math.min(1, Math.max(0, stageFraction)) * weights[stage];
      emit(stage, (before + within) / total);
    },
    done(stage) {
      emit(stage, 1);
    },
  };
}
