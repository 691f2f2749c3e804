// Separation jobs on the page: start one (stored first, so it survives a reload), run them one at
// a time — in the separation worker, or on the offload server when the routing decided so when
// the job started — with progress, cancel, resume, delete; jobs that were running or waiting when
// the page closed go on by themselves when it opens again. An offloaded job that failed can be
// finished on this device instead. Finished jobs become stem sets listed under their track.
import * as Comlink from 'comlink';
import { errorMessage, isAbortError, SfaError } from '@sfa/shared/protocol/errors';
import type { StemName } from '@sfa/shared/separation/types';
import { openLibrary, type SeparationJobRecord, type StemSetRecord } from '../storage/db.ts';
import { addJob, clearChunks, deleteJob, listJobs, listStemSets, updateJob } from '../storage/job-store.ts';
import type { JobProgress } from '../separation/job-runner.ts';
import { offload } from '../offload/offload.svelte.ts';
import { offloadProviderLabel, runOffloadedJob, type OffloadProgress } from '../offload/offload-runner.ts';
import { separationWorker } from '../workers/bridge.ts';
import { deviceSettings } from './device-settings.svelte.ts';

export interface JobView {
  record: SeparationJobRecord;
  /** Live progress while running (the record holds the last stored one). */
  progress?: JobProgress;
  /** Live progress of an offloaded job while it runs. */
  offloadProgress?: OffloadProgress;
  cancelling: boolean;
  /** What went wrong, where the user acted. */
  message?: string;
}

/** How long a running separation may take to notice a cancel before its worker is stopped. */
const CANCEL_GRACE_MS = 2_000;

export interface StartOptions {
  trackId: string;
  modelId: string;
  stems: StemName[];
  shifts?: number;
}

export class Separations {
  /** Jobs by id, every state; finished ones stay until deleted, as the history of a track. */
  jobs = $state<Record<string, JobView>>({});
  /** Finished stem sets by track id, for tracks whose view has asked for them. */
  stemSets = $state<Record<string, StemSetRecord[]>>({});
  loadError = $state<string>();

  private order: string[] = [];
  private running = false;
  /** Counts runs started, so a cancel's timer stops only the run it was meant for. */
  private runs = 0;

  /** A job is running in the worker now. */
  get busy(): boolean {
    return this.current !== undefined;
  }
  private current = $state<string>();
  /** Stops the offloaded job running now (it runs in the page, not in the worker). */
  private offloadAbort?: AbortController;
  private loaded?: Promise<void>;

  /** Reads the stored jobs once and queues again those that were waiting or running. */
  load(): Promise<void> {
    this.loaded ??= (async () => {
      try {
        const db = await openLibrary();
        for (let record of await listJobs(db)) {
          // Running when the page closed: it waits its turn again (and can be cancelled as such).
          if (record.state === 'running') record = await updateJob(db, record.id, { state: 'queued' });
          this.jobs[record.id] = { record, cancelling: false };
          if (record.state === 'queued') this.order.push(record.id);
        }
        void this.drain();
      } catch (error) {
        this.loadError = errorMessage(error);
      }
    })();
    return this.loaded;
  }

  /** A track's jobs, newest first. */
  forTrack(trackId: string): JobView[] {
    return Object.values(this.jobs)
      .filter((job) => job.record.trackId === trackId)
      .sort((a, b) => b.record.createdAt - a.record.createdAt);
  }

  async loadStemSets(trackId: string): Promise<void> {
    this.stemSets[trackId] = await listStemSets(await openLibrary(), trackId);
  }

  /** Stores a new job and queues it. Returns its id. */
  async start({ trackId, modelId, stems, shifts = 0 }: StartOptions): Promise<string> {
    await this.load();
    const db = await openLibrary();
    const route = await offload.route(db, modelId);
    const id = crypto.randomUUID();
    const now = Date.now();
    const record: SeparationJobRecord = {
      id,
      trackId,
      modelId,
      stems: [...stems], // a plain array: a $state proxy cannot be stored
      shifts,
      seed: 0,
      state: 'queued',
      createdAt: now,
      updatedAt: now,
      progress: { fraction: 0, segment: 0, segments: 0 },
      chunks: 0,
      frames: 0,
      route,
      ...(route === 'offload'
        ? {
            offloadServer: offload.settings.url,
            offloadJobId: id,
            executionProvider: offloadProviderLabel(offload.settings.url, offload.capabilities),
          }
        : {}),
    };
    await addJob(db, record);
    this.jobs[record.id] = { record, cancelling: false };
    this.order.push(record.id);
    void this.drain();
    return record.id;
  }

  /** Queues a cancelled or failed job again; it goes on from its last stored chunk. */
  async resume(jobId: string): Promise<void> {
    const job = this.jobs[jobId];
    if (!job || (job.record.state !== 'cancelled' && job.record.state !== 'failed')) return;
    job.record = await updateJob(await openLibrary(), jobId, { state: 'queued', error: undefined });
    job.message = undefined;
    this.order.push(jobId);
    void this.drain();
  }

  /**
   * Runs an offloaded job that stopped (the server gone, refused, busy) on this device instead,
   * from the start: the server's chunks do not fall where the worker's would, so they go.
   */
  async finishLocally(jobId: string): Promise<void> {
    const job = this.jobs[jobId];
    if (!job || job.record.route !== 'offload' || job.record.state === 'running' || job.record.state === 'queued') {
      return;
    }
    const db = await openLibrary();
    await clearChunks(db, jobId);
    job.record = await updateJob(db, jobId, {
      state: 'queued',
      route: 'local',
      error: undefined,
      executionProvider: undefined,
      offloadHeader: undefined,
      progress: { fraction: 0, segment: 0, segments: 0 },
    });
    job.message = undefined;
    job.progress = undefined;
    job.offloadProgress = undefined;
    this.order.push(jobId);
    void this.drain();
  }

  cancel(jobId: string): void {
    const job = this.jobs[jobId];
    if (!job || job.cancelling) return;
    if (this.current !== jobId) {
      if (job.record.state !== 'queued' && job.record.state !== 'running') return;
      this.order = this.order.filter((id) => id !== jobId);
      void this.settle(job, 'cancelled');
    } else if (job.record.route === 'offload') {
      job.cancelling = true;
      this.offloadAbort?.abort();
    } else {
      job.cancelling = true;
      const run = this.runs;
      void separationWorker.call((api) => api.cancel(jobId)).catch(() => undefined);
      // The engine checks between segments; a long model run is stopped with its worker (unless
      // this run has ended meanwhile and another, perhaps of the same job, has started).
      setTimeout(() => {
        if (this.current === jobId && this.runs === run) separationWorker.terminate();
      }, CANCEL_GRACE_MS);
    }
  }

  /** Deletes a job and its stems. */
  async remove(jobId: string): Promise<void> {
    const job = this.jobs[jobId];
    if (!job) return;
    this.cancel(jobId);
    await deleteJob(await openLibrary(), jobId);
    delete this.jobs[jobId];
    const sets = this.stemSets[job.record.trackId];
    if (sets) this.stemSets[job.record.trackId] = sets.filter((set) => set.id !== jobId);
  }

  /** Forgets a deleted track's jobs (their records went with it). */
  forgetTrack(trackId: string): void {
    for (const job of this.forTrack(trackId)) {
      this.cancel(job.record.id);
      delete this.jobs[job.record.id];
      this.order = this.order.filter((id) => id !== job.record.id);
    }
    delete this.stemSets[trackId];
  }

  private async settle(
    job: JobView,
    state: 'cancelled' | 'failed',
    message?: string,
    code = 'internal',
  ): Promise<void> {
    job.cancelling = false;
    job.message = message;
    try {
      job.record = await updateJob(
        await openLibrary(),
        job.record.id,
        { state, ...(message ? { error: { code, message } } : {}) },
        // Another tab may have finished it meanwhile: a finished job stays finished.
        { unless: 'done' },
      );
    } catch {
      job.record = { ...job.record, state };
    }
  }

  private async drain(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      for (let id = this.order.shift(); id !== undefined; id = this.order.shift()) {
        const job = this.jobs[id];
        if (job && (job.record.state === 'queued' || job.record.state === 'running')) await this.runOnce(job);
      }
    } finally {
      this.running = false;
    }
  }

  /**
   * Runs a job unless another tab of the app already is (each tab queues the jobs it finds
   * waiting): a Web Lock per job, held for the run.
   */
  private async runOnce(job: JobView): Promise<void> {
    if (!navigator.locks) return this.run(job);
    await navigator.locks.request(`sfa-job:${job.record.id}`, { ifAvailable: true }, async (lock) => {
      if (lock) await this.run(job);
      else job.message = 'This separation is running in another tab of the app';
    });
  }

  private async run(job: JobView): Promise<void> {
    this.runs++;
    if (job.record.route === 'offload') return this.runOffloaded(job);
    const jobId = job.record.id;
    job.record = { ...job.record, state: 'running' };
    const onProgress = Comlink.proxy((progress: JobProgress) => {
      // Messages from the worker can trail its result, and a resumed job starts its stages again:
      // never move the bar back from what it showed.
      const shown = job.progress?.fraction ?? job.record.progress.fraction;
      if (job.record.state !== 'running') return;
      job.progress = progress.fraction < shown ? { ...progress, fraction: shown } : progress;
    });
    this.current = jobId;
    try {
      await deviceSettings.apply();
      const set = await separationWorker.call((api) => api.run(jobId, onProgress));
      if (!this.jobs[jobId]) return; // deleted meanwhile
      job.record = { ...job.record, state: 'done', executionProvider: set.executionProvider };
      job.progress = job.progress && { ...job.progress, fraction: 1, etaSec: 0 };
      const sets = this.stemSets[set.trackId];
      if (sets) this.stemSets[set.trackId] = [set, ...sets.filter((other) => other.id !== set.id)];
    } catch (error) {
      if (!this.jobs[jobId]) return;
      if (isAbortError(error)) await this.settle(job, 'cancelled');
      else await this.settle(job, 'failed', errorMessage(error), error instanceof SfaError ? error.code : 'internal');
    } finally {
      this.current = undefined;
      job.cancelling = false;
    }
  }

  /** Runs an offloaded job in the page; its stems land in the same stores as a local job's. */
  private async runOffloaded(job: JobView): Promise<void> {
    const jobId = job.record.id;
    job.record = { ...job.record, state: 'running' };
    const abort = new AbortController();
    this.offloadAbort = abort;
    this.current = jobId;
    try {
      const db = await openLibrary();
      // What the server offers (its provider, model names), if it is still the one in the settings.
      const server = job.record.offloadServer;
      const capabilities = server === offload.settings.url ? await offload.probe() : undefined;
      if (capabilities && server) {
        const executionProvider = offloadProviderLabel(server, capabilities);
        job.record = { ...job.record, executionProvider };
      }
      const set = await runOffloadedJob(db, jobId, capabilities, {
        token: offload.settings.token,
        signal: abort.signal,
        onProgress: (progress) => {
          if (job.record.state === 'running') job.offloadProgress = progress;
        },
      });
      if (!this.jobs[jobId]) return;
      job.record = { ...job.record, state: 'done', executionProvider: set.executionProvider };
      const sets = this.stemSets[set.trackId];
      if (sets) this.stemSets[set.trackId] = [set, ...sets.filter((other) => other.id !== set.id)];
    } catch (error) {
      if (!this.jobs[jobId]) return;
      if (isAbortError(error)) await this.settle(job, 'cancelled');
      else await this.settle(job, 'failed', errorMessage(error), error instanceof SfaError ? error.code : 'internal');
    } finally {
      this.current = undefined;
      this.offloadAbort = undefined;
      job.offloadProgress = undefined;
      job.cancelling = false;
    }
  }
}

export const separations = new Separations();
