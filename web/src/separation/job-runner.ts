// Runs one stored separation job in the worker: decode the track, load the model, separate, and
// store each chunk of stems with the checkpoint after it as it is made. A job that was stopped
// (reload, crash, cancel) goes on from its last stored chunk; a model that cannot resume (Quick)
// starts over. If WebGPU fails during the run, the job goes on on WASM from the same point.
import { decodeAudio } from '@sfa/shared/audio/decode';
import { errorMessage, isAbortError, SfaError, throwIfAborted } from '@sfa/shared/protocol/errors';
import { stagedProgress } from '@sfa/shared/protocol/progress';
import type { OnnxSeparator } from '@sfa/shared/separation/onnx-separator';
import type { PlanarAudio, SeparationCheckpoint, StemChunk, StemName } from '@sfa/shared/separation/types';
import { PeakBuilder, type WaveformPeaks } from '@sfa/shared/waveform/peaks';
import { getTrack, getTrackFile, type LibraryDb, type SeparationJobRecord, type StemSetRecord } from '../storage/db.ts';
import { appendChunk, clearChunks, finishJob, getJob, updateJob } from '../storage/job-store.ts';
import { loadSeparator, type JobProvider, type LoadedSeparator } from './separators.ts';

export type JobStage = 'decoding' | 'loading' | 'separating' | 'storing';

/** A job's progress as the page shows it: one fraction over the whole job, never decreasing. */
export interface JobProgress {
  stage: JobStage;
  fraction: number;
  /** Model segments done and in all (Quick counts its blocks). */
  segment: number;
  segments: number;
  etaSec?: number;
  provider?: JobProvider;
  fallbackReason?: string;
  /** Frames of every stem stored so far (from the start): what can be listened to already. */
  storedFrames: number;
  /** The stems' sample rate and channel count (the track's), once decoded. */
  sampleRate?: number;
  channels?: number;
}

const STAGE_WEIGHTS: Record<JobStage, number> = { decoding: 4, loading: 2, separating: 92, storing: 2 };

/** What stays loaded in the worker between jobs: the last track's audio and the last model. */
export interface RunnerCache {
  audio?: { trackId: string; pcm: PlanarAudio };
  loaded?: LoadedSeparator;
}

async function trackAudio(
  db: LibraryDb,
  trackId: string,
  cache: RunnerCache,
  signal: AbortSignal,
  onFraction: (fraction: number) => void,
): Promise<PlanarAudio> {
  if (cache.audio?.trackId === trackId) return cache.audio.pcm;
  cache.audio = undefined;
  const bytes = new Uint8Array(await (await getTrackFile(db, trackId)).arrayBuffer());
  throwIfAborted(signal);
  const decoded = await decodeAudio(bytes, { signal, onProgress: onFraction });
  const pcm = { sampleRate: decoded.sampleRate, channels: decoded.channels };
  cache.audio = { trackId, pcm };
  return pcm;
}

export async function separatorFor(db: LibraryDb, modelId: string, preferWebGpu: boolean, cache: RunnerCache) {
  const loaded = cache.loaded;
  if (loaded?.modelId === modelId && (preferWebGpu || loaded.provider !== 'webgpu')) return loaded;
  cache.loaded = undefined;
  // A session on a lost GPU device may fail to release; the job goes on regardless.
  await loaded?.release().catch(() => undefined);
  cache.loaded = await loadSeparator(db, modelId, preferWebGpu);
  return cache.loaded;
}

/** Peaks of every stem from the chunks already stored (a resumed job). */
async function peaksSoFar(db: LibraryDb, job: SeparationJobRecord, builders: Map<StemName, PeakBuilder>) {
  let cursor = await db.transaction('stemChunks').store.openCursor(IDBKeyRange.bound([job.id, 0], [job.id, Infinity]));
  while (cursor) {
    for (const [stem, builder] of builders) builder.add(cursor.value.stems[stem]!, cursor.value.startFrame);
    cursor = await cursor.continue();
  }
}

/** Time spent inside the model runtime since `before` (ONNX models only). */
function modelTiming(loaded: LoadedSeparator | undefined, before: { runs: number; runMs: number }) {
  const stats = (loaded?.separator as Partial<OnnxSeparator> | undefined)?.session?.stats;
  return stats ? { modelRunMs: stats.runMs - before.runMs, modelRuns: stats.runs - before.runs } : {};
}

export interface RunOptions {
  signal: AbortSignal;
  onProgress?: (progress: JobProgress) => void;
  cache: RunnerCache;
}

/**
 * Runs (or resumes) job `jobId` to the end and returns its stem set. Rejects with `aborted` when
 * cancelled (what is stored stays, to resume from), `not-found` when the job or track is gone.
 */
export async function runJob(
  db: LibraryDb,
  jobId: string,
  { signal, onProgress, cache }: RunOptions,
): Promise<StemSetRecord> {
  const started = performance.now();
  let job = await getJob(db, jobId);
  if (!job) throw new SfaError('not-found', 'The separation was deleted');
  const track = await getTrack(db, job.trackId);
  if (!track) throw new SfaError('not-found', 'The track was deleted');
  let provider: JobProvider | undefined;
  let fallbackReason: string | undefined;
  let segment = job.progress.segment;
  let segments = job.progress.segments;
  let etaSec: number | undefined;
  let fraction = job.progress.fraction;
  /** The stems' rate and channel count, known once the track is decoded. */
  const audio: { sampleRate?: number; channels?: number } = {};
  let stage: JobStage = 'decoding';
  const emit = () =>
    onProgress?.({
      stage,
      fraction,
      segment,
      segments,
      etaSec,
      provider,
      fallbackReason,
      storedFrames: job!.frames,
      ...audio,
    });
  const progress = stagedProgress<JobStage>(STAGE_WEIGHTS, (p) => {
    fraction = p.fraction;
    stage = p.stage;
    emit();
  });

  progress.report('decoding', 0);
  const pcm = await trackAudio(db, job.trackId, cache, signal, (f) => progress.report('decoding', f));
  const frames = pcm.channels[0]!.length;
  audio.sampleRate = pcm.sampleRate;
  audio.channels = pcm.channels.length;
  const builders = new Map(job.stems.map((stem) => [stem, new PeakBuilder(pcm.sampleRate, frames)]));

  let preferWebGpu = true;
  let runsBefore = { runs: 0, runMs: 0 };
  let loaded: LoadedSeparator;
  for (;;) {
    progress.report('loading', 0);
    loaded = await separatorFor(db, job.modelId, preferWebGpu, cache);
    provider = loaded.provider;
    fallbackReason = loaded.fallbackReason ?? fallbackReason;
    const sameFile = job.modelFile === undefined || job.modelFile === loaded.fileId;
    job = await updateJob(db, jobId, {
      state: 'running',
      executionProvider: provider,
      fallbackReason,
      modelFile: loaded.fileId,
    });
    // Stored chunks without a checkpoint (Quick), or made by another file of the model (deleted
    // and downloaded again), cannot be gone on from: start over.
    if (job.chunks > 0 && (!job.checkpoint || !sameFile)) job = await clearChunks(db, jobId);
    for (const stem of job.stems) builders.set(stem, new PeakBuilder(pcm.sampleRate, frames));
    await peaksSoFar(db, job, builders);
    throwIfAborted(signal);

    const stats = (loaded.separator as Partial<OnnxSeparator>).session?.stats;
    runsBefore = stats ? { ...stats } : runsBefore;
    let storing = false;
    try {
      await loaded.separator.separate(pcm, {
        stems: job.stems,
        shifts: job.shifts,
        seed: job.seed,
        collect: false,
        signal,
        resume: job.checkpoint as SeparationCheckpoint | undefined,
        onProgress: (p) => {
          segment = p.segment;
          segments = p.segments;
          etaSec = p.etaSec;
          progress.report('separating', p.fraction);
        },
        onChunk: async (chunk: StemChunk) => {
          storing = true;
          const chunkFrames = chunk.stems[job!.stems[0]!]![0]!.length;
          for (const [stem, builder] of builders) builder.add(chunk.stems[stem]!, chunk.startFrame);
          job = await appendChunk(
            db,
            { jobId, index: job!.chunks, startFrame: chunk.startFrame, frames: chunkFrames, stems: chunk.stems },
            { checkpoint: chunk.checkpoint, progress: { fraction, segment, segments, etaSec } },
          );
          storing = false;
          emit(); // more can be listened to now
        },
      });
      break;
    } catch (error) {
      // The checkpoint is another run's (the decoded length changed with an app update, say):
      // what is stored cannot be continued, so the job starts over.
      if (error instanceof SfaError && error.code === 'checkpoint-mismatch' && job.chunks > 0) {
        job = await clearChunks(db, jobId);
        continue;
      }
      const gpuFailed =
        provider === 'webgpu' &&
        !storing &&
        !isAbortError(error) &&
        !(error instanceof SfaError && ['bad-request', 'model-mismatch', 'not-found'].includes(error.code));
      if (!gpuFailed) throw error;
      // Go on from the last stored chunk on WASM; tell the user why it is slower now.
      preferWebGpu = false;
      fallbackReason = `WebGPU failed during the separation (${errorMessage(error)}); it goes on on the CPU (WASM)`;
      job = (await getJob(db, jobId)) ?? job;
    }
  }

  throwIfAborted(signal);
  progress.report('storing', 0);
  const set: StemSetRecord = {
    id: jobId,
    trackId: job.trackId,
    modelId: job.modelId,
    modelName: loaded.name,
    stems: job.stems,
    sampleRate: pcm.sampleRate,
    channelCount: pcm.channels.length,
    frames,
    peaks: Object.fromEntries([...builders].map(([stem, builder]) => [stem, builder.finish()])) as Record<
      StemName,
      WaveformPeaks
    >,
    executionProvider: provider!,
    createdAt: Date.now(),
    timing: { jobMs: 0, ...modelTiming(loaded, runsBefore) },
  };
  set.timing!.jobMs = performance.now() - started;
  await finishJob(db, set);
  etaSec = 0;
  progress.done('storing');
  return set;
}
