// Exports off the main thread: a stored stem set's stems, or a mix of them, rendered
// (export/render.ts), encoded as the user chose and written to the origin-private file system
// (OPFS, folder "exports") through sync access handles, so encoders can patch their headers.
// Progress, cancel (partial files deleted), clean-up of old exports. Exposed with comlink; the
// page imports only its type.
// The worker build's tsconfig lists only *.worker.ts: the stretcher's module declaration too
// (an ambient `declare module` file, which an import cannot name).
// eslint-disable-next-line @typescript-eslint/triple-slash-reference
/// <reference path="../mixer/signalsmith.d.ts" />
import * as Comlink from 'comlink';
import './comlink-errors.ts';
import { RunQueue } from '@sfa/shared/inference/run-queue';
import { createCheckpoint } from '@sfa/shared/protocol/checkpoint';
import { SfaError } from '@sfa/shared/protocol/errors';
import type { Progress } from '@sfa/shared/protocol/progress';
import type { StemName } from '@sfa/shared/separation/types';
import { createEncoder, extensionFor } from '../export/encoders/index.ts';
import { exportFileName, zipFileName } from '../export/names.ts';
import { mixStream, stemStream, stretchedMixStream, type AudioStream, type ChunkSource } from '../export/render.ts';
import type { AudioTags, ByteSink, EncodeSpec, ExportSource } from '../export/types.ts';
import { createZipWriter } from '../export/zip.ts';
import { createStretcher } from '../mixer/stretch.ts';
import type { ChannelStrip } from '../mixer/strips.ts';
import { openLibrary, type LibraryDb, type StemSetRecord, type TrackRecord } from '../storage/db.ts';

export interface ExportRequest {
  source: ExportSource;
  spec: EncodeSpec;
  /** Several files as one ZIP (ignored for a single file). */
  zip: boolean;
  /** The mixer's settings for a mix (`mixer.strips`, ...); without them every stem at unity. */
  mixer?: { strips: ChannelStrip[]; masterDb: number; speed: number; semitones: number };
}

export interface ExportProgress extends Progress<'encoding' | 'zipping'> {
  /** The file being made, 1-based, of `files`; its name. */
  file: number;
  files: number;
  name: string;
  /** Bytes written to storage so far by this export (a ZIP's temporary files included). */
  bytesWritten: number;
}

export interface ExportedFile {
  /** The file as stored in OPFS (its name is the file's name). */
  file: File;
  /** Length of the audio (a ZIP's longest file); unknown for files listed from an earlier session. */
  durationSec?: number;
}

const EXPORT_FOLDER = 'exports';
/** Exports kept in the folder: older files go when a new export finishes. */
const KEPT_FILES = 8;
/** A file being written carries this suffix until it is complete. */
const PARTIAL_SUFFIX = '.partial';
const PROGRESS_INTERVAL_MS = 100;
/** A ZIP entry's share of the work, next to encoding its file (1): copying is a plain read. */
const ZIP_COPY_WEIGHT = 0.1;
const COPY_SLICE_BYTES = 1 << 20;
/** The rates LAME encodes (MPEG-1, -2 and -2.5 layer III). */
const MP3_RATES = [8000, 11_025, 12_000, 16_000, 22_050, 24_000, 32_000, 44_100, 48_000];

/**
 * A sync access handle as far as we use it. Declared here because the page's compiler (DOM lib)
 * sees this file through `import type` and knows sync access handles only in workers.
 */
interface SyncHandle {
  write(buffer: Uint8Array, options: { at: number }): number;
  read(buffer: Uint8Array, options: { at: number }): number;
  getSize(): number;
  truncate(size: number): void;
  flush(): void;
  close(): void;
}

interface Folder {
  getFileHandle(name: string, options?: { create?: boolean }): Promise<FileSystemFileHandle>;
  removeEntry(name: string): Promise<void>;
  keys(): AsyncIterable<string>;
}

/** A file being written: its sink, and how to finish it under its name or throw it away. */
class PartialFile {
  written = 0;
  private closed = false;

  private constructor(
    private readonly folder: Folder,
    readonly name: string,
    private readonly fileHandle: FileSystemFileHandle,
    private readonly handle: SyncHandle,
    private readonly onWrite: (bytes: number) => void,
  ) {}

  static async create(folder: Folder, name: string, onWrite: (bytes: number) => void): Promise<PartialFile> {
    const fileHandle = await folder.getFileHandle(name + PARTIAL_SUFFIX, { create: true });
    const sync = (fileHandle as unknown as { createSyncAccessHandle(): Promise<SyncHandle> }).createSyncAccessHandle;
    const handle = await sync.call(fileHandle);
    // A partial file another run left (and could not delete) must not leave its tail behind.
    handle.truncate(0);
    return new PartialFile(folder, name, fileHandle, handle, onWrite);
  }

  readonly sink: Required<ByteSink> = {
    write: async (bytes) => {
      const wrote = this.handle.write(bytes, { at: this.written });
      if (wrote !== bytes.length) {
        throw new SfaError(
          'storage-failed',
          `the browser's storage took ${wrote} of ${bytes.length} bytes of ${this.name}`,
        );
      }
      this.written += wrote;
      this.onWrite(wrote);
    },
    patch: async (offset, bytes) => {
      if (offset + bytes.length > this.written) throw new RangeError(`patch past the ${this.written} bytes written`);
      this.handle.write(bytes, { at: offset });
    },
  };

  /** Reads `length` bytes from `offset` into a new array. */
  read(offset: number, length: number): Uint8Array {
    const bytes = new Uint8Array(length);
    const got = this.handle.read(bytes, { at: offset });
    return got === length ? bytes : bytes.subarray(0, got);
  }

  private closeHandle(): void {
    if (this.closed) return;
    this.closed = true;
    this.handle.close();
  }

  /** Completes the file under its name, replacing an earlier export of the same name. */
  async complete(): Promise<File> {
    this.handle.flush();
    this.closeHandle();
    await this.folder.removeEntry(this.name).catch(() => undefined);
    // FileSystemHandle.move (Chromium 110+ for OPFS): not yet in TypeScript's lib.
    await (this.fileHandle as unknown as { move(name: string): Promise<void> }).move(this.name);
    return typed(await this.fileHandle.getFile());
  }

  /** Closes and deletes it (a cancel, a failure, a ZIP's temporary file once copied). */
  async discard(): Promise<void> {
    try {
      this.closeHandle();
    } finally {
      await this.folder.removeEntry(this.name + PARTIAL_SUFFIX).catch(() => undefined);
    }
  }
}

async function exportFolder(): Promise<Folder> {
  const root = await navigator.storage.getDirectory();
  return (await root.getDirectoryHandle(EXPORT_FOLDER, { create: true })) as unknown as Folder;
}

/** The set's chunks read one at a time, each in its own transaction (encoding between them). */
function chunkSource(db: LibraryDb, set: StemSetRecord): ChunkSource {
  return async function* () {
    for (let index = 0; ; index++) {
      const chunk = await db.get('stemChunks', [set.id, index]);
      if (!chunk) {
        if (!(await db.getKey('stemSets', set.id))) throw deletedError();
        return; // the renderer says what is missing
      }
      yield chunk;
    }
  };
}

function deletedError(): SfaError {
  return new SfaError('not-found', 'These stems were deleted, so there is nothing left to export');
}

interface PlannedFile {
  name: string;
  stream: AudioStream;
  tags: AudioTags;
}

function partName(request: ExportRequest, stem?: StemName): string {
  if (stem !== undefined) return stem;
  const mixer = request.mixer;
  if (request.source.kind !== 'mix' || !request.source.withSpeedAndPitch || !mixer) return 'mix';
  const changes = [
    mixer.speed !== 1 ? `${mixer.speed}x` : '',
    mixer.semitones !== 0 ? `${mixer.semitones > 0 ? '+' : ''}${mixer.semitones} st` : '',
  ].filter(Boolean);
  return changes.length ? `mix, ${changes.join(', ')}` : 'mix';
}

function plan(db: LibraryDb, set: StemSetRecord, track: TrackRecord, request: ExportRequest): PlannedFile[] {
  const source = chunkSource(db, set);
  const extension = extensionFor(request.spec);
  const file = (stream: AudioStream, part: string): PlannedFile => ({
    name: exportFileName({ artist: track.artist, title: track.title, part, extension }),
    stream,
    tags: {
      title: `${track.title} (${part})`,
      artist: track.artist,
      album: track.album,
      comment: `${part.startsWith('mix') ? 'Mix of stems' : 'Stem'} by ${set.modelName}, Sound Forge Alchemy`,
    },
  });
  const { stems } = request.source;
  if (stems.length === 0) throw new SfaError('bad-request', 'Choose at least one stem to export');
  if (request.source.kind === 'stems') {
    return stems.map((stem) => file(stemStream(source, set, stem), partName(request, stem)));
  }
  const mix = { stems, strips: request.mixer?.strips ?? [], masterDb: request.mixer?.masterDb ?? 0 };
  const stream =
    request.source.withSpeedAndPitch && request.mixer
      ? stretchedMixStream(source, set, mix, {
          speed: request.mixer.speed,
          semitones: request.mixer.semitones,
          createStretcher,
        })
      : mixStream(source, set, mix);
  return [file(stream, partName(request))];
}

/** Rough upper bound of a file's size, bytes: for the "storage full" message. */
function estimatedBytes(spec: EncodeSpec, stream: AudioStream): number {
  const samples = stream.frames * stream.channelCount;
  switch (spec.format) {
    case 'wav16':
      return samples * 2;
    case 'wav24':
      return samples * 3;
    case 'wav32f':
      return samples * 4;
    case 'flac16':
      return samples * 2 * 0.7;
    case 'flac24':
      return samples * 3 * 0.7;
    case 'mp3': {
      const kbps = spec.mp3?.mode === 'cbr' ? spec.mp3.bitrate : 260 - 15 * (spec.mp3?.vbrQuality ?? 2);
      return ((kbps * 1000) / 8) * (stream.frames / stream.sampleRate);
    }
  }
}

function megabytes(bytes: number): string {
  return `${Math.max(1, Math.ceil(bytes / 1e6))} MB`;
}

async function storageFull(files: PlannedFile[], request: ExportRequest): Promise<SfaError> {
  const sizes = files.map((f) => estimatedBytes(request.spec, f.stream));
  // A ZIP holds every file, plus one file's temporary copy while it is added.
  const needed = sizes.reduce((a, b) => a + b, 0) + (request.zip && files.length > 1 ? Math.max(...sizes) : 0);
  const { quota = 0, usage = 0 } = await navigator.storage.estimate().catch(() => ({ quota: 0, usage: 0 }));
  return new SfaError(
    'storage-full',
    `Storage is full: this export needs about ${megabytes(needed)} and ${megabytes(Math.max(0, quota - usage))} ` +
      'are free. Delete old exports, stems or tracks, or choose a smaller format (FLAC, MP3).',
  );
}

function isQuotaError(error: unknown): boolean {
  return (
    (error instanceof Error && error.name === 'QuotaExceededError') ||
    (error instanceof SfaError && error.code === 'storage-full')
  );
}

const TYPES: Record<string, string> = {
  wav: 'audio/wav',
  flac: 'audio/flac',
  mp3: 'audio/mpeg',
  zip: 'application/zip',
};

/**
 * The file with its media type: OPFS gives files none, and a share sheet (or a DAW's drop
 * target) goes by it. The new File refers to the same bytes; nothing is copied.
 */
function typed(file: File): File {
  const type = TYPES[file.name.split('.').pop()?.toLowerCase() ?? ''] ?? '';
  return type ? new File([file], file.name, { type, lastModified: file.lastModified }) : file;
}

/** Deletes what a crashed or killed export left, and all but the newest `KEPT_FILES` exports. */
async function cleanUp(folder: Folder, keep: readonly string[]): Promise<void> {
  const files: { name: string; modified: number }[] = [];
  for await (const name of folder.keys()) {
    if (name.endsWith(PARTIAL_SUFFIX)) {
      await folder.removeEntry(name).catch(() => undefined);
      continue;
    }
    const file = await (await folder.getFileHandle(name)).getFile().catch(() => undefined);
    files.push({ name, modified: file?.lastModified ?? 0 });
  }
  files.sort((a, b) => b.modified - a.modified);
  const old = files.filter((f) => !keep.includes(f.name)).slice(Math.max(0, KEPT_FILES - keep.length));
  for (const { name } of old) await folder.removeEntry(name).catch(() => undefined);
}

const running = new Map<string, AbortController>();
/** One export at a time: clean-up must not delete another export's partial files. */
const turns = new RunQueue();
const EXPORT_LOCK = 'sfa-export';

function releaseCallback(callback: unknown): void {
  (callback as Partial<Comlink.Remote<unknown>> | undefined)?.[Comlink.releaseProxy]?.();
}

/**
 * Exports from stem set `jobId` (the separation job's id) as `request` says; cancellable with
 * `cancel(jobId)`. Resolves with the files written (in the OPFS folder `EXPORT_FOLDER`). Throws
 * `not-found` when the stems were deleted, `storage-full` with the space needed, `bad-request`
 * for MP3 at a rate LAME cannot take, `aborted` when cancelled (nothing partial is left).
 */
async function exportAudio(
  jobId: string,
  request: ExportRequest,
  onProgress?: (progress: ExportProgress) => void,
): Promise<ExportedFile[]> {
  if (running.has(jobId)) throw new SfaError('bad-request', 'These stems are already being exported');
  const controller = new AbortController();
  running.set(jobId, controller);
  try {
    // One at a time in this worker, and across windows of the app (each has its own worker
    // over the same OPFS folder): a Web Lock, waited for like a turn.
    return await turns.run(() =>
      navigator.locks.request(EXPORT_LOCK, { signal: controller.signal }, () =>
        run(jobId, request, controller.signal, onProgress),
      ),
    );
  } finally {
    running.delete(jobId);
    releaseCallback(onProgress);
  }
}

async function run(
  jobId: string,
  request: ExportRequest,
  signal: AbortSignal,
  onProgress?: (progress: ExportProgress) => void,
): Promise<ExportedFile[]> {
  const checkpoint = createCheckpoint(signal);
  await checkpoint();
  const db = await openLibrary();
  const set = await db.get('stemSets', jobId);
  const track = set && (await db.get('tracks', set.trackId));
  if (!set || !track) throw deletedError();
  if (request.spec.format === 'mp3' && !MP3_RATES.includes(set.sampleRate)) {
    throw new SfaError(
      'bad-request',
      `MP3 cannot be made at ${set.sampleRate / 1000} kHz (LAME takes 8 to 48 kHz: ${MP3_RATES.map((r) => r / 1000).join(', ')}); choose WAV or FLAC`,
    );
  }
  const files = plan(db, set, track, request);
  const zip = request.zip && files.length > 1;
  const folder = await exportFolder();
  await cleanUp(folder, []);

  const weights = files.map((f) => f.stream.frames * (zip ? 1 + ZIP_COPY_WEIGHT : 1));
  const total = weights.reduce((a, b) => a + b, 0) || 1;
  let doneWeight = 0;
  let bytesWritten = 0;
  let lastReport = -Infinity;
  let fraction = 0;
  const report = (stage: ExportProgress['stage'], index: number, name: string, weight: number, force = false) => {
    const now = performance.now();
    if (!force && now - lastReport < PROGRESS_INTERVAL_MS) return;
    lastReport = now;
    fraction = Math.max(fraction, Math.min(1, (doneWeight + weight) / total));
    onProgress?.({ stage, fraction, file: index + 1, files: files.length, name, bytesWritten });
  };
  const counted = (bytes: number) => (bytesWritten += bytes);

  const open: PartialFile[] = [];
  const written: ExportedFile[] = [];
  try {
    const zipName = zip ? zipFileName({ artist: track.artist, title: track.title }) : undefined;
    const zipFile = zipName ? await PartialFile.create(folder, zipName, counted) : undefined;
    if (zipFile) open.push(zipFile);
    const archive = zipFile ? createZipWriter(zipFile.sink) : undefined;

    for (const [index, planned] of files.entries()) {
      const { stream } = planned;
      // For a ZIP each file is encoded into a temporary file first (patchable, so FLAC's
      // STREAMINFO and MP3's Xing tag are exact), then copied into its entry and deleted:
      // one file's bytes at a time on disk twice, none held in memory.
      const target = await PartialFile.create(folder, zip ? `${index}.tmp` : planned.name, counted);
      open.push(target);
      const encoder = await createEncoder(
        request.spec,
        { sampleRate: stream.sampleRate, channelCount: stream.channelCount, frames: stream.frames, tags: planned.tags },
        target.sink,
      );
      let frames = 0;
      report('encoding', index, planned.name, 0, true);
      for await (const block of stream.blocks()) {
        await checkpoint();
        await encoder.push(block);
        frames += block[0]!.length;
        report('encoding', index, planned.name, frames);
      }
      await encoder.finish();
      await checkpoint();
      doneWeight += stream.frames;
      if (archive) {
        const entry = await archive.addEntry(planned.name, new Date());
        for (let offset = 0; offset < target.written; offset += COPY_SLICE_BYTES) {
          await checkpoint();
          await entry.write(target.read(offset, Math.min(COPY_SLICE_BYTES, target.written - offset)));
          report('zipping', index, zipName!, (offset / target.written) * stream.frames * ZIP_COPY_WEIGHT);
        }
        await entry.close();
        doneWeight += stream.frames * ZIP_COPY_WEIGHT;
        await target.discard();
      } else {
        written.push({ file: await target.complete(), durationSec: stream.frames / stream.sampleRate });
      }
      open.splice(open.indexOf(target), 1);
    }
    if (archive && zipFile && zipName) {
      await archive.finish();
      await checkpoint();
      const durationSec = Math.max(...files.map((f) => f.stream.frames / f.stream.sampleRate));
      written.push({ file: await zipFile.complete(), durationSec });
      open.splice(open.indexOf(zipFile), 1);
    }
    const last = written.at(-1)!;
    onProgress?.({
      stage: zip ? 'zipping' : 'encoding',
      fraction: 1,
      file: files.length,
      files: files.length,
      name: last.file.name,
      bytesWritten,
    });
    await cleanUp(
      folder,
      written.map((f) => f.file.name),
    );
    return written;
  } catch (error) {
    for (const file of open) await file.discard().catch(() => undefined);
    if (isQuotaError(error)) throw await storageFull(files, request);
    throw error;
  }
}

function cancel(jobId: string): void {
  running.get(jobId)?.abort();
}

/** The exports stored now, newest first (partial files left out). */
async function list(): Promise<ExportedFile[]> {
  const folder = await exportFolder();
  const files: ExportedFile[] = [];
  for await (const name of folder.keys()) {
    if (name.endsWith(PARTIAL_SUFFIX)) continue;
    const file = await (await folder.getFileHandle(name)).getFile().catch(() => undefined);
    if (file) files.push({ file: typed(file) });
  }
  return files.sort((a, b) => b.file.lastModified - a.file.lastModified);
}

/** Deletes a stored export (gone already is fine). */
async function remove(name: string): Promise<void> {
  await (await exportFolder()).removeEntry(name).catch(() => undefined);
}

const api = { exportAudio, cancel, list, remove };
export type ExportWorkerApi = typeof api;

Comlink.expose(api);
