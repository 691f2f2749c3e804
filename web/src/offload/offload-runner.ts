// Runs one stored separation job on the offload server, in the page, with the shared protocol
// client over the browser's WebSocket: sends the track's original file, asks for float WAV stems
// (the engine's float32 samples, unchanged), and stores them as they stream in, in the same
// chunk store and stem sets as a local job. A job stopped midway (the server gone, a reload)
// goes on from its stored chunks: the client tells the server how many bytes it holds.
import {
  runOffloadJob,
  Sha256,
  type HeldStem,
  type OffloadEvent,
  type WebSocketConstructorLike,
} from '@sfa/shared/offload/client';
import type { Capabilities } from '@sfa/shared/offload/protocol';
import { SfaError } from '@sfa/shared/protocol/errors';
import type { StemName } from '@sfa/shared/separation/types';
import { PeakBuilder, type WaveformPeaks } from '@sfa/shared/waveform/peaks';
import { getTrackFile, type LibraryDb, type SeparationJobRecord, type StemSetRecord } from '../storage/db.ts';
import { appendChunk, clearChunks, finishJob, getJob, updateJob } from '../storage/job-store.ts';
import { serverHost } from './settings.ts';
import { floatWavBytes, readFloatWavHeader, StemStream, type FloatChunk } from './stem-stream.ts';

export type OffloadStage = 'connecting' | 'uploading' | 'queued' | 'separating' | 'reconnecting' | 'storing';

/** An offloaded job's progress as the page shows it: one fraction, never decreasing. */
export interface OffloadProgress {
  stage: OffloadStage;
  fraction: number;
  etaSec?: number;
  /** Queue position, or why the connection is being made again. */
  detail?: string;
}

// The client sends only frames it encodes into fresh ArrayBuffers; the DOM typings' `send` refuses
// Uint8Array<ArrayBufferLike> (it might sit on a SharedArrayBuffer), hence the cast. Read at each
// run, so a test can stand a scripted server in for it.
const browserWebSocket = () => globalThis.WebSocket as unknown as WebSocketConstructorLike;

/** Frames per stored chunk (about 3 s at 44.1 kHz): small enough to resume from, few enough records. */
const CHUNK_FRAMES = 131_072;

export interface OffloadRunOptions {
  token: string;
  signal: AbortSignal;
  onProgress?: (progress: OffloadProgress) => void;
  /** Connections in a row without progress before the server counts as gone (default 8: about 45 s). */
  maxReconnects?: number;
}

/** "offload: host (cuda: GPU name)", as the job and its stem set record where they ran. */
export function offloadProviderLabel(serverUrl: string, capabilities: Capabilities | undefined): string {
  const provider = capabilities?.executionProvider;
  const detail = provider ? ` (${provider.name}${provider.gpu ? `: ${provider.gpu}` : ''})` : '';
  return `offload: ${serverHost(serverUrl)}${detail}`;
}

const chunkRange = (jobId: string) => IDBKeyRange.bound([jobId, 0], [jobId, Infinity]);

/**
 * What a resumed job already holds, per stem: how many bytes the server sent and a hash fed
 * with them, rebuilt one stored chunk at a time (a whole stem of float32 is hundreds of MB).
 */
async function heldStems(db: LibraryDb, job: SeparationJobRecord): Promise<Record<string, HeldStem>> {
  const header = job.offloadHeader!;
  const held = new Map(job.stems.map((stem) => [stem, { length: header.length, hasher: new Sha256().update(header) }]));
  const noHeader = new Uint8Array(0);
  // Hashing is synchronous, so the cursor's transaction stays open between steps.
  let cursor = await db.transaction('stemChunks').store.openCursor(chunkRange(job.id));
  while (cursor) {
    for (const [stem, state] of held) {
      const bytes = floatWavBytes(noHeader, [cursor.value.stems[stem]!]);
      state.hasher.update(bytes);
      state.length += bytes.length;
    }
    cursor = await cursor.continue();
  }
  return Object.fromEntries(held);
}

async function stemPeaks(db: LibraryDb, job: SeparationJobRecord, sampleRate: number, frames: number) {
  const builders = new Map(job.stems.map((stem) => [stem, new PeakBuilder(sampleRate, frames)]));
  let cursor = await db.transaction('stemChunks').store.openCursor(chunkRange(job.id));
  while (cursor) {
    for (const [stem, builder] of builders) builder.add(cursor.value.stems[stem]!, cursor.value.startFrame);
    cursor = await cursor.continue();
  }
  return Object.fromEntries([...builders].map(([stem, builder]) => [stem, builder.finish()])) as Record<
    StemName,
    WaveformPeaks
  >;
}

/**
 * Runs (or resumes) offloaded job `jobId` on its server and returns its stem set. Rejects with
 * `aborted` when cancelled, `unauthorized` for a refused token, and otherwise with why the
 * server could not finish it (gone for good, busy, the model missing); stored chunks stay.
 */
export async function runOffloadedJob(
  db: LibraryDb,
  jobId: string,
  capabilities: Capabilities | undefined,
  { token, signal, onProgress, maxReconnects }: OffloadRunOptions,
): Promise<StemSetRecord> {
  const started = performance.now();
  let job = await getJob(db, jobId);
  if (!job) throw new SfaError('not-found', 'The separation was deleted');
  const serverUrl = job.offloadServer;
  if (!serverUrl) throw new SfaError('bad-request', 'This separation has no offload server');
  const executionProvider = offloadProviderLabel(serverUrl, capabilities);
  // Chunks from a local run (or without the header to rebuild them) cannot be resumed from here.
  if (job.chunks > 0 && !job.offloadHeader) await clearChunks(db, jobId);
  job = await updateJob(db, jobId, { state: 'running', executionProvider, fallbackReason: undefined });
  // Every stem byte was stored but the page went away before the set was made (a reload at the
  // end): the server has nothing more to send, so finish from the stored chunks.
  const storedHeader = job.offloadHeader && readFloatWavHeader(job.offloadHeader);
  if (job.chunks > 0 && storedHeader && job.frames === storedHeader.frames) {
    onProgress?.({ stage: 'storing', fraction: Math.max(job.progress.fraction, 0.99) });
    const set = await storeStemSet(db, jobId, storedHeader.frames, capabilities, executionProvider, started);
    onProgress?.({ stage: 'storing', fraction: 1, etaSec: 0 });
    return set;
  }
  const file = new Uint8Array(await (await getTrackFile(db, job.trackId)).arrayBuffer());
  const received = job.chunks > 0 ? await heldStems(db, job) : undefined;
  let stream = new StemStream(job.stems, received ? { startFrame: job.frames, header: job.offloadHeader! } : undefined);

  let fraction = job.progress.fraction;
  let uploadFraction = received ? 1 : 0;
  let serverFraction = 0;
  let stage: OffloadStage = 'connecting';
  let etaSec: number | undefined;
  let detail: string | undefined;
  const report = () => {
    const frames = stream.frames;
    const receivedFraction = frames ? stream.nextFrame / frames : 0;
    fraction = Math.max(fraction, Math.min(1, 0.05 * uploadFraction + 0.8 * serverFraction + 0.15 * receivedFraction));
    onProgress?.({ stage, fraction, etaSec, detail });
  };

  // Stores are chained: events arrive synchronously, chunks must be stored in order.
  const failed = new AbortController();
  let writing: Promise<unknown> = Promise.resolve();
  let writeError: unknown;
  let chunkIndex = job.chunks;
  const enqueue = (write: () => Promise<unknown>) => {
    writing = writing
      .then(() => (writeError ? undefined : write()))
      .catch((error: unknown) => {
        writeError ??= error;
        failed.abort();
      });
  };
  const store = (chunk: FloatChunk) => {
    const index = chunkIndex++;
    enqueue(async () => {
      job = await appendChunk(
        db,
        { jobId, index, startFrame: chunk.startFrame, frames: chunk.frames, stems: chunk.stems },
        { progress: { fraction, segment: 0, segments: 0, etaSec } },
      );
    });
  };
  let headerStored = Boolean(job.offloadHeader);
  const onData = () => {
    const header = stream.header;
    if (header && !headerStored) {
      headerStored = true;
      enqueue(() => updateJob(db, jobId, { offloadHeader: header }));
    }
    const available = stream.available();
    const last = stream.frames !== undefined && stream.nextFrame + available === stream.frames;
    if (available >= CHUNK_FRAMES || (last && available > 0)) store(stream.take(available));
  };

  const onEvent = (event: OffloadEvent) => {
    switch (event.type) {
      case 'connecting':
        stage = event.attempt > 1 ? 'reconnecting' : 'connecting';
        break;
      case 'upload':
        stage = 'uploading';
        uploadFraction = event.sentBytes / event.totalBytes;
        break;
      case 'accepted':
        detail = undefined;
        if (!event.upload) uploadFraction = 1;
        stage = event.phase === 'upload' ? 'uploading' : event.phase === 'queued' ? 'queued' : 'separating';
        break;
      case 'queued':
        stage = 'queued';
        detail = `${event.position} of ${event.queueLength}`;
        break;
      case 'started':
        stage = 'separating';
        uploadFraction = 1;
        detail = undefined;
        break;
      case 'progress':
        stage = 'separating';
        serverFraction = Math.max(serverFraction, event.fraction);
        etaSec = event.etaSec;
        break;
      case 'stem-data':
        stream.push(event.stem, event.offset, event.bytes);
        onData();
        break;
      case 'stems-reset':
        // The client fetches every stem again from byte 0 (a stem failed its checksum). A stored
        // chunk holds every stem, so the store starts afresh, after the writes already queued.
        stream = new StemStream(job!.stems);
        headerStored = false;
        chunkIndex = 0;
        enqueue(() => clearChunks(db, jobId));
        break;
      case 'busy':
        detail = `the server is busy (${event.queueLength} waiting)`;
        break;
      case 'disconnected':
        stage = 'reconnecting';
        detail = event.willRetry ? 'the server is not answering; trying again' : undefined;
        break;
    }
    report();
  };

  try {
    await runOffloadJob({
      serverUrl,
      token: token || undefined,
      WebSocket: browserWebSocket(),
      jobId: job.offloadJobId ?? job.id,
      model: job.modelId,
      stems: job.stems,
      format: 'f32',
      shifts: job.shifts,
      seed: job.seed,
      file,
      fileSha256: job.trackId,
      // The chunk store holds the stems: the client only counts and checks them.
      streamStems: true,
      ...(received ? { received } : {}),
      signal: AbortSignal.any([signal, failed.signal]),
      onEvent,
      ...(maxReconnects === undefined ? {} : { maxReconnects }),
    });
  } catch (error) {
    await writing;
    throw writeError ?? error;
  }
  const rest = stream.available();
  if (rest > 0) store(stream.take(rest));
  await writing;
  if (writeError) throw writeError;

  stage = 'storing';
  report();
  const frames = stream.frames;
  if (frames === undefined) throw new SfaError('internal', "the server's stems ended before their header");
  const set = await storeStemSet(db, jobId, frames, capabilities, executionProvider, started);
  onProgress?.({ stage: 'storing', fraction: 1, etaSec: 0 });
  return set;
}

/** Lists the job's stored chunks as its stem set (peaks from the chunks) and marks it done. */
async function storeStemSet(
  db: LibraryDb,
  jobId: string,
  frames: number,
  capabilities: Capabilities | undefined,
  executionProvider: string,
  started: number,
): Promise<StemSetRecord> {
  const job = await getJob(db, jobId);
  if (!job) throw new SfaError('not-found', 'The separation was deleted');
  const header = job.offloadHeader;
  if (!header || job.frames !== frames) {
    throw new SfaError('internal', `the server's stems ended at ${job.frames} frames of ${frames}`);
  }
  const { sampleRate, channels: channelCount } = readFloatWavHeader(header)!;
  const model = capabilities?.models.find((m) => m.id === job.modelId);
  const set: StemSetRecord = {
    id: jobId,
    trackId: job.trackId,
    modelId: job.modelId,
    modelName: model?.name ?? job.modelId,
    stems: job.stems,
    sampleRate,
    channelCount,
    frames,
    peaks: await stemPeaks(db, job, sampleRate, frames),
    executionProvider,
    createdAt: Date.now(),
    timing: { jobMs: performance.now() - started },
  };
  await finishJob(db, set);
  return set;
}
