// The analysis queue: every track gets a current analysis (tempo, beats, key, loudness). New
// imports and tracks whose stored analysis is missing or from another engine version are
// queued, analysed one at a time in the analysis worker, with progress, cancel and re-run.
import * as Comlink from 'comlink';
import { SvelteMap } from 'svelte/reactivity';
import { ANALYSIS_ENGINE_VERSION } from '@sfa/shared/analysis/types';
import { errorMessage, isAbortError } from '@sfa/shared/protocol/errors';
import type { Progress } from '@sfa/shared/protocol/progress';
import { listAnalyses, openLibrary, type AnalysisListing, type AnalysisSummary } from '../storage/db.ts';
import type { AnalysisStage } from '../workers/analysis.worker.ts';
import { analysisWorker } from '../workers/bridge.ts';
import { transferPcm, type DecodedPcm } from '../workers/pcm.ts';

export type AnalysisStatus = 'queued' | 'running' | 'failed' | 'cancelled';

/** A track's analysis that is waiting, running or did not finish (finished ones become summaries). */
export interface AnalysisJob {
  trackId: string;
  jobId: string;
  status: AnalysisStatus;
  stage?: AnalysisStage;
  /** In [0, 1], never decreasing while running. */
  fraction: number;
  /** The user asked to cancel; the worker has not stopped yet. */
  cancelling: boolean;
  /** What went wrong (failed). */
  message?: string;
}

/** How long a running analysis may take to notice a cancel before its worker is stopped. */
const CANCEL_GRACE_MS = 750;

let nextJob = 0;

export class Analyses {
  private readonly summaryMap = new SvelteMap<string, AnalysisSummary>();
  private readonly revisionMap = new SvelteMap<string, number>();

  /** Current analyses by track id (results of an older engine are not listed here). */
  get summaries(): ReadonlyMap<string, AnalysisSummary> {
    return this.summaryMap;
  }

  /** Bumped for a track each time a new analysis of it is stored: views re-read the result. */
  get revisions(): ReadonlyMap<string, number> {
    return this.revisionMap;
  }

  /** Jobs by track id: queued, running, failed or cancelled. */
  jobs = $state<Record<string, AnalysisJob>>({});
  loadError = $state<string>();
  pending = $derived(
    Object.values(this.jobs).filter((job) => job.status === 'queued' || job.status === 'running').length,
  );

  /** Track ids in the order they will run (not rendered). */
  private order: string[] = [];
  /**
   * Audio the import has already decoded, by track id, so the worker need not decode it again.
   * At most one waits here: a batch import must not pile up hundreds of MB of PCM; the tracks
   * it had no room for are decoded again when their turn comes.
   */
  // eslint-disable-next-line svelte/prefer-svelte-reactivity -- never rendered
  private readonly decoded = new Map<string, DecodedPcm>();
  private running = false;
  /** The job the worker is running now, even once its track is forgotten. */
  private current?: string;
  /** The track last opened in the track view (see `prioritise`). */
  private opened?: string;

  /**
   * Reads which tracks have a current analysis and queues the others (missing, or made by
   * another engine version). Call once the library is loaded.
   */
  async load(trackIds: readonly string[]): Promise<void> {
    let listings: AnalysisListing[];
    try {
      listings = await listAnalyses(await openLibrary());
      this.loadError = undefined;
    } catch (error) {
      this.loadError = errorMessage(error);
      return;
    }
    for (const listing of listings) {
      if (listing.engineVersion === ANALYSIS_ENGINE_VERSION && !this.summaryMap.has(listing.id)) {
        this.summaryMap.set(listing.id, listing.summary);
      }
    }
    // A track view opened before the list was read (a reload on a track's page) goes first.
    const missing = trackIds.filter((id) => !this.summaryMap.has(id) && !this.jobs[id]);
    const opened = missing.filter((id) => id === this.opened);
    for (const id of [...opened, ...missing.filter((id) => id !== this.opened)]) this.enqueue(id);
  }

  /** Queues a track (again); `decoded` is its audio if the caller has it at hand. */
  enqueue(trackId: string, decoded?: DecodedPcm): void {
    const job = this.jobs[trackId];
    if (job && (job.status === 'queued' || job.status === 'running')) return;
    if (decoded && this.decoded.size === 0) this.decoded.set(trackId, decoded);
    this.jobs[trackId] = {
      trackId,
      jobId: `analysis-${Date.now()}-${nextJob++}`,
      status: 'queued',
      fraction: 0,
      cancelling: false,
    };
    this.order.push(trackId);
    void this.drain();
  }

  /**
   * Moves a queued track to the front (the user opened it and wants its grid now); if it is
   * not queued yet, `load` queues it first.
   */
  prioritise(trackId: string): void {
    this.opened = trackId;
    if (this.jobs[trackId]?.status !== 'queued') return;
    this.order = [trackId, ...this.order.filter((id) => id !== trackId)];
  }

  /** A cancelled or failed analysis, run again. */
  retry(trackId: string): void {
    const job = this.jobs[trackId];
    if (job?.status === 'cancelled' || job?.status === 'failed') {
      delete this.jobs[trackId];
      this.enqueue(trackId);
      this.prioritise(trackId);
    }
  }

  cancel(trackId: string): void {
    const job = this.jobs[trackId];
    if (!job) return;
    if (job.status === 'queued') {
      job.status = 'cancelled';
      this.order = this.order.filter((id) => id !== trackId);
      this.decoded.delete(trackId);
    } else if (job.status === 'running' && !job.cancelling) {
      job.cancelling = true;
      const { jobId } = job;
      void analysisWorker.call((api) => api.cancel(jobId)).catch(() => undefined);
      // The engine checks for cancellation between its steps; if one step runs long, stop
      // the worker (the call rejects as aborted, and the next job starts a fresh worker).
      // Checked against the worker's job, not `jobs`: a deleted track's job is gone from there
      // but may still hold the worker (and the queue behind it).
      setTimeout(() => {
        if (this.current === jobId) analysisWorker.terminate();
      }, CANCEL_GRACE_MS);
    }
  }

  /** Forgets everything about a deleted track (its stored analysis went with it). */
  forget(trackId: string): void {
    this.cancel(trackId);
    delete this.jobs[trackId];
    this.order = this.order.filter((id) => id !== trackId);
    this.decoded.delete(trackId);
    this.summaryMap.delete(trackId);
  }

  private async drain(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      for (let id = this.order.shift(); id !== undefined; id = this.order.shift()) {
        const job = this.jobs[id];
        if (job?.status === 'queued') await this.run(job);
      }
    } finally {
      this.running = false;
    }
  }

  private async run(job: AnalysisJob): Promise<void> {
    const { trackId, jobId } = job;
    const decoded = this.decoded.get(trackId);
    this.decoded.delete(trackId);
    // `job` is the proxy held in `jobs`: writes through it reach the views.
    job.status = 'running';
    const live = job;
    const onProgress = Comlink.proxy((progress: Progress<AnalysisStage>) => {
      // Messages from the worker can trail its result; never move the bar back.
      if (live.status !== 'running' || progress.fraction < live.fraction) return;
      live.stage = progress.stage;
      live.fraction = progress.fraction;
    });
    this.current = jobId;
    try {
      const record = await analysisWorker.call((api) =>
        decoded
          ? api.analyze(jobId, trackId, onProgress, transferPcm(decoded))
          : api.analyze(jobId, trackId, onProgress),
      );
      if (this.jobs[trackId]?.jobId !== jobId) return; // forgotten meanwhile
      delete this.jobs[trackId];
      if (record.engineVersion === ANALYSIS_ENGINE_VERSION) {
        this.summaryMap.set(trackId, record.summary);
      }
      this.revisionMap.set(trackId, (this.revisionMap.get(trackId) ?? 0) + 1);
    } catch (error) {
      if (this.jobs[trackId]?.jobId !== jobId) return;
      if (isAbortError(error)) {
        live.status = 'cancelled';
      } else {
        live.status = 'failed';
        live.message = errorMessage(error);
      }
      live.cancelling = false;
    } finally {
      this.current = undefined;
    }
  }
}

export const analyses = new Analyses();
