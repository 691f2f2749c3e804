// All IndexedDB access for the library: schema, versions and upgrades, and the reads and
// writes the app and its workers make. Runs in the page and in Web Workers alike.
import { openDB, type DBSchema, type IDBPDatabase, type IDBPTransaction, type StoreNames } from 'idb';
import { errorMessage, SfaError } from '@sfa/shared/protocol/errors';
import type { AnalysisResult } from '@sfa/shared/analysis/types';
import type { WaveformPeaks } from '@sfa/shared/waveform/peaks';
import type { ModelDescriptor } from '@sfa/shared/separation/descriptor';
import type { StemName } from '@sfa/shared/separation/types';

export const DB_NAME = 'sound-forge-alchemy';
/** Bump with a new `if (oldVersion < N)` step in `upgradeLibrary`; never edit an old step. */
export const DB_VERSION = 4;

/** What the library lists: small, so a list of thousands loads at once. */
export interface TrackRecord {
  /** SHA-256 of the original file's bytes, hex. */
  id: string;
  title: string;
  artist?: string;
  album?: string;
  fileName: string;
  mimeType: string;
  byteSize: number;
  container: string;
  codec: string;
  durationSec: number;
  sampleRate: number;
  channelCount: number;
  /** Milliseconds since the epoch. */
  importedAt: number;
}

/** The original file exactly as imported (bytes kept for re-decoding and export). */
export interface StoredFile {
  id: string;
  blob: Blob;
}

export interface StoredPeaks {
  id: string;
  peaks: WaveformPeaks;
}

/** What the library list shows and filters on, from one analysis. */
export interface AnalysisSummary {
  /** Global tempo, BPM (0 when no tempo was found). */
  bpm: number;
  /** Slowest and fastest tempo of the tempo curve; both equal `bpm` for a steady track. */
  bpmMin: number;
  bpmMax: number;
  /** Camelot code ("8A") and key name ("A minor"). */
  camelot: string;
  keyName: string;
  /** Integrated loudness, LUFS; -Infinity for silence. */
  integratedLufs: number;
}

/** A track's analysis as stored: the engine's whole result (typed arrays kept as they are). */
export interface AnalysisRecord {
  /** The track's id. */
  id: string;
  /** The engine version that produced `result`; a different current version means recompute. */
  engineVersion: number;
  result: AnalysisResult;
  summary: AnalysisSummary;
  /** Milliseconds since the epoch. */
  analysedAt: number;
}

/** One analysis as the library lists it: read from an index's keys, never from the record. */
export interface AnalysisListing {
  id: string;
  engineVersion: number;
  summary: AnalysisSummary;
}

/**
 * The `by-summary` index's key. Listing walks this index with a key cursor, so a library of
 * thousands of tracks loads its BPM and key columns without reading a single beat list or
 * onset envelope. A record whose summary is not a valid key is simply absent from the index
 * (and so analysed again), never an error.
 */
type SummaryKey = [
  engineVersion: number,
  bpm: number,
  bpmMin: number,
  bpmMax: number,
  camelot: string,
  keyName: string,
  integratedLufs: number,
];
const SUMMARY_KEY_PATH = [
  'engineVersion',
  'summary.bpm',
  'summary.bpmMin',
  'summary.bpmMax',
  'summary.camelot',
  'summary.keyName',
  'summary.integratedLufs',
];

/** How a stored model's bytes are known to be the right ones. */
export type ModelVerification =
  /** The catalogue's SHA-256 matched the downloaded bytes. */
  | 'checksum'
  /** The catalogue has no verified checksum: the hash was recorded at download and one run passed. */
  | 'recorded'
  /** Imported by the user from a local file; its descriptor came from the user's form. */
  | 'local';

/** A separation model stored for offline use (version 3). */
/**
 * Which file of a model: full precision, or the half-precision export (float16 weights and
 * arithmetic, float32 inputs and outputs) that runs on GPUs with `shader-f16`.
 */
export type ModelPrecision = 'fp32' | 'fp16';

export interface ModelRecord {
  /** The descriptor's id (a catalogue id, or one made for an imported file). */
  id: string;
  descriptor: ModelDescriptor;
  source: 'catalogue' | 'local';
  /** The .onnx file as downloaded or imported. */
  blob: Blob;
  byteSize: number;
  /** SHA-256 of `blob`, hex. */
  sha256: string;
  verification: ModelVerification;
  licence?: string;
  /** Milliseconds since the epoch. */
  storedAt: number;
  /** Measured seconds of processing per minute of audio, per execution provider ('wasm', 'webgpu'). */
  calibration?: Record<string, number>;
  /** The catalogue file it is; absent for imported files and models stored before fp16 files (fp32). */
  precision?: ModelPrecision;
}

/** A download in progress or paused: what has arrived so far lives in `modelParts`. */
export interface ModelDownloadRecord {
  /** The model's id. */
  id: string;
  url: string;
  /** Bytes the server said the whole file has. */
  totalBytes: number;
  /** Bytes stored in `modelParts` so far (their sizes add up to this). */
  receivedBytes: number;
  /** The parts' count; the next part gets this index. */
  parts: number;
  /** Validators from the first response, sent back with `If-Range` on resume. */
  etag?: string;
  lastModified?: string;
  startedAt: number;
  updatedAt: number;
  /** The file being fetched, decided when the download started and kept on resume; absent: fp32. */
  precision?: ModelPrecision;
}

export interface ModelPartRecord {
  modelId: string;
  index: number;
  blob: Blob;
}

export type SeparationJobState = 'queued' | 'running' | 'done' | 'failed' | 'cancelled';

/** A separation of one track by one model (version 3). */
export interface SeparationJobRecord {
  id: string;
  trackId: string;
  /** 'quick' or a stored model's id. */
  modelId: string;
  /** The model file the stored chunks came from (its SHA-256; 'quick' for Quick). */
  modelFile?: string;
  /** Requested stems, in order. */
  stems: StemName[];
  shifts: number;
  seed: number;
  state: SeparationJobState;
  createdAt: number;
  updatedAt: number;
  /** Where it last ran ('wasm', 'webgpu', 'cpu-dsp' for Quick, 'offload: <url>'). */
  executionProvider?: string;
  /** Why it did not run where it was first meant to (WebGPU failed, so WASM). */
  fallbackReason?: string;
  progress: { fraction: number; segment: number; segments: number; etaSec?: number };
  /** The engine's resume point after the last stored chunk (structured-cloneable). */
  checkpoint?: unknown;
  /** Chunks stored in `stemChunks` (indices 0 .. chunks-1) and the frames they cover. */
  chunks: number;
  frames: number;
  error?: { code: string; message: string };
  /** Where it runs, decided when it started (absent: on this device, as before offloading). */
  route?: 'local' | 'offload';
  /** An offloaded job: the server's base URL and the job's id there (resuming reuses it). */
  offloadServer?: string;
  offloadJobId?: string;
  /** The WAV header the server's stems began with, to rebuild the bytes held when resuming. */
  offloadHeader?: Uint8Array;
}

/** A finished stretch of every stem of a job, at the track's rate and channel count. */
export interface StemChunkRecord {
  jobId: string;
  index: number;
  startFrame: number;
  frames: number;
  stems: Record<StemName, Float32Array[]>;
}

/** The stems a finished job made, as the track view lists them. */
export interface StemSetRecord {
  /** The job's id. */
  id: string;
  trackId: string;
  modelId: string;
  modelName: string;
  stems: StemName[];
  sampleRate: number;
  channelCount: number;
  frames: number;
  peaks: Record<StemName, WaveformPeaks>;
  executionProvider: string;
  createdAt: number;
  /** How long the job took in the worker (its last run, if it was resumed). */
  timing?: JobTiming;
}

export interface JobTiming {
  /** From the worker taking the job to its stems being listed, ms. */
  jobMs: number;
  /** Inside the model runtime's session.run (ONNX models), ms, and how many runs. */
  modelRunMs?: number;
  modelRuns?: number;
}

export interface LibrarySchema extends DBSchema {
  tracks: { key: string; value: TrackRecord; indexes: { 'by-imported-at': number } };
  files: { key: string; value: StoredFile };
  peaks: { key: string; value: StoredPeaks };
  analyses: { key: string; value: AnalysisRecord; indexes: { 'by-summary': SummaryKey } };
  models: { key: string; value: ModelRecord };
  modelDownloads: { key: string; value: ModelDownloadRecord };
  modelParts: { key: [string, number]; value: ModelPartRecord };
  jobs: { key: string; value: SeparationJobRecord; indexes: { 'by-track': string; 'by-state': SeparationJobState } };
  stemChunks: { key: [string, number]; value: StemChunkRecord; indexes: { 'by-start': [string, number] } };
  stemSets: { key: string; value: StemSetRecord; indexes: { 'by-track': string } };
}

export type LibraryDb = IDBPDatabase<LibrarySchema>;

/** Each step brings a database from the version before it; data written by older versions stays. */
export function upgradeLibrary(
  db: IDBPDatabase<LibrarySchema>,
  oldVersion: number,
  transaction: IDBPTransaction<LibrarySchema, StoreNames<LibrarySchema>[], 'versionchange'>,
): void {
  if (oldVersion < 1) {
    const tracks = db.createObjectStore('tracks', { keyPath: 'id' });
    tracks.createIndex('by-imported-at', 'importedAt');
    db.createObjectStore('files', { keyPath: 'id' });
    db.createObjectStore('peaks', { keyPath: 'id' });
  }
  if (oldVersion < 2) {
    // Version 2: music analysis. Only adds a store; tracks, files and peaks stay as they are.
    db.createObjectStore('analyses', { keyPath: 'id' }).createIndex('by-summary', SUMMARY_KEY_PATH);
  }
  if (oldVersion < 3) {
    // Version 3: separation. Models (and downloads in progress), jobs, their stems.
    db.createObjectStore('models', { keyPath: 'id' });
    db.createObjectStore('modelDownloads', { keyPath: 'id' });
    db.createObjectStore('modelParts', { keyPath: ['modelId', 'index'] });
    const jobs = db.createObjectStore('jobs', { keyPath: 'id' });
    jobs.createIndex('by-track', 'trackId');
    jobs.createIndex('by-state', 'state');
    db.createObjectStore('stemChunks', { keyPath: ['jobId', 'index'] });
    db.createObjectStore('stemSets', { keyPath: 'id' }).createIndex('by-track', 'trackId');
  }
  if (oldVersion < 4) {
    // Version 4: the mixer streams stems from any position, so it finds the chunk that holds a
    // frame by its start. Chunks already stored are indexed as the index is built.
    transaction.objectStore('stemChunks').createIndex('by-start', ['jobId', 'startFrame']);
  }
}

const connections = new Map<string, Promise<LibraryDb>>();

/**
 * Opens (once per name, memoised) the library database. Another tab that needs a newer
 * version makes this connection close itself, and the next call reopens.
 */
export function openLibrary(name = DB_NAME): Promise<LibraryDb> {
  let connection = connections.get(name);
  if (!connection) {
    connection = openDB<LibrarySchema>(name, DB_VERSION, {
      upgrade: (db, oldVersion, _newVersion, transaction) => upgradeLibrary(db, oldVersion, transaction),
      blocking: () => {
        // A newer version of the app opened in another tab: let its upgrade run.
        void connection?.then((db) => db.close());
        connections.delete(name);
      },
      terminated: () => connections.delete(name),
    }).catch((error: unknown) => {
      connections.delete(name);
      if (error instanceof Error && error.name === 'VersionError') {
        throw new SfaError(
          'storage-failed',
          'The library was saved by a newer version of Sound Forge Alchemy; reload to update the app.',
          { cause: error },
        );
      }
      throw storageError(error);
    });
    connections.set(name, connection);
  }
  return connection;
}

/** Closes the memoised connection (tests, and before deleting the database). */
export async function closeLibrary(name = DB_NAME): Promise<void> {
  const connection = connections.get(name);
  connections.delete(name);
  if (connection) (await connection.catch(() => undefined))?.close();
}

export function storageError(error: unknown): SfaError {
  if (error instanceof SfaError) return error;
  const name = error instanceof Error ? error.name : '';
  if (name === 'QuotaExceededError') {
    return new SfaError('storage-full', 'Storage is full: free some space or delete tracks, then try again', {
      cause: error,
    });
  }
  const message = errorMessage(error);
  return new SfaError('storage-failed', `Could not save to the library: ${message}`, { cause: error });
}

/**
 * Runs `work` in one read-write transaction over `stores` and waits until it is committed; any
 * failure (a request's, or one `work` throws) aborts it all and comes out as `storageError`.
 */
export async function writeTransaction<S extends StoreNames<LibrarySchema>, T>(
  db: LibraryDb,
  stores: S[],
  work: (tx: IDBPTransaction<LibrarySchema, S[], 'readwrite'>) => Promise<T>,
): Promise<T> {
  const tx = db.transaction(stores, 'readwrite');
  // Keep the outcome of tx.done observed even when `work` throws first.
  const done = tx.done.catch((error: unknown) => error);
  let result: T;
  try {
    result = await work(tx);
  } catch (error) {
    try {
      tx.abort();
    } catch {
      // Already aborted by the failing request.
    }
    await done;
    throw storageError(error);
  }
  const failure = await done;
  if (failure) throw storageError(failure);
  return result;
}

/**
 * Stores a track, its file and its peaks in one transaction: all three are written or none is.
 * Throws `duplicate` if the track is already there, `storage-full` when the quota is exceeded.
 */
export async function addTrack(db: LibraryDb, track: TrackRecord, file: Blob, peaks: WaveformPeaks): Promise<void> {
  const tx = db.transaction(['tracks', 'files', 'peaks'], 'readwrite');
  // Keep the outcome of tx.done observed even if a put throws first.
  const done = tx.done.catch((error: unknown) => error);
  const writes: Promise<unknown>[] = [];
  try {
    const existing = await tx.objectStore('tracks').get(track.id);
    if (existing) {
      tx.abort();
      throw new SfaError('duplicate', `Already in the library as “${existing.title}”`);
    }
    // A put can throw synchronously (an unclonable value); the requests made before it then
    // fail with the aborted transaction, so every request is observed.
    writes.push(tx.objectStore('tracks').add(track));
    writes.push(tx.objectStore('files').put({ id: track.id, blob: file }));
    writes.push(tx.objectStore('peaks').put({ id: track.id, peaks }));
    await Promise.all(writes);
  } catch (error) {
    await Promise.allSettled(writes);
    if (!(error instanceof SfaError)) {
      try {
        tx.abort();
      } catch {
        // Already aborted by the failing request.
      }
    }
    await done;
    throw storageError(error);
  }
  const failure = await done;
  if (failure) throw storageError(failure);
}

export async function listTracks(db: LibraryDb): Promise<TrackRecord[]> {
  return db.getAllFromIndex('tracks', 'by-imported-at');
}

export async function getTrack(db: LibraryDb, id: string): Promise<TrackRecord | undefined> {
  return db.get('tracks', id);
}

export async function getTrackFile(db: LibraryDb, id: string): Promise<Blob> {
  const stored = await db.get('files', id);
  if (!stored) throw new SfaError('not-found', 'This track’s audio is no longer in the library');
  return stored.blob;
}

export async function getPeaks(db: LibraryDb, id: string): Promise<WaveformPeaks | undefined> {
  return (await db.get('peaks', id))?.peaks;
}

/**
 * Removes a track and everything stored for it (file, peaks, analysis, separation jobs and their
 * stems), in one transaction.
 */
export async function deleteTrack(db: LibraryDb, id: string): Promise<void> {
  const tx = db.transaction(['tracks', 'files', 'peaks', 'analyses', 'jobs', 'stemChunks', 'stemSets'], 'readwrite');
  const jobIds = await tx.objectStore('jobs').index('by-track').getAllKeys(id);
  await Promise.all([
    tx.objectStore('tracks').delete(id),
    tx.objectStore('files').delete(id),
    tx.objectStore('peaks').delete(id),
    tx.objectStore('analyses').delete(id),
    ...jobIds.flatMap((jobId) => [
      tx.objectStore('jobs').delete(jobId),
      tx.objectStore('stemSets').delete(jobId),
      tx.objectStore('stemChunks').delete(IDBKeyRange.bound([jobId, 0], [jobId, Infinity])),
    ]),
    tx.done,
  ]);
}

/** A number IndexedDB accepts as a key part (NaN is not one). */
function keyNumber(value: number, fallback: number): number {
  return Number.isNaN(value) ? fallback : value;
}

/** The list's view of a result: tempo range, key, loudness. */
export function summariseAnalysis(result: AnalysisResult): AnalysisSummary {
  const bpm = keyNumber(result.tempo.bpm, 0);
  const curve = result.tempo.curve.map((segment) => segment.bpm).filter((value) => Number.isFinite(value));
  return {
    bpm,
    bpmMin: curve.length ? Math.min(bpm, ...curve) : bpm,
    bpmMax: curve.length ? Math.max(bpm, ...curve) : bpm,
    camelot: result.key.camelot,
    keyName: result.key.name,
    integratedLufs: keyNumber(result.loudness.integratedLufs, -Infinity),
  };
}

/**
 * Stores a track's analysis, replacing any older one. Throws `not-found` (and writes nothing)
 * if the track was deleted meanwhile, so no analysis outlives its track.
 */
export async function putAnalysis(
  db: LibraryDb,
  id: string,
  result: AnalysisResult,
  analysedAt = Date.now(),
): Promise<AnalysisRecord> {
  const record: AnalysisRecord = {
    id,
    engineVersion: result.engineVersion,
    result,
    summary: summariseAnalysis(result),
    analysedAt,
  };
  const tx = db.transaction(['tracks', 'analyses'], 'readwrite');
  const done = tx.done.catch((error: unknown) => error);
  try {
    if (!(await tx.objectStore('tracks').getKey(id))) {
      tx.abort();
      throw new SfaError('not-found', 'The track was deleted before its analysis finished');
    }
    await tx.objectStore('analyses').put(record);
  } catch (error) {
    try {
      tx.abort();
    } catch {
      // Already aborted.
    }
    await done;
    throw storageError(error);
  }
  const failure = await done;
  if (failure) throw storageError(failure);
  return record;
}

export async function getAnalysis(db: LibraryDb, id: string): Promise<AnalysisRecord | undefined> {
  return db.get('analyses', id);
}

/**
 * Every stored analysis's engine version and summary, without reading the results themselves
 * (a key cursor over the `by-summary` index).
 */
export async function listAnalyses(db: LibraryDb): Promise<AnalysisListing[]> {
  const listings: AnalysisListing[] = [];
  let cursor = await db.transaction('analyses').store.index('by-summary').openKeyCursor();
  while (cursor) {
    const [engineVersion, bpm, bpmMin, bpmMax, camelot, keyName, integratedLufs] = cursor.key;
    listings.push({
      id: cursor.primaryKey,
      engineVersion,
      summary: { bpm, bpmMin, bpmMax, camelot, keyName, integratedLufs },
    });
    cursor = await cursor.continue();
  }
  return listings;
}
