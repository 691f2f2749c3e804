// The server's Prometheus metrics (prom-client, one registry per server so tests can run
// several): jobs by state, queue depth, running jobs, inference time, bytes in and out, errors
// by code, and Node's own process metrics.

import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { ErrorCode } from '@sfa/shared/protocol/errors';
import { JOB_STATES, type JobState } from './jobs/job-store.ts';

export interface MetricsSource {
  jobsByState(): Record<JobState, number>;
  waiting(): number;
  running(): number;
}

export class ServerMetrics {
  readonly registry = new Registry();
  readonly jobsFinished: Counter<'outcome'>;
  readonly inferenceSeconds: Histogram<'model'>;
  readonly bytesReceived: Counter;
  readonly bytesSent: Counter;
  readonly errors: Counter<'code'>;
  #source: MetricsSource | undefined;

  constructor() {
    const registers = [this.registry];
    // collect() runs with `this` bound to its gauge: reach the job source through a closure.
    const source = () => this.#source;
    new Gauge({
      name: 'sfa_jobs',
      help: 'Jobs this server process holds, by state',
      labelNames: ['state'],
      registers,
      collect() {
        const counts = source()?.jobsByState();
        for (const state of JOB_STATES) this.set({ state }, counts?.[state] ?? 0);
      },
    });
    new Gauge({
      name: 'sfa_queue_depth',
      help: 'Jobs admitted and not yet running (uploading or queued)',
      registers,
      collect() {
        this.set(source()?.waiting() ?? 0);
      },
    });
    new Gauge({
      name: 'sfa_active_jobs',
      help: 'Jobs running on the device',
      registers,
      collect() {
        this.set(source()?.running() ?? 0);
      },
    });
    this.jobsFinished = new Counter({
      name: 'sfa_jobs_finished_total',
      help: 'Jobs that ended, by outcome',
      labelNames: ['outcome'],
      registers,
    });
    this.inferenceSeconds = new Histogram({
      name: 'sfa_inference_seconds',
      help: 'Time a job spent separating, by model',
      labelNames: ['model'],
      buckets: [0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1200],
      registers,
    });
    this.bytesReceived = new Counter({
      name: 'sfa_bytes_received_total',
      help: 'Upload bytes received from clients',
      registers,
    });
    this.bytesSent = new Counter({ name: 'sfa_bytes_sent_total', help: 'Stem bytes sent to clients', registers });
    this.errors = new Counter({
      name: 'sfa_errors_total',
      help: 'Errors sent to clients, by code',
      labelNames: ['code'],
      registers,
    });
    collectDefaultMetrics({ register: this.registry });
  }

  /** Where the job gauges read from (the job manager, made after the metrics). */
  observe(source: MetricsSource): void {
    this.#source = source;
  }

  error(code: ErrorCode | 'busy'): void {
    this.errors.inc({ code });
  }
}
