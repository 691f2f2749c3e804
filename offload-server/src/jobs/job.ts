// A job while the server process knows it: its record (what is on disk), the bytes of each stem
// written so far, its progress and queue position, and the one connection attached to it.
// Connections watch a job through `nextChange()`, which resolves on any update, so a slow
// connection never holds up the job, and the job never buffers on a connection's behalf.

import type { OffloadStage, ServerMessage } from '@sfa/shared/offload/protocol';
import type { JobRecord, JobState } from './job-store.ts';

export interface StemOutput {
  /** Bytes of the stem file written so far (final once the job is done). */
  bytes: number;
}

export interface JobProgress {
  stage: OffloadStage;
  fraction: number;
  etaSec?: number;
}

/** What a connection attached to a job is told about it besides stem bytes. */
export interface JobWatcher {
  send(message: ServerMessage): void;
  /** Another connection opened the same job: this one is replaced. */
  supersede(): void;
}

export class Job {
  record: JobRecord;
  outputs: StemOutput[];
  progress: JobProgress | undefined;
  queuePosition: { position: number; queueLength: number } | undefined;
  /** Aborted to cancel the run (or to stop it when the server shuts down). */
  controller = new AbortController();
  /** Set when the client asked to cancel (as opposed to a shutdown). */
  cancelRequested = false;
  watcher: JobWatcher | undefined;
  #waiters: (() => void)[] = [];

  constructor(record: JobRecord) {
    this.record = record;
    this.outputs = record.request.stems.map((_, i) => ({ bytes: record.outputs?.[i]?.bytes ?? 0 }));
  }

  get key(): string {
    return this.record.key;
  }

  get jobId(): string {
    return this.record.jobId;
  }

  get state(): JobState {
    return this.record.state;
  }

  /** Jobs that hold a place: uploading, waiting or running. */
  get active(): boolean {
    return this.state === 'upload' || this.state === 'queued' || this.state === 'running';
  }

  setState(state: JobState, changes: Partial<JobRecord> = {}): void {
    this.record = { ...this.record, ...changes, state, updatedAt: Date.now() };
    this.changed();
  }

  /** Wakes everything waiting in nextChange(). */
  changed(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }

  /** Resolves at the next update of any kind (bytes, progress, state). */
  nextChange(): Promise<void> {
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** Attaches a connection, replacing (and telling) the one attached before. */
  attach(watcher: JobWatcher): void {
    const previous = this.watcher;
    this.watcher = watcher;
    if (previous && previous !== watcher) previous.supersede();
  }

  detach(watcher: JobWatcher): void {
    if (this.watcher === watcher) this.watcher = undefined;
  }

  /** The queue's report (QueuedItem): tells the attached client when its place changes. */
  onPosition(position: number, queueLength: number): void {
    const last = this.queuePosition;
    if (last?.position === position && last.queueLength === queueLength) return;
    this.queuePosition = { position, queueLength };
    this.notify({ type: 'queued', jobId: this.jobId, position, queueLength });
  }

  notify(message: ServerMessage): void {
    this.watcher?.send(message);
  }
}
