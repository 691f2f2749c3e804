// Separation jobs and their stems in IndexedDB. A job's stems are stored as it makes them, one
// chunk at a time, each chunk in the same transaction as the job's checkpoint after it: a reload
// or a crash leaves a job whose stored chunks and resume point always agree.
import { SfaError } from '@sfa/shared/protocol/errors';
import type { StemName } from '@sfa/shared/separation/types';
import {
  writeTransaction,
  type LibraryDb,
  type SeparationJobRecord,
  type StemChunkRecord,
  type StemSetRecord,
} from './db.ts';

/** Every chunk key of one job. */
function chunkRange(jobId: string): IDBKeyRange {
  return IDBKeyRange.bound([jobId, 0], [jobId, Infinity]);
}

/** Stores a new job; refuses (writing nothing) if its track is gone. */
export async function addJob(db: LibraryDb, job: SeparationJobRecord): Promise<void> {
  await writeTransaction(db, ['tracks', 'jobs'], async (tx) => {
    if (!(await tx.objectStore('tracks').getKey(job.trackId))) {
      throw new SfaError('not-found', 'The track was deleted before its separation started');
    }
    await tx.objectStore('jobs').add(job);
  });
}

export async function getJob(db: LibraryDb, id: string): Promise<SeparationJobRecord | undefined> {
  return db.get('jobs', id);
}

/** Every job, oldest first. */
export async function listJobs(db: LibraryDb): Promise<SeparationJobRecord[]> {
  const jobs = await db.getAll('jobs');
  return jobs.sort((a, b) => a.createdAt - b.createdAt);
}

/**
 * Changes a job's fields; `not-found` if it was deleted meanwhile (with its track). With
 * `unless`, a job already in that state is left as it is (and returned).
 */
export async function updateJob(
  db: LibraryDb,
  id: string,
  change: Partial<Omit<SeparationJobRecord, 'id' | 'trackId'>>,
  { unless }: { unless?: SeparationJobRecord['state'] } = {},
): Promise<SeparationJobRecord> {
  let updated: SeparationJobRecord | undefined;
  await writeTransaction(db, ['jobs'], async (tx) => {
    const job = await tx.objectStore('jobs').get(id);
    if (!job) throw new SfaError('not-found', 'The separation was deleted');
    if (unless !== undefined && job.state === unless) {
      updated = job;
      return;
    }
    updated = { ...job, ...change, updatedAt: Date.now() };
    await tx.objectStore('jobs').put(updated);
  });
  return updated!;
}

/**
 * Stores the next chunk of a job's stems with the job's new checkpoint and progress, in one
 * transaction. The chunk must be the one the job expects next (`job.chunks`), so a chunk is
 * never stored twice or out of order.
 */
export async function appendChunk(
  db: LibraryDb,
  chunk: StemChunkRecord,
  change: Pick<SeparationJobRecord, 'checkpoint' | 'progress'>,
): Promise<SeparationJobRecord> {
  let updated: SeparationJobRecord | undefined;
  await writeTransaction(db, ['jobs', 'stemChunks'], async (tx) => {
    const job = await tx.objectStore('jobs').get(chunk.jobId);
    if (!job) throw new SfaError('not-found', 'The separation was deleted');
    if (chunk.index !== job.chunks || chunk.startFrame !== job.frames) {
      throw new SfaError(
        'internal',
        `chunk ${chunk.index} at frame ${chunk.startFrame} does not follow the ${job.chunks} stored (${job.frames} frames)`,
      );
    }
    updated = {
      ...job,
      ...change,
      chunks: job.chunks + 1,
      frames: job.frames + chunk.frames,
      updatedAt: Date.now(),
    };
    await Promise.all([tx.objectStore('stemChunks').add(chunk), tx.objectStore('jobs').put(updated)]);
  });
  return updated!;
}

/** Forgets a job's stored chunks (a job that cannot resume starts over) and returns the job. */
export async function clearChunks(db: LibraryDb, id: string): Promise<SeparationJobRecord> {
  let cleared: SeparationJobRecord | undefined;
  await writeTransaction(db, ['jobs', 'stemChunks'], async (tx) => {
    const job = await tx.objectStore('jobs').get(id);
    if (!job) throw new SfaError('not-found', 'The separation was deleted');
    cleared = {
      ...job,
      chunks: 0,
      frames: 0,
      checkpoint: undefined,
      progress: { fraction: 0, segment: 0, segments: 0 },
      updatedAt: Date.now(),
    };
    await Promise.all([tx.objectStore('stemChunks').delete(chunkRange(id)), tx.objectStore('jobs').put(cleared)]);
  });
  return cleared!;
}

/** Marks a job done and lists its stems under the track, in one transaction. */
export async function finishJob(db: LibraryDb, set: StemSetRecord): Promise<void> {
  await writeTransaction(db, ['jobs', 'stemSets'], async (tx) => {
    const job = await tx.objectStore('jobs').get(set.id);
    if (!job) throw new SfaError('not-found', 'The separation was deleted');
    if (job.frames !== set.frames) {
      throw new SfaError('internal', `the separation stored ${job.frames} frames of ${set.frames}`);
    }
    const done: SeparationJobRecord = {
      ...job,
      state: 'done',
      checkpoint: undefined,
      progress: { ...job.progress, fraction: 1, etaSec: 0 },
      updatedAt: Date.now(),
    };
    await Promise.all([tx.objectStore('jobs').put(done), tx.objectStore('stemSets').put(set)]);
  });
}

/** Removes a job, its chunks and its stem set. */
export async function deleteJob(db: LibraryDb, id: string): Promise<void> {
  await writeTransaction(db, ['jobs', 'stemChunks', 'stemSets'], async (tx) => {
    await Promise.all([
      tx.objectStore('jobs').delete(id),
      tx.objectStore('stemChunks').delete(chunkRange(id)),
      tx.objectStore('stemSets').delete(id),
    ]);
  });
}

/** A track's finished stem sets, newest first. */
export async function listStemSets(db: LibraryDb, trackId: string): Promise<StemSetRecord[]> {
  const sets = await db.getAllFromIndex('stemSets', 'by-track', trackId);
  return sets.sort((a, b) => b.createdAt - a.createdAt);
}

/**
 * One stem of a job as whole channels, read chunk by chunk (a cursor, so only one chunk of
 * every stem is in memory besides the result). `frames` is the stem's length, or, for a job
 * still running, how much of it is stored so far.
 */
export async function readStem(db: LibraryDb, jobId: string, stem: StemName, frames: number): Promise<Float32Array[]> {
  let channels: Float32Array[] | undefined;
  let covered = 0;
  let cursor = await db.transaction('stemChunks').store.openCursor(chunkRange(jobId));
  while (cursor) {
    const chunk = cursor.value;
    if (chunk.startFrame >= frames) break;
    const samples = chunk.stems[stem];
    if (!samples) throw new SfaError('not-found', `This separation has no stem "${stem}"`);
    channels ??= samples.map(() => new Float32Array(frames));
    samples.forEach((channel, c) =>
      channels![c]!.set(channel.subarray(0, frames - chunk.startFrame), chunk.startFrame),
    );
    covered = chunk.startFrame + chunk.frames;
    cursor = await cursor.continue();
  }
  if (!channels || covered < frames) {
    throw new SfaError('not-found', `The stem "${stem}" is incomplete: ${covered} of ${frames} frames are stored`);
  }
  return channels;
}

/** The stored chunk of a job that holds `frame`, if any (the mixer's streaming reads). */
export async function chunkAt(db: LibraryDb, jobId: string, frame: number): Promise<StemChunkRecord | undefined> {
  const range = IDBKeyRange.bound([jobId, 0], [jobId, frame]);
  const cursor = await db.transaction('stemChunks').store.index('by-start').openCursor(range, 'prev');
  const chunk = cursor?.value;
  return chunk && frame < chunk.startFrame + chunk.frames ? chunk : undefined;
}
