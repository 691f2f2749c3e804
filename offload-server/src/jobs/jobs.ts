// The server's jobs: opening (idempotent per token and job id), admission (queue depth and
// per-token limits, answered with "busy" instead of waiting), the run queue, cancel and
// release, recovery after a restart and the expiry of old results.
//
// A job id runs at most once to completion on one server: opening it again attaches to the
// upload, the queue, the run or the finished results. A run cut short by the process dying
// (state 'interrupted' after a restart) is redone from the input already on disk when its
// client comes back; the output is deterministic, so the client's bytes stay valid.

import { errorMessage, SfaError } from '@sfa/shared/protocol/errors';
import type { OpenMessage } from '@sfa/shared/offload/protocol';
import type { ServerConfig } from '../config.ts';
import type { Logger } from '../log.ts';
import type { ServerMetrics } from '../metrics.ts';
import type { ModelRegistry } from '../models/registry.ts';
import { Job, type JobWatcher } from './job.ts';
import { JOB_STATES, sameRequest, type JobRecord, type JobState, type JobStore } from './job-store.ts';
import { JobQueue } from './queue.ts';
import { isExpired, recoverJobs, removeExpired } from './retention.ts';
import { jobRequest } from './request.ts';
import { runJob } from './runner.ts';
import { UploadSpool } from './upload.ts';

export type OpenOutcome =
  | { kind: 'accepted'; job: Job; upload: boolean }
  | { kind: 'busy'; reason: 'queue-full' | 'token-limit'; queueLength: number; retryAfterSec: number };

type JobsConfig = Pick<
  ServerConfig,
  'concurrency' | 'queueDepth' | 'maxJobsPerToken' | 'maxUploadBytes' | 'maxDurationSec' | 'resultTtlSec'
>;

export interface JobManagerDeps {
  config: JobsConfig;
  store: JobStore;
  registry: ModelRegistry;
  metrics: ServerMetrics;
  log: Logger;
}

const ORPHAN_UPLOAD_MS = 60_000;

export class JobManager {
  readonly #deps: JobManagerDeps;
  readonly #jobs = new Map<string, Job>();
  readonly #queue: JobQueue<Job>;
  /** Opens run one at a time: two opens of one id must not both create the job. */
  #opening: Promise<unknown> = Promise.resolve();
  #sweepTimer: NodeJS.Timeout | undefined;
  #closing = false;
  /** A running average of job length, for the retry hint in "busy". */
  #averageJobSec = 10;

  constructor(deps: JobManagerDeps) {
    this.#deps = deps;
    this.#queue = new JobQueue(deps.config.concurrency, (job) => this.#run(job));
    deps.metrics.observe({
      jobsByState: () => this.#countByState(),
      waiting: () => this.#waitingCount(),
      running: () => this.#queue.running,
    });
  }

  /** Tidies what a previous process left (retention.ts) and starts expiring old results. */
  async init(): Promise<void> {
    const { store, log } = this.#deps;
    await store.init();
    const interrupted = await recoverJobs(store, this.#deps.config.resultTtlSec);
    if (interrupted) log.info('jobs interrupted by a restart', { count: interrupted });
    const everySec = Math.min(60, Math.max(1, this.#deps.config.resultTtlSec / 4));
    this.#sweepTimer = setInterval(() => void this.#sweep(), everySec * 1000);
    this.#sweepTimer.unref();
  }

  open(tokenId: string, message: OpenMessage): Promise<OpenOutcome> {
    const result = this.#opening.then(() => this.#open(tokenId, message));
    this.#opening = result.catch(() => {});
    return result;
  }

  async #open(tokenId: string, message: OpenMessage): Promise<OpenOutcome> {
    const { registry, store, config } = this.#deps;
    const request = jobRequest(registry, message, config.maxUploadBytes);
    const key = store.keyFor(tokenId, message.jobId);
    const job = this.#jobs.get(key) ?? (await this.#loadJob(key));
    if (job) {
      if (!sameRequest(job.record.request, request)) {
        throw new SfaError(
          'bad-request',
          `job ${message.jobId} was opened before with another model, stems, format, shifts, seed or file`,
        );
      }
      return this.#reopen(job);
    }
    const busy = this.#admit(tokenId);
    if (busy) return busy;
    const now = Date.now();
    const record: JobRecord = {
      version: 1,
      key,
      jobId: message.jobId,
      tokenId,
      request,
      state: 'upload',
      createdAt: now,
      updatedAt: now,
    };
    await store.create(record);
    const created = new Job(record);
    this.#jobs.set(key, created);
    this.#deps.log.info('job opened', { jobId: created.jobId, tokenId, model: request.model, format: request.format });
    return { kind: 'accepted', job: created, upload: true };
  }

  async #reopen(job: Job): Promise<OpenOutcome> {
    switch (job.state) {
      case 'failed':
        throw new SfaError(job.record.error?.code ?? 'internal', job.record.error?.message ?? 'the job failed');
      case 'cancelled':
        throw new SfaError('aborted', 'this job was cancelled');
      case 'done':
        if (job.record.released) throw new SfaError('not-found', "this job's results were released");
        return { kind: 'accepted', job, upload: false };
      case 'upload':
        return { kind: 'accepted', job, upload: true };
      case 'queued':
      case 'running':
        return { kind: 'accepted', job, upload: false };
      case 'interrupted': {
        const busy = this.#admit(job.record.tokenId);
        if (busy) return busy;
        this.#deps.log.info('job resumed after a restart', { jobId: job.jobId });
        await this.#enqueue(job);
        return { kind: 'accepted', job, upload: false };
      }
    }
  }

  async #loadJob(key: string): Promise<Job | undefined> {
    const record = await this.#deps.store.load(key);
    if (!record) return undefined;
    if (this.#expired(record)) {
      await this.#deps.store.remove(key);
      return undefined;
    }
    // Loaded while another open of the same key waited? Opens are serialised, so no.
    const job = new Job(record);
    this.#jobs.set(key, job);
    return job;
  }

  /** Busy when the device's places (running plus queue depth) or the token's are all taken. */
  #admit(tokenId: string): Extract<OpenOutcome, { kind: 'busy' }> | undefined {
    const { concurrency, queueDepth, maxJobsPerToken } = this.#deps.config;
    const active = [...this.#jobs.values()].filter((job) => job.active);
    const waiting = this.#waitingCount();
    const retryAfterSec = Math.max(1, Math.round((this.#averageJobSec * (waiting + 1)) / concurrency));
    // The token's own limit first: it is the more specific answer.
    if (active.filter((job) => job.record.tokenId === tokenId).length >= maxJobsPerToken) {
      return { kind: 'busy', reason: 'token-limit', queueLength: waiting, retryAfterSec };
    }
    if (active.length >= concurrency + queueDepth) {
      return { kind: 'busy', reason: 'queue-full', queueLength: waiting, retryAfterSec };
    }
    return undefined;
  }

  /** Starts (or restarts) receiving the job's upload into its spool file. */
  startUpload(job: Job): Promise<UploadSpool> {
    return UploadSpool.open(this.#deps.store.inputPath(job.key), job.record.request.input, {
      maxDurationSec: this.#deps.config.maxDurationSec,
    });
  }

  /** The upload is complete and checked: the job joins the queue. */
  async uploaded(job: Job): Promise<void> {
    if (job.state !== 'upload') return;
    await this.#enqueue(job);
  }

  async #enqueue(job: Job): Promise<void> {
    job.setState('queued');
    await this.#deps.store.save(job.record);
    this.#queue.push(job);
  }

  /**
   * The connection uploading `job` went away (or failed it): nothing was computed, forget it.
   * Not if another connection has taken the upload over meanwhile (`owner` is the one leaving).
   */
  abandonUpload(job: Job, owner?: JobWatcher): Promise<void> {
    // In turn with the opens: an open of the same job either comes first (and its connection
    // has attached by the time this runs, so the job stays) or after (and finds no job, so it
    // starts a fresh one). Never between an open finding the job and the removal of its files.
    const result = this.#opening.then(() => this.#abandonUpload(job, owner));
    this.#opening = result.catch(() => {});
    return result;
  }

  async #abandonUpload(job: Job, owner?: JobWatcher): Promise<void> {
    if (job.state !== 'upload' || (job.watcher && job.watcher !== owner)) return;
    if (this.#jobs.get(job.key) !== job) return; // already gone, or replaced by a fresh open
    this.#jobs.delete(job.key);
    await this.#deps.store.remove(job.key);
    this.#deps.log.info('upload abandoned', { jobId: job.jobId });
  }

  /** Finds a job by token and id, in memory or on disk. */
  async find(tokenId: string, jobId: string): Promise<Job | undefined> {
    const key = this.#deps.store.keyFor(tokenId, jobId);
    return this.#jobs.get(key) ?? (await this.#loadJob(key));
  }

  /** Cancels the job wherever it is; its slot is free as soon as the run notices. */
  async cancel(job: Job): Promise<void> {
    if (job.state === 'failed' || job.state === 'cancelled') return;
    const wasRunning = job.state === 'running';
    this.#queue.remove(job);
    job.cancelRequested = true;
    job.controller.abort();
    job.setState('cancelled');
    await this.#deps.store.save(job.record);
    // A running job's files are removed when its run returns (they are still open there).
    if (!wasRunning) await this.#deps.store.removeFiles(job.key);
    this.#deps.metrics.jobsFinished.inc({ outcome: 'cancelled' });
    this.#deps.log.info('job cancelled', { jobId: job.jobId });
  }

  /** The client holds the results: delete them, keep the record (the id stays used). */
  async release(job: Job): Promise<void> {
    if (job.state !== 'done' || job.record.released) return;
    job.setState('done', { released: true });
    await this.#deps.store.save(job.record);
    await this.#deps.store.removeFiles(job.key);
  }

  async #run(job: Job): Promise<void> {
    if (job.state !== 'queued') return;
    const { store, registry, metrics, log, config } = this.#deps;
    job.controller = new AbortController();
    job.queuePosition = undefined;
    job.setState('running');
    await store.save(job.record);
    if ((job.state as JobState) !== 'running') return; // cancelled meanwhile
    log.info('job started', { jobId: job.jobId, model: job.record.request.model });
    const started = performance.now();
    const outcome = await runJob(job, { store, registry, maxDurationSec: config.maxDurationSec });
    const seconds = (performance.now() - started) / 1000;
    // Cancelled while it ran (the state changed under the await).
    if ((job.state as JobState) === 'cancelled') {
      await store.removeFiles(job.key);
      return;
    }
    if (outcome.kind === 'aborted') return; // shutting down: the record stays 'running' on disk
    if (outcome.kind === 'done') {
      this.#averageJobSec = 0.8 * this.#averageJobSec + 0.2 * seconds;
      metrics.inferenceSeconds.observe({ model: job.record.request.model }, outcome.inferenceSec);
      metrics.jobsFinished.inc({ outcome: 'done' });
      job.setState('done', { outputs: outcome.outputs });
      await store.save(job.record);
      log.info('job done', {
        jobId: job.jobId,
        seconds: Number(seconds.toFixed(3)),
        inferenceSeconds: Number(outcome.inferenceSec.toFixed(3)),
        bytes: outcome.outputs.reduce((sum, o) => sum + o.bytes, 0),
      });
      return;
    }
    metrics.jobsFinished.inc({ outcome: 'failed' });
    metrics.error(outcome.error.code);
    job.setState('failed', { error: { code: outcome.error.code, message: outcome.error.message } });
    await store.save(job.record);
    await store.removeFiles(job.key);
    log.warn('job failed', { jobId: job.jobId, code: outcome.error.code, error: outcome.error.message });
  }

  #expired(record: JobRecord): boolean {
    return isExpired(record, this.#deps.config.resultTtlSec);
  }

  async #sweep(): Promise<void> {
    const { store, log } = this.#deps;
    try {
      for (const job of [...this.#jobs.values()]) {
        // An upload whose connection went away without a word (a safety net: the connection
        // drops it when it closes).
        if (job.state === 'upload' && !job.watcher && job.record.updatedAt + ORPHAN_UPLOAD_MS < Date.now()) {
          await this.abandonUpload(job);
          continue;
        }
        // A job a client is still reading is kept, however old.
        if (job.watcher || !this.#expired(job.record)) continue;
        this.#jobs.delete(job.key);
        await store.remove(job.key);
      }
      await removeExpired(store, this.#deps.config.resultTtlSec, (key) => this.#jobs.has(key));
    } catch (error) {
      log.error('sweeping old jobs failed', { error: errorMessage(error) });
    }
  }

  #waitingCount(): number {
    let waiting = 0;
    for (const job of this.#jobs.values()) if (job.state === 'upload' || job.state === 'queued') waiting++;
    return waiting;
  }

  #countByState(): Record<JobState, number> {
    const counts = Object.fromEntries(JOB_STATES.map((state) => [state, 0])) as Record<JobState, number>;
    for (const job of this.#jobs.values()) counts[job.state]++;
    return counts;
  }

  /** Stops the sweeper and the running jobs; their records stay resumable for the next start. */
  async close(): Promise<void> {
    if (this.#closing) return;
    this.#closing = true;
    clearInterval(this.#sweepTimer);
    for (const job of this.#jobs.values()) if (job.state === 'running') job.controller.abort();
  }
}
