// The import queue: files wait their turn, run one at a time in the import worker, report
// progress, can be cancelled, and end as imported, already there, failed or cancelled.
import * as Comlink from 'comlink';
import { errorMessage, isAbortError } from '@sfa/shared/protocol/errors';
import type { Progress } from '@sfa/shared/protocol/progress';
import { importWorker } from '../workers/bridge.ts';
import type { ImportResult, ImportStage } from '../workers/import.worker.ts';
import { analyses } from './analysis.svelte.ts';
import { library } from './library.svelte.ts';
import { storage } from './storage.svelte.ts';

export type ImportStatus = 'queued' | 'importing' | 'imported' | 'duplicate' | 'failed' | 'cancelled';

export interface ImportItem {
  jobId: string;
  fileName: string;
  status: ImportStatus;
  stage?: ImportStage;
  fraction: number;
  /** What went wrong (failed) or what it matched (duplicate). */
  message?: string;
  trackId?: string;
}

let nextJob = 0;

export class Imports {
  items = $state<ImportItem[]>([]);
  active = $derived(this.items.filter((item) => item.status === 'queued' || item.status === 'importing').length);
  // Not state: the queued File objects, looked up by job id and never rendered.
  // eslint-disable-next-line svelte/prefer-svelte-reactivity
  private readonly files = new Map<string, File>();
  private running = false;
  private prepared?: Promise<void>;

  /** Queues files for import; returns at once. */
  add(files: Iterable<File>): void {
    for (const file of files) {
      const jobId = `import-${Date.now()}-${nextJob++}`;
      this.files.set(jobId, file);
      this.items.push({ jobId, fileName: file.name, status: 'queued', fraction: 0 });
    }
    void storage.requestPersistence();
    void this.drain();
  }

  /** Shows a file that could not even be handed to the importer (e.g. the OS refused to open it). */
  reportFailure(fileName: string, message: string): void {
    this.items.push({ jobId: `import-${Date.now()}-${nextJob++}`, fileName, status: 'failed', fraction: 0, message });
  }

  /** The user is about to import (picker opened, files dragged in): start the worker now. */
  prepare(): void {
    if (!this.prepared) this.prepared = importWorker.call((api) => api.warmUp()).catch(() => undefined);
  }

  cancel(jobId: string): void {
    const item = this.items.find((candidate) => candidate.jobId === jobId);
    if (!item) return;
    if (item.status === 'queued') {
      item.status = 'cancelled';
      this.files.delete(jobId);
    } else if (item.status === 'importing') {
      void importWorker.call((api) => api.cancel(jobId));
    }
  }

  /** Forgets finished items (the ones that did not fail, unless `includeFailures`). */
  clearFinished(includeFailures = false): void {
    this.items = this.items.filter(
      (item) =>
        item.status === 'queued' || item.status === 'importing' || (item.status === 'failed' && !includeFailures),
    );
  }

  private async drain(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      for (let item = this.nextQueued(); item; item = this.nextQueued()) await this.run(item);
    } finally {
      this.running = false;
    }
  }

  private nextQueued(): ImportItem | undefined {
    return this.items.find((item) => item.status === 'queued');
  }

  private async run(item: ImportItem): Promise<void> {
    const file = this.files.get(item.jobId)!;
    this.files.delete(item.jobId);
    item.status = 'importing';
    const onProgress = Comlink.proxy((progress: Progress<ImportStage>) => {
      // Messages from the worker can trail its result; never move the bar back.
      if (item.status !== 'importing' || progress.fraction < item.fraction) return;
      item.stage = progress.stage;
      item.fraction = progress.fraction;
    });
    try {
      const result = await importWorker.call<ImportResult>((api) => api.importFile(item.jobId, file, onProgress));
      item.trackId = result.track.id;
      item.fraction = 1;
      if (result.status === 'duplicate') {
        item.status = 'duplicate';
        item.message = `Already in the library as “${result.track.title}”`;
      } else {
        item.status = 'imported';
        library.added(result.track);
        // The decoded audio came back with the track: analysis starts without decoding again.
        analyses.enqueue(result.track.id, result.pcm);
      }
    } catch (error) {
      if (isAbortError(error)) {
        item.status = 'cancelled';
      } else {
        item.status = 'failed';
        item.message = errorMessage(error);
      }
    } finally {
      void storage.refresh();
    }
  }
}

export const imports = new Imports();
