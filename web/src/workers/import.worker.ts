// The import pipeline, off the main thread: read, hash, decode, peaks, tags, store. Also
// decodes stored tracks for playback. Exposed with comlink; the page imports only its type.
import * as Comlink from 'comlink';
import './comlink-errors.ts';
import { decodeAudio, preloadDecoders } from '@sfa/shared/audio/decode';
import { preloadTagReader, readTags } from '@sfa/shared/audio/tags';
import { sha256Hex } from '@sfa/shared/library/content-hash';
import { SfaError, throwIfAborted } from '@sfa/shared/protocol/errors';
import { stagedProgress, type ProgressCallback } from '@sfa/shared/protocol/progress';
import { computePeaks } from '@sfa/shared/waveform/peaks';
import { addTrack, getTrack, getTrackFile, openLibrary, type TrackRecord } from '../storage/db.ts';
import { titleFromFileName } from '../library/titles.ts';
import { transferablePcm, transferPcm, type DecodedPcm } from './pcm.ts';

/** Files above this are refused before reading: decoding one would exhaust a tab's memory. */
export const MAX_IMPORT_BYTES = 1024 ** 3;

export type ImportStage = 'reading' | 'hashing' | 'decoding' | 'analysing' | 'storing';
const IMPORT_WEIGHTS: Record<ImportStage, number> = { reading: 2, hashing: 3, decoding: 85, analysing: 5, storing: 5 };

/**
 * A new track comes back with its decoded audio (transferred, not copied), so the page can
 * hand it on to the analysis worker instead of having the file decoded a second time.
 */
export type ImportResult =
  { status: 'imported'; track: TrackRecord; pcm: DecodedPcm } | { status: 'duplicate'; track: TrackRecord };

const jobs = new Map<string, AbortController>();

async function importFile(
  jobId: string,
  file: File,
  onProgress?: ProgressCallback<ImportStage>,
): Promise<ImportResult> {
  const controller = new AbortController();
  jobs.set(jobId, controller);
  const { signal } = controller;
  const progress = stagedProgress(IMPORT_WEIGHTS, onProgress);
  try {
    if (file.size === 0) throw new SfaError('empty-file', 'The file is empty (0 bytes)');
    if (file.size > MAX_IMPORT_BYTES) {
      throw new SfaError('too-large', `The file is ${(file.size / 1024 ** 3).toFixed(1)} GiB; the limit is 1 GiB`);
    }
    progress.report('reading', 0);
    const bytes = new Uint8Array(await file.arrayBuffer());
    throwIfAborted(signal);
    progress.report('hashing', 0);
    const id = await sha256Hex(bytes);
    const db = await openLibrary();
    const existing = await getTrack(db, id);
    if (existing) {
      progress.done('storing');
      return { status: 'duplicate', track: existing };
    }
    throwIfAborted(signal);
    const decoded = await decodeAudio(bytes, {
      signal,
      onProgress: (fraction) => progress.report('decoding', fraction),
    });
    progress.report('analysing', 0);
    const peaks = computePeaks(decoded.channels, decoded.sampleRate);
    const tags = await readTags(bytes);
    throwIfAborted(signal);
    const track: TrackRecord = {
      id,
      title: tags.title?.trim() || titleFromFileName(file.name),
      ...(tags.artist?.trim() ? { artist: tags.artist.trim() } : {}),
      ...(tags.album?.trim() ? { album: tags.album.trim() } : {}),
      fileName: file.name,
      mimeType: file.type,
      byteSize: file.size,
      container: decoded.container,
      codec: decoded.codec,
      durationSec: decoded.channels[0]!.length / decoded.sampleRate,
      sampleRate: decoded.sampleRate,
      channelCount: decoded.channels.length,
      importedAt: Date.now(),
    };
    progress.report('storing', 0);
    await addTrack(db, track, file, peaks);
    progress.done('storing');
    // comlink transfers only what the top-level value lists: mark the whole result.
    const { pcm, buffers } = transferablePcm(decoded);
    return Comlink.transfer({ status: 'imported', track, pcm }, buffers);
  } finally {
    jobs.delete(jobId);
    // The callback arrived as a comlink proxy: close its port.
    (onProgress as Partial<Comlink.Remote<unknown>> | undefined)?.[Comlink.releaseProxy]?.();
  }
}

/**
 * Decodes a stored track for playback, cancellable by `jobId` like an import; its channel
 * buffers are transferred, not copied.
 */
async function decodeTrack(jobId: string, id: string, onProgress?: (fraction: number) => void): Promise<DecodedPcm> {
  const controller = new AbortController();
  jobs.set(jobId, controller);
  try {
    const blob = await getTrackFile(await openLibrary(), id);
    const decoded = await decodeAudio(new Uint8Array(await blob.arrayBuffer()), {
      signal: controller.signal,
      ...(onProgress ? { onProgress } : {}),
    });
    return transferPcm(decoded);
  } finally {
    jobs.delete(jobId);
    (onProgress as Partial<Comlink.Remote<unknown>> | undefined)?.[Comlink.releaseProxy]?.();
  }
}

function cancel(jobId: string): void {
  jobs.get(jobId)?.abort();
}

/** Gets the pipeline's code and the database ready while the user is still choosing files. */
async function warmUp(): Promise<void> {
  await Promise.all([preloadDecoders(), preloadTagReader(), openLibrary().catch(() => undefined)]);
}

const api = { importFile, decodeTrack, cancel, warmUp };
export type ImportWorkerApi = typeof api;

Comlink.expose(api);
