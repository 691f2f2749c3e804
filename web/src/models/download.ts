// Downloads a catalogue model for offline use: checks there is room first, streams the file into
// IndexedDB in parts of a few MB as it arrives (so a cancel, a dropped connection or a closed tab
// loses at most the part in flight), resumes with a Range request validated by If-Range, and at
// the end checks the bytes (SHA-256, and the file's tensors against the descriptor) before the
// model is stored as one Blob. The file is the entry's fp32 one or its fp16 one, as the caller
// decided (`precision.ts`) when the download started; a resume keeps it. No DOM: the state class
// drives it.
import { sha256Hex } from '@sfa/shared/library/content-hash';
import { errorMessage, isAbortError, SfaError } from '@sfa/shared/protocol/errors';
import type { Progress } from '@sfa/shared/protocol/progress';
import { descriptorOf, type CatalogueEntry, type ModelFile } from '@sfa/shared/separation/catalogue';
import { checkModel } from '@sfa/shared/separation/model-check';
import { formatBytes } from '../app/format.ts';
import type { LibraryDb, ModelDownloadRecord, ModelPrecision, ModelRecord } from '../storage/db.ts';
import {
  appendDownloadPart,
  clearDownload,
  finishDownload,
  getDownload,
  readParts,
  startDownload,
} from '../storage/model-store.ts';
import { readOnnxSignature } from './onnx-signature.ts';
import { fileOf } from './precision.ts';
import { RateMeter } from './rate-meter.ts';

export type DownloadStage = 'download' | 'verify' | 'store';

export interface DownloadProgress extends Progress<DownloadStage> {
  receivedBytes: number;
  /** The whole file's size (the server's figure once it answered, the catalogue's before). */
  totalBytes: number;
  /** Recent speed, bytes per second (0 until there is enough to measure). */
  bytesPerSec: number;
  /** Seconds left at that speed, once it is known. */
  etaSec?: number;
}

export interface DownloadOptions {
  db: LibraryDb;
  signal?: AbortSignal;
  onProgress?: (progress: DownloadProgress) => void;
  /** Bytes gathered in memory before they are stored as one part (default 4 MiB). */
  partBytes?: number;
  fetch?: typeof fetch;
  /** Storage figures; default `navigator.storage.estimate()`. */
  estimate?: () => Promise<StorageEstimate>;
  now?: () => number;
  /**
   * Which file to fetch when the download starts (default fp32; fp16 needs the entry to offer
   * one). A paused download resumes the file it started with, whatever this says.
   */
  precision?: ModelPrecision;
}

const DEFAULT_PART_BYTES = 4 * 1024 * 1024;
const PROGRESS_INTERVAL_MS = 100;

/**
 * The free space a download needs: the bytes still to come, plus the whole file once more,
 * because the finished model is written as a new Blob before its parts are dropped (in one
 * transaction), plus a margin for IndexedDB's own overhead.
 */
export function bytesNeeded(totalBytes: number, receivedBytes: number): number {
  const margin = Math.max(16 * 1024 * 1024, Math.ceil(totalBytes * 0.05));
  return totalBytes - receivedBytes + totalBytes + margin;
}

/**
 * Throws `storage-full` (saying how much is needed and how much there is) before anything is
 * fetched. Firefox and Safari report the quota they enforce; Chromium (138 on) reports usage +
 * min(10 GiB, disk) whatever it enforces, so there this catches only the biggest shortfalls and
 * a write that hits the real limit later ends the download with `storage-full` too (`#full`).
 */
async function checkRoom(
  entry: CatalogueEntry,
  file: ModelFile,
  download: ModelDownloadRecord | undefined,
  estimate: (() => Promise<StorageEstimate>) | undefined,
): Promise<void> {
  const figures = await estimate?.().catch(() => undefined);
  // Without figures the download goes ahead; a full disk still ends as storage-full when writing.
  if (!figures?.quota) return;
  const available = Math.max(0, figures.quota - (figures.usage ?? 0));
  const total = Math.max(file.bytes, download?.totalBytes ?? 0);
  const needed = bytesNeeded(total, download?.receivedBytes ?? 0);
  if (needed > available) {
    throw new SfaError(
      'storage-full',
      `Not enough storage to download “${entry.name}”: it needs about ${formatBytes(needed)} free ` +
        `(${formatBytes(total)} for the model, as much again while it is saved), and ${formatBytes(available)} is available. ` +
        'Delete tracks or models you no longer need, then try again.',
    );
  }
}

/** A strong ETag can validate If-Range; a weak one cannot (RFC 9110 §13.1.5), so it is not kept. */
function strongEtag(response: Response): string | undefined {
  const etag = response.headers.get('ETag') ?? undefined;
  return etag && !etag.startsWith('W/') ? etag : undefined;
}

/** The whole file's size from a 200 (Content-Length, unless the body is re-encoded) or a 206. */
function totalOf(response: Response): number {
  if (response.status === 206) {
    const match = /\/(\d+)\s*$/.exec(response.headers.get('Content-Range') ?? '');
    return match ? Number(match[1]) : 0;
  }
  const encoded = (response.headers.get('Content-Encoding') ?? 'identity') !== 'identity';
  const length = Number(response.headers.get('Content-Length'));
  return !encoded && Number.isInteger(length) && length > 0 ? length : 0;
}

function rangeStart(response: Response): number | undefined {
  const match = /^bytes\s+(\d+)-/.exec(response.headers.get('Content-Range') ?? '');
  return match ? Number(match[1]) : undefined;
}

function httpError(entry: CatalogueEntry, response: Response): SfaError {
  const code = response.status === 404 || response.status === 410 ? 'not-found' : 'bad-request';
  return new SfaError(code, `The server of “${entry.name}” answered ${response.status} ${response.statusText}`.trim());
}

class ModelDownload {
  readonly #entry: CatalogueEntry;
  readonly #options: DownloadOptions;
  /** The file being fetched; set by `run()` before anything is requested. */
  #precision: ModelPrecision = 'fp32';
  #file!: ModelFile;
  readonly #now: () => number;
  readonly #meter: RateMeter;
  #lastReport = -Infinity;

  constructor(entry: CatalogueEntry, options: DownloadOptions) {
    this.#entry = entry;
    this.#options = options;
    this.#now = options.now ?? (() => performance.now());
    this.#meter = new RateMeter(this.#now);
  }

  async run(): Promise<ModelRecord> {
    const { db, signal } = this.#options;
    const entry = this.#entry;
    if (signal?.aborted) throw new SfaError('aborted', 'Cancelled');
    let download = await getDownload(db, entry.id);
    // A paused download goes on with the file it started with (records from before fp16: fp32),
    // unless the catalogue now points elsewhere or no longer offers that file: what was fetched
    // from the old address is not resumable.
    const pausedFile = download && fileOf(entry, download.precision ?? 'fp32');
    if (download && download.url !== pausedFile?.url) {
      await clearDownload(db, entry.id);
      download = undefined;
    }
    this.#precision = download ? (download.precision ?? 'fp32') : (this.#options.precision ?? 'fp32');
    const file = fileOf(entry, this.#precision);
    if (!file) throw new SfaError('bad-request', `The catalogue offers no ${this.#precision} file of “${entry.name}”`);
    this.#file = file;
    await checkRoom(entry, file, download, this.#options.estimate ?? defaultEstimate());
    const complete = download && download.totalBytes > 0 && download.receivedBytes === download.totalBytes;
    if (!complete) download = await this.#fetch(download);
    return this.#finish(download!);
  }

  /** Requests the rest of the file (or all of it) and streams it into parts. */
  async #fetch(download: ModelDownloadRecord | undefined): Promise<ModelDownloadRecord> {
    const { db } = this.#options;
    // Without a validator a resumed range could splice two versions of the file: start over.
    const validator = download?.etag ?? download?.lastModified;
    const resumeFrom = download && validator ? download.receivedBytes : 0;
    let response = await this.#request(resumeFrom, validator);
    let resuming = resumeFrom > 0 && response.status === 206 && rangeStart(response) === resumeFrom;
    if (resumeFrom > 0 && response.status === 416) {
      // "Range not satisfiable": we may already hold the whole file (cut off just before the end).
      const total = Number(/\/(\d+)/.exec(response.headers.get('Content-Range') ?? '')?.[1]);
      if (total === download!.receivedBytes) return { ...download!, totalBytes: total };
    }
    if (resumeFrom > 0 && !resuming && response.status !== 200) {
      await response.body?.cancel();
      response = await this.#request(0);
      resuming = false;
    }
    if (response.status !== 200 && !(resuming && response.status === 206)) throw httpError(this.#entry, response);
    if (!response.body) throw new SfaError('bad-request', `The server of “${this.#entry.name}” sent no data`);

    // 206: the server continues where we stopped. 200: the whole file (it ignored the range, or
    // the file changed and If-Range failed), so start over cleanly.
    let record = resuming
      ? download!
      : await startDownload(db, {
          id: this.#entry.id,
          url: this.#file.url,
          precision: this.#precision,
          totalBytes: totalOf(response),
          etag: strongEtag(response),
          lastModified: response.headers.get('Last-Modified') ?? undefined,
          startedAt: Date.now(),
          updatedAt: Date.now(),
        });
    record = await this.#stream(response.body, record);
    if (record.totalBytes > 0 && record.receivedBytes !== record.totalBytes) {
      throw this.#interrupted(record, 'the server closed the connection early');
    }
    return record;
  }

  async #request(from: number, validator?: string): Promise<Response> {
    const { signal, fetch: fetchFn = fetch } = this.#options;
    const headers: Record<string, string> =
      from > 0 && validator ? { Range: `bytes=${from}-`, 'If-Range': validator } : {};
    try {
      // no-store: the HTTP cache would keep a second copy of a file of hundreds of MB.
      return await fetchFn(this.#file.url, { headers, signal, mode: 'cors', cache: 'no-store' });
    } catch (error) {
      if (signal?.aborted || isAbortError(error)) throw new SfaError('aborted', 'Cancelled', { cause: error });
      throw new SfaError(
        'not-found',
        `Could not reach the server of “${this.#entry.name}” (${new URL(this.#file.url).host}): this device may be offline, ` +
          'or the server does not allow this app to download from it (CORS)',
        { cause: error },
      );
    }
  }

  async #stream(body: ReadableStream<Uint8Array>, start: ModelDownloadRecord): Promise<ModelDownloadRecord> {
    const { db, partBytes = DEFAULT_PART_BYTES, signal } = this.#options;
    let record = start;
    let pending: Uint8Array[] = [];
    let pendingBytes = 0;
    const flush = async () => {
      if (pendingBytes === 0) return;
      record = await appendDownloadPart(db, record, new Blob(pending as BlobPart[]));
      pending = [];
      pendingBytes = 0;
    };
    const reader = body.getReader();
    this.#meter.start();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        pending.push(value);
        pendingBytes += value.byteLength;
        this.#meter.add(value.byteLength);
        this.#report('download', record.receivedBytes + pendingBytes, record.totalBytes);
        if (pendingBytes >= partBytes) await flush();
      }
      await flush();
    } catch (error) {
      // Stop the transfer (a failed write leaves it running otherwise), and keep what arrived, so
      // Resume (or the next attempt after a reload) continues from here.
      void reader.cancel().catch(() => undefined);
      await flush().catch(() => undefined);
      if (signal?.aborted || isAbortError(error)) throw new SfaError('aborted', 'Cancelled', { cause: error });
      if (error instanceof SfaError && error.code === 'storage-full') throw this.#full(record, error);
      if (error instanceof SfaError) throw error;
      throw this.#interrupted(record, errorMessage(error));
    }
    this.#report('download', record.receivedBytes, record.totalBytes, true);
    return record;
  }

  /**
   * Storage ran out after all. The check before fetching cannot always see it coming: Chromium
   * reports an artificial quota (usage + up to 10 GiB) to `estimate()`, whatever it enforces.
   */
  #full(record: ModelDownloadRecord, cause: SfaError): SfaError {
    const total = record.totalBytes || this.#file.bytes;
    return new SfaError(
      'storage-full',
      `Storage filled up while saving “${this.#entry.name}” (${formatBytes(record.receivedBytes)} of ${formatBytes(total)} kept; ` +
        `it needs about ${formatBytes(bytesNeeded(total, record.receivedBytes))} more). Delete tracks or models you no longer need, then Resume.`,
      { cause },
    );
  }

  #interrupted(record: ModelDownloadRecord, reason: string): SfaError {
    const total = record.totalBytes || this.#file.bytes;
    return new SfaError(
      'truncated',
      `The download of “${this.#entry.name}” was interrupted at ${formatBytes(record.receivedBytes)} of ${formatBytes(total)} ` +
        `(${reason}). Resume continues from there.`,
    );
  }

  /** Checks the whole file, then stores it as the model and drops its parts. */
  async #finish(download: ModelDownloadRecord): Promise<ModelRecord> {
    const { db } = this.#options;
    const entry = this.#entry;
    const file = this.#file;
    this.#report('verify', download.receivedBytes, download.receivedBytes, true);
    const bytes = new Uint8Array(await new Blob(await readParts(db, entry.id)).arrayBuffer());
    const sha256 = await sha256Hex(bytes);
    if (file.checksumVerified && sha256 !== file.sha256) {
      await clearDownload(db, entry.id);
      throw new SfaError(
        'model-invalid',
        `The download of “${entry.name}” is not the published file: its SHA-256 should be ${file.sha256}, ` +
          `got ${sha256}. Nothing was kept.`,
      );
    }
    const descriptor = descriptorOf(entry);
    try {
      checkModel(readOnnxSignature(bytes), descriptor);
    } catch (error) {
      // Not the model the catalogue describes: keeping it would only fail at the first separation.
      await clearDownload(db, entry.id);
      const code = error instanceof SfaError ? error.code : 'model-invalid';
      throw new SfaError(code, `${errorMessage(error)}. Nothing was kept.`, { cause: error });
    }
    this.#report('store', bytes.length, bytes.length, true);
    const record: ModelRecord = {
      id: entry.id,
      descriptor,
      source: 'catalogue',
      // Built from the bytes in hand rather than from the parts, which this same transaction deletes.
      blob: new Blob([bytes], { type: 'application/octet-stream' }),
      byteSize: bytes.length,
      sha256,
      // An unverified listing's hash that matches still proves the bytes; otherwise the hash is
      // recorded and the model is trusted once it has run.
      verification: sha256 === file.sha256 ? 'checksum' : 'recorded',
      licence: entry.licence,
      storedAt: Date.now(),
      precision: this.#precision,
    };
    try {
      await finishDownload(db, record);
    } catch (error) {
      // Nothing changed: the parts are all there, and Resume goes straight back to saving.
      if (error instanceof SfaError && error.code === 'storage-full') throw this.#full(download, error);
      throw error;
    }
    return record;
  }

  #report(stage: DownloadStage, receivedBytes: number, totalBytes: number, force = false): void {
    const now = this.#now();
    if (!force && now - this.#lastReport < PROGRESS_INTERVAL_MS) return;
    this.#lastReport = now;
    const total = totalBytes || this.#file.bytes;
    const bytesPerSec = this.#meter.bytesPerSec();
    const left = Math.max(0, total - receivedBytes);
    this.#options.onProgress?.({
      stage,
      fraction: stage === 'download' ? Math.min(1, receivedBytes / total) : 1,
      receivedBytes,
      totalBytes: total,
      bytesPerSec,
      ...(bytesPerSec > 0 && stage === 'download' ? { etaSec: left / bytesPerSec } : {}),
    });
  }
}

function defaultEstimate(): (() => Promise<StorageEstimate>) | undefined {
  return typeof navigator !== 'undefined' && navigator.storage?.estimate
    ? () => navigator.storage.estimate()
    : undefined;
}

/**
 * Downloads `entry` (or resumes its stored partial download) and stores it as a model.
 * Throws SfaError: `storage-full` before fetching anything when there is not room,
 * `aborted` when `signal` fires (what arrived is kept for a resume), `truncated` when the
 * connection drops (likewise), `model-invalid` / `model-mismatch` when the bytes are not the
 * model (nothing is kept), `not-found` / `bad-request` when the server cannot be reached or
 * refuses, `duplicate` when another tab is downloading the same model.
 */
export async function downloadModel(entry: CatalogueEntry, options: DownloadOptions): Promise<ModelRecord> {
  const run = () => new ModelDownload(entry, options).run();
  // One download of a model at a time across tabs: two would interleave their parts.
  if (typeof navigator === 'undefined' || !navigator.locks) return run();
  return navigator.locks.request(`sfa-model-download:${entry.id}`, { ifAvailable: true }, (lock) => {
    if (!lock) throw new SfaError('duplicate', `“${entry.name}” is already being downloaded in another tab`);
    return run();
  });
}
