// Music analysis off the main thread: decode the stored file (or take audio the import has
// just decoded), run the analysis engine (tempo, beats, key, loudness), store the result.
// Exposed with comlink; the page imports only its type.
import * as Comlink from 'comlink';
import './comlink-errors.ts';
import { analyzeTrack, type AnalysisStage as EngineStage } from '@sfa/shared/analysis/analyze';
import { decodeAudio } from '@sfa/shared/audio/decode';
import { throwIfAborted } from '@sfa/shared/protocol/errors';
import { stagedProgress, type ProgressCallback } from '@sfa/shared/protocol/progress';
import { getTrackFile, openLibrary, putAnalysis, type AnalysisRecord } from '../storage/db.ts';
import type { DecodedPcm } from './pcm.ts';

/** What the job is doing: reading and decoding the file, one of the engine's stages, storing. */
export type AnalysisStage = 'reading' | 'decoding' | EngineStage | 'storing';

type Step = 'reading' | 'decoding' | 'analysing' | 'storing';
/** Shares of the job's time; audio handed over by the import skips reading and decoding. */
const STEP_WEIGHTS: Record<Step, number> = { reading: 2, decoding: 25, analysing: 70, storing: 3 };
const STEP_WEIGHTS_DECODED: Record<Step, number> = { reading: 0, decoding: 0, analysing: 97, storing: 3 };

const jobs = new Map<string, AbortController>();

/**
 * Analyses a stored track and stores the result, which it also returns. `decoded` is the
 * track's audio when the caller already has it (moved here, not copied); otherwise the stored
 * file is decoded again. Cancellable by `jobId`; rejects with `aborted` when cancelled and
 * `not-found` when the track is deleted meanwhile.
 */
async function analyze(
  jobId: string,
  trackId: string,
  onProgress?: ProgressCallback<AnalysisStage>,
  decoded?: DecodedPcm,
): Promise<AnalysisRecord> {
  const controller = new AbortController();
  jobs.set(jobId, controller);
  const { signal } = controller;
  // One fraction over the whole job; while the engine runs, the stage named is the engine's.
  let engineStage: EngineStage = 'decimate';
  const progress = stagedProgress<Step>(decoded ? STEP_WEIGHTS_DECODED : STEP_WEIGHTS, (step) =>
    onProgress?.({ stage: step.stage === 'analysing' ? engineStage : step.stage, fraction: step.fraction }),
  );
  try {
    const db = await openLibrary();
    let pcm = decoded;
    if (!pcm) {
      progress.report('reading', 0);
      const bytes = new Uint8Array(await (await getTrackFile(db, trackId)).arrayBuffer());
      throwIfAborted(signal);
      pcm = await decodeAudio(bytes, { signal, onProgress: (fraction) => progress.report('decoding', fraction) });
    }
    progress.report('analysing', 0);
    const result = await analyzeTrack(pcm.channels, pcm.sampleRate, {
      signal,
      onProgress: ({ stage, fraction }) => {
        engineStage = stage;
        progress.report('analysing', fraction);
      },
    });
    throwIfAborted(signal);
    progress.report('storing', 0);
    const record = await putAnalysis(db, trackId, result);
    progress.done('storing');
    return record;
  } finally {
    jobs.delete(jobId);
    // The callback arrived as a comlink proxy: close its port.
    (onProgress as Partial<Comlink.Remote<unknown>> | undefined)?.[Comlink.releaseProxy]?.();
  }
}

function cancel(jobId: string): void {
  jobs.get(jobId)?.abort();
}

const api = { analyze, cancel };
export type AnalysisWorkerApi = typeof api;

Comlink.expose(api);
