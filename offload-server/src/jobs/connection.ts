// One client's WebSocket, speaking the job protocol: every text frame is validated against the
// shared schemas and every binary frame's header checked; anything else is an error for this
// connection alone (the job it was uploading is dropped, the server goes on). Messages are
// handled one at a time, and the socket stops reading while an upload frame is written to
// disk, so a fast client cannot make the server buffer its upload in memory.

import type { WebSocket } from 'ws';
import { decodeFrame, FrameKind } from '@sfa/shared/offload/frames';
import {
  DEFAULT_FRAME_PAYLOAD_BYTES,
  parseClientMessage,
  type OpenMessage,
  type ServerMessage,
} from '@sfa/shared/offload/protocol';
import { SfaError, toErrorPayload } from '@sfa/shared/protocol/errors';
import type { Logger } from '../log.ts';
import type { ServerMetrics } from '../metrics.ts';
import type { Job, JobWatcher } from './job.ts';
import type { JobStore } from './job-store.ts';
import type { JobManager } from './jobs.ts';
import { StemSender } from './stem-sender.ts';
import type { UploadSpool } from './upload.ts';

export interface ConnectionDeps {
  jobs: JobManager;
  store: JobStore;
  metrics: ServerMetrics;
  log: Logger;
}

/** A client that opens no job this soon, or stops uploading this long, is dropped. */
const OPEN_TIMEOUT_MS = 30_000;
const UPLOAD_IDLE_MS = 60_000;
/** After 'done', the client has this long to release and close. */
const DONE_LINGER_MS = 30_000;
const HIGH_WATER_BYTES = 1024 * 1024;
/** Pings keep proxies from closing a connection that waits in the queue, and find dead peers. */
const PING_INTERVAL_MS = 20_000;

type Phase = 'await-open' | 'upload' | 'attached' | 'closed';

export class JobConnection implements JobWatcher {
  readonly #socket: WebSocket;
  readonly #tokenId: string;
  readonly #deps: ConnectionDeps;
  readonly #log: Logger;
  #phase: Phase = 'await-open';
  #job: Job | undefined;
  #spool: UploadSpool | undefined;
  #sender: StemSender | undefined;
  #uploadSeq = 0;
  /** The client's bytes per stem, from its open message: streaming starts there. */
  #offsets: number[] = [];
  #chain: Promise<void> = Promise.resolve();
  #pending = 0;
  #timer: NodeJS.Timeout | undefined;
  readonly #ping: NodeJS.Timeout;
  #alive = true;

  constructor(socket: WebSocket, tokenId: string, deps: ConnectionDeps) {
    this.#socket = socket;
    this.#tokenId = tokenId;
    this.#deps = deps;
    this.#log = deps.log.child({ tokenId });
    this.#setTimer(OPEN_TIMEOUT_MS, () => this.#timedOut('no job was opened', OPEN_TIMEOUT_MS));
    socket.on('pong', () => (this.#alive = true));
    this.#ping = setInterval(() => {
      if (!this.#alive) return socket.terminate();
      this.#alive = false;
      socket.ping();
    }, PING_INTERVAL_MS);
  }

  /** A message from the socket, text or binary, queued behind the ones before it. */
  receive(data: string | ArrayBuffer): void {
    this.#pending++;
    if (typeof data !== 'string' || this.#pending > 1) this.#socket.pause();
    this.#chain = this.#chain
      .then(() => this.#handle(data))
      .catch((error: unknown) => this.#fail(error))
      .finally(() => {
        if (--this.#pending === 0 && this.#phase !== 'closed') this.#socket.resume();
      });
  }

  /** The socket closed, by either side. */
  closed(): void {
    if (this.#phase === 'closed' && !this.#job) return;
    const wasUploading = this.#phase === 'upload';
    this.#phase = 'closed';
    clearTimeout(this.#timer);
    clearInterval(this.#ping);
    this.#sender?.stop();
    const job = this.#job;
    if (!job) return;
    if (wasUploading && job.watcher === this) {
      void this.#spool?.close().then(() => this.#deps.jobs.abandonUpload(job, this));
    }
    job.detach(this);
  }

  send(message: ServerMessage): void {
    if (this.#phase === 'closed' || this.#socket.readyState !== this.#socket.OPEN) return;
    this.#socket.send(JSON.stringify(message));
  }

  supersede(): void {
    this.#log.info('connection superseded', { jobId: this.#job?.jobId });
    this.#closeWith(4409, 'the job was opened on another connection');
  }

  async #handle(data: string | ArrayBuffer): Promise<void> {
    if (this.#phase === 'closed') return;
    if (typeof data === 'string') {
      const message = parseClientMessage(data);
      if (message.type === 'open') return this.#open(message);
      if (message.type === 'cancel') return this.#cancel(message.jobId);
      return this.#release(message.jobId);
    }
    const job = this.#job;
    if (this.#phase !== 'upload' || !job || !this.#spool) {
      throw new SfaError('bad-request', 'a binary frame while no upload is expected');
    }
    const frame = decodeFrame(new Uint8Array(data));
    if (frame.kind !== FrameKind.upload || frame.jobId !== job.jobId || frame.stem !== 0) {
      throw new SfaError('bad-request', 'a binary frame that is not part of this upload');
    }
    if (frame.seq !== this.#uploadSeq) {
      throw new SfaError('bad-request', `upload frame ${frame.seq} came where frame ${this.#uploadSeq} was due`);
    }
    this.#uploadSeq++;
    await this.#spool.write(frame.offset, frame.payload);
    this.#deps.metrics.bytesReceived.inc(frame.payload.length);
    this.#spool.checkHead();
    this.#setTimer(UPLOAD_IDLE_MS, () => this.#timedOut('the upload stalled', UPLOAD_IDLE_MS));
    if (!this.#spool.complete) return;
    await this.#spool.finish();
    this.#spool = undefined;
    clearTimeout(this.#timer);
    this.#phase = 'attached';
    await this.#deps.jobs.uploaded(job);
    this.#startSender(job);
  }

  async #open(message: OpenMessage): Promise<void> {
    if (this.#phase !== 'await-open') throw new SfaError('bad-request', 'one job per connection');
    clearTimeout(this.#timer);
    const outcome = await this.#deps.jobs.open(this.#tokenId, message);
    // The socket may have closed while the job was being opened: an upload nobody will send
    // must not hold a place.
    if ((this.#phase as Phase) === 'closed') {
      if (outcome.kind === 'accepted' && outcome.upload && !outcome.job.watcher) {
        await this.#deps.jobs.abandonUpload(outcome.job);
      }
      return;
    }
    if (outcome.kind === 'busy') {
      const { reason, queueLength, retryAfterSec } = outcome;
      this.#deps.metrics.error('busy');
      this.#log.info('job refused: busy', { jobId: message.jobId, reason, queueLength });
      this.send({ type: 'busy', reason, queueLength, retryAfterSec });
      return this.#closeWith(1013, 'busy');
    }
    const { job, upload } = outcome;
    this.#job = job;
    job.attach(this);
    const stems = job.record.request.stems;
    this.#offsets = stems.map((stem) => message.have?.[stem] ?? 0);
    const phase = job.state === 'upload' || job.state === 'queued' || job.state === 'running' ? job.state : 'done';
    this.send({ type: 'accepted', jobId: job.jobId, upload, phase, stems, format: job.record.request.format });
    if (upload) {
      this.#spool = await this.#deps.jobs.startUpload(job);
      this.#uploadSeq = 0;
      this.#phase = 'upload';
      this.#setTimer(UPLOAD_IDLE_MS, () => this.#timedOut('the upload stalled', UPLOAD_IDLE_MS));
      return;
    }
    this.#phase = 'attached';
    // Catch the client up on what it missed while away.
    if (job.queuePosition && job.state === 'queued')
      this.send({ type: 'queued', jobId: job.jobId, ...job.queuePosition });
    if (job.record.audio) this.send({ type: 'started', jobId: job.jobId, ...job.record.audio });
    if (job.progress && job.state === 'running') this.send({ type: 'progress', jobId: job.jobId, ...job.progress });
    this.#startSender(job);
  }

  #startSender(job: Job): void {
    const sender = new StemSender(job, this.#socket, this.#deps.store, this.#offsets, {
      frameBytes: DEFAULT_FRAME_PAYLOAD_BYTES,
      highWaterBytes: HIGH_WATER_BYTES,
      onBytesSent: (bytes) => this.#deps.metrics.bytesSent.inc(bytes),
    });
    this.#sender = sender;
    void sender.run().then(
      (end) => {
        if (end === 'done') {
          this.send({ type: 'done', jobId: job.jobId, stems: job.record.outputs ?? [] });
          this.#setTimer(DONE_LINGER_MS, () => this.#closeWith(1000, 'done'));
        } else if (end === 'failed') {
          const error = job.record.error ?? { code: 'internal' as const, message: 'the job failed' };
          this.#sendError(error.code, error.message);
          this.#closeWith(1011, 'job failed');
        } else if (end === 'cancelled' && this.#phase !== 'closed') {
          this.send({ type: 'cancelled', jobId: job.jobId });
          this.#closeWith(1000, 'cancelled');
        }
      },
      (error: unknown) => this.#fail(error),
    );
  }

  async #cancel(jobId: string): Promise<void> {
    const job = this.#job?.jobId === jobId ? this.#job : await this.#deps.jobs.find(this.#tokenId, jobId);
    if (!job) throw new SfaError('not-found', `no job ${jobId} to cancel`);
    this.#sender?.stop();
    await this.#spool?.close();
    this.#spool = undefined;
    await this.#deps.jobs.cancel(job);
    this.send({ type: 'cancelled', jobId });
    this.#closeWith(1000, 'cancelled');
  }

  async #release(jobId: string): Promise<void> {
    const job = this.#job?.jobId === jobId ? this.#job : await this.#deps.jobs.find(this.#tokenId, jobId);
    if (job) await this.#deps.jobs.release(job);
  }

  #sendError(code: ReturnType<typeof toErrorPayload>['code'], message: string): void {
    this.#deps.metrics.error(code);
    this.send({
      type: 'error',
      ...(this.#job ? { jobId: this.#job.jobId } : {}),
      code,
      message: message.slice(0, 2000),
    });
  }

  /** Ends this connection with an error; a job it was uploading is dropped, others go on. */
  async #fail(error: unknown): Promise<void> {
    if (this.#phase === 'closed') return;
    const { code, message } = toErrorPayload(error);
    this.#log.warn('connection refused a message', { jobId: this.#job?.jobId, code, error: message });
    this.#sendError(code, message);
    const job = this.#job;
    if (this.#phase === 'upload' && job) {
      await this.#spool?.close();
      await this.#deps.jobs.abandonUpload(job, this);
    }
    this.#closeWith(code === 'internal' ? 1011 : 1008, code);
  }

  #setTimer(ms: number, action: () => void): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(action, ms);
  }

  #timedOut(what: string, ms: number): void {
    void this.#fail(new SfaError('bad-request', `${what} for ${ms / 1000} s`));
  }

  #closeWith(code: number, reason: string): void {
    this.#phase = 'closed';
    // Superseded mid-upload: the new connection owns the job and its spool file now.
    void this.#spool?.close().catch(() => {});
    this.#spool = undefined;
    clearTimeout(this.#timer);
    clearInterval(this.#ping);
    this.#sender?.stop();
    this.#job?.detach(this);
    // A socket paused for an upload would never read the client's close reply.
    this.#socket.resume();
    this.#socket.close(code, reason);
  }
}
