// Exports on the page: start one in the export worker (stems or a mix of a stem set, a format, a
// ZIP or separate files, the mixer's settings), its progress and cancel, and the exported files
// (kept in the origin-private file system) to download or share.
import * as Comlink from 'comlink';
import { errorMessage, isAbortError } from '@sfa/shared/protocol/errors';
import type { EncodeSpec, ExportSource } from '../export/types.ts';
import { mixer } from '../mixer/mixer.svelte.ts';
import type { StemSetRecord } from '../storage/db.ts';
import { exportWorker } from '../workers/bridge.ts';
import type { ExportedFile, ExportProgress, ExportRequest } from '../workers/export.worker.ts';

export type { ExportProgress };

/** An exported file; `setId` is the stem set it came from, when exported in this session. */
export interface ExportResult extends ExportedFile {
  setId?: string;
}

export interface ExportChoice {
  source: ExportSource;
  spec: EncodeSpec;
  /** Several files as one ZIP. */
  zip: boolean;
}

/**
 * Files a share sheet is likely to refuse or choke on (Android caps shared files well below
 * this; a ZIP is a type many share targets do not take).
 */
const LARGE_SHARE_BYTES = 50 * 1024 * 1024;
/** How long a cancelled export may take to stop before its worker is stopped. */
const CANCEL_GRACE_MS = 2_000;

export class Exports {
  /** The stem set being exported now, and its progress. */
  running = $state<{ setId: string; progress?: ExportProgress; cancelling: boolean }>();
  /** What went wrong with the last export, where the user acted. */
  error = $state<string>();
  /** Exported files, newest first (this session's and those kept from earlier ones). */
  results = $state.raw<ExportResult[]>([]);

  private loaded?: Promise<void>;

  /** Lists the exports kept from earlier sessions (once). */
  load(): Promise<void> {
    this.loaded ??= exportWorker
      .call((api) => api.list())
      .then((files) => this.merge(files))
      .catch((error: unknown) => {
        this.loaded = undefined;
        this.error = `The exported files could not be listed: ${errorMessage(error)}`;
      });
    return this.loaded;
  }

  private merge(files: ExportedFile[]): void {
    const known = this.results.map((r) => r.file.name);
    this.results = [...this.results, ...files.filter((f) => !known.includes(f.file.name))];
  }

  /** Exports from `set` as chosen, with the mixer's settings when the mixer has this set open. */
  async start(set: StemSetRecord, choice: ExportChoice): Promise<void> {
    if (this.running) return;
    this.error = undefined;
    const request: ExportRequest = $state.snapshot({
      source: choice.source,
      spec: choice.spec,
      zip: choice.zip,
      mixer:
        choice.source.kind === 'mix' && mixer.set?.id === set.id
          ? { strips: mixer.strips, masterDb: mixer.masterDb, speed: mixer.speed, semitones: mixer.semitones }
          : undefined,
    });
    this.running = { setId: set.id, cancelling: false };
    const onProgress = Comlink.proxy((progress: ExportProgress) => {
      if (this.running?.setId === set.id) this.running.progress = progress;
    });
    try {
      const files = await exportWorker.call((api) => api.exportAudio(set.id, request, onProgress));
      // Files of the same name were replaced; older exports beyond the kept few were deleted.
      const kept = await exportWorker.call((api) => api.list());
      const fresh = files.map((f) => f.file.name);
      this.results = [
        ...files.map((f) => ({ ...f, setId: set.id })),
        ...this.results.filter((r) => !fresh.includes(r.file.name) && kept.some((f) => f.file.name === r.file.name)),
      ];
    } catch (error) {
      if (!isAbortError(error)) this.error = errorMessage(error);
      // A cancelled or failed run of several files may have replaced some of them already:
      // list what is there now, so no entry points at a file that is gone.
      await this.refresh(set.id);
    } finally {
      this.running = undefined;
    }
  }

  /** The results as stored now: gone files dropped, files stored meanwhile added (for `setId`). */
  private async refresh(setId: string): Promise<void> {
    try {
      const kept = await exportWorker.call((api) => api.list());
      this.results = kept.map((f) => ({
        ...f,
        setId: this.results.find((r) => r.file.name === f.file.name)?.setId ?? setId,
      }));
    } catch {
      // Only a refresh: the error already shown says what went wrong.
    }
  }

  cancel(): void {
    const running = this.running;
    if (!running || running.cancelling) return;
    running.cancelling = true;
    void exportWorker.call((api) => api.cancel(running.setId));
    // An encoder stuck in a long block: stop the worker (its partial files go with the next export).
    setTimeout(() => {
      if (this.running === running) exportWorker.terminate();
    }, CANCEL_GRACE_MS);
  }

  /** Saves a file through the browser's download (an object URL on a temporary link). */
  download(result: ExportResult): void {
    const url = URL.createObjectURL(result.file);
    const link = document.createElement('a');
    link.href = url;
    link.download = result.file.name;
    link.style.display = 'none';
    document.body.append(link);
    link.click();
    link.remove();
    // The download has taken its reference by the next task; a minute is generous.
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
  }

  /** Whether this browser can share files at all (Web Share API level 2). */
  get canShareFiles(): boolean {
    return typeof navigator.share === 'function' && typeof navigator.canShare === 'function';
  }

  /** Why `result` cannot be shared here, or undefined when it can. */
  shareProblem(result: ExportResult): string | undefined {
    if (!this.canShareFiles) return 'Sharing files is not supported in this browser';
    let shareable: boolean;
    try {
      shareable = navigator.canShare({ files: [result.file] });
    } catch {
      shareable = false;
    }
    if (shareable) return undefined;
    if (result.file.name.endsWith('.zip')) return 'This browser cannot share ZIP files: download it instead';
    if (result.file.size > LARGE_SHARE_BYTES) return 'This file may be too large to share: download it instead';
    return 'This browser cannot share this kind of file: download it instead';
  }

  /** Opens the share sheet; a dismissed sheet is not an error. */
  async share(result: ExportResult): Promise<void> {
    try {
      await navigator.share({ files: [result.file], title: result.file.name });
    } catch (error) {
      if (!isAbortError(error)) this.error = `Could not share ${result.file.name}: ${errorMessage(error)}`;
    }
  }

  /** Deletes an exported file from this device's storage. */
  async remove(result: ExportResult): Promise<void> {
    await exportWorker.call((api) => api.remove(result.file.name));
    this.results = this.results.filter((r) => r.file.name !== result.file.name);
  }
}

export const audioExports = new Exports();
