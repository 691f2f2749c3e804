// Separation models as the settings page shows them: every catalogue entry (built in and from
// the user's catalogue URLs) merged with what is stored (models, paused downloads) into one row
// with a state, and the actions on it: download, cancel, resume, delete, import a local file,
// add or remove a catalogue. Errors stay on the row (or form) where the user acted. A download
// fetches the fp16 file where the catalogue offers one and this device's GPU runs it.
import { errorMessage, isAbortError } from '@sfa/shared/protocol/errors';
import { parseCatalogue, type CatalogueEntry } from '@sfa/shared/separation/catalogue';
import {
  BUILT_IN_CATALOGUE,
  BUILT_IN_LABEL,
  fetchCatalogue,
  loadSavedSources,
  mergeCatalogues,
  normaliseSourceUrl,
  saveSources,
  sourceLabel,
  type SavedSource,
  type SourceListing,
} from '../models/catalogue.ts';
import { downloadModel, type DownloadProgress } from '../models/download.ts';
import { importedRecord, type ImportForm } from '../models/import.ts';
import type { OnnxSignature } from '../models/onnx-signature.ts';
import { choosePrecision, fileOf, precisionView, type PrecisionView } from '../models/precision.ts';
import { modelRows, type ModelRow } from '../models/rows.ts';
import { probeWebGpu, type WebGpuReport } from '../separation/runtime.ts';
import { openLibrary, type ModelDownloadRecord, type ModelRecord } from '../storage/db.ts';
import { deleteModel, listDownloads, listModels, putModel } from '../storage/model-store.ts';
import { separationWorker } from '../workers/bridge.ts';
import { deviceSettings } from './device-settings.svelte.ts';
import { storage } from './storage.svelte.ts';

/** A user-added catalogue as the page shows it. */
export interface CatalogueSourceView {
  url: string;
  label: string;
  models: number;
  /** When the copy in use was fetched (ms since the epoch). */
  fetchedAt?: number;
  /** Why the last fetch failed (the older copy, if any, is still in use). */
  error?: string;
  /** Ids this catalogue lists that an earlier one already lists (hidden). */
  hidden: string[];
  refreshing: boolean;
}

export type { ChecksumStatus, ModelRow, ModelState } from '../models/rows.ts';

export class Models {
  stored = $state.raw<ModelRecord[]>([]);
  downloads = $state.raw<ModelDownloadRecord[]>([]);
  saved = $state.raw<SavedSource[]>([]);
  /** Downloads running now, by model id. */
  active = $state<Record<string, DownloadProgress>>({});
  errors = $state<Record<string, string>>({});
  sourceErrors = $state<Record<string, string>>({});
  refreshing = $state<Record<string, boolean>>({});
  loaded = $state(false);
  loadError = $state<string>();
  /** This page's WebGPU adapter, once examined: it decides which file a download fetches. */
  gpu = $state.raw<WebGpuReport>();
  #gpuProbe: Promise<WebGpuReport> | undefined;

  /** Downloads running now: how to stop each, and when it has let go. */
  // eslint-disable-next-line svelte/prefer-svelte-reactivity -- never rendered
  readonly #running = new Map<string, { controller: AbortController; done: Promise<void> }>();

  /** Built in first, then the user's catalogues in the order they were added. */
  listings = $derived<SourceListing[]>([
    { label: BUILT_IN_LABEL, catalogue: BUILT_IN_CATALOGUE },
    ...this.saved.map((source) => {
      const catalogue = this.#parseSaved(source);
      return { url: source.url, label: sourceLabel(source.url, catalogue), catalogue };
    }),
  ]);

  merged = $derived(mergeCatalogues(this.listings));

  sources = $derived<CatalogueSourceView[]>(
    this.saved.map((source, i) => {
      const listing = this.listings[i + 1]!;
      return {
        url: source.url,
        label: listing.label,
        models: listing.catalogue?.models.length ?? 0,
        fetchedAt: source.fetchedAt,
        error: this.sourceErrors[source.url],
        hidden: this.merged.hidden.filter((h) => h.sourceUrl === source.url).map((h) => h.id),
        refreshing: this.refreshing[source.url] ?? false,
      };
    }),
  );

  rows = $derived<ModelRow[]>(
    modelRows({
      entries: this.merged.entries,
      stored: this.stored,
      downloads: this.downloads,
      active: this.active,
      errors: this.errors,
    }),
  );

  /** Per row id: fp16 or fp32, of what is stored or of the file a download would fetch here. */
  precisions = $derived<Record<string, PrecisionView | undefined>>(
    Object.fromEntries(
      this.rows.map((row) => [
        row.id,
        precisionView({
          entry: row.entry,
          stored: this.stored.find((model) => model.id === row.id),
          download: this.downloads.find((download) => download.id === row.id),
          gpu: this.gpu,
        }),
      ]),
    ),
  );

  /** Reads stored models and downloads, and the remembered catalogues; then refreshes those. */
  async load(): Promise<void> {
    void this.#probeGpu();
    this.saved = loadSavedSources();
    try {
      await this.#reload();
      this.loadError = undefined;
    } catch (error) {
      this.loadError = errorMessage(error);
    } finally {
      this.loaded = true;
    }
    await Promise.all(this.saved.map((source) => this.refreshSource(source.url)));
  }

  get(id: string): ModelRow | undefined {
    return this.rows.find((row) => row.id === id);
  }

  /** Downloads a model, or resumes its paused download. Failures are shown on its row. */
  async download(id: string): Promise<void> {
    const entry = this.get(id)?.entry;
    if (!entry || this.#running.has(id)) return;
    const controller = new AbortController();
    const done = this.#download(entry, controller);
    this.#running.set(id, { controller, done });
    await done;
  }

  async #download(entry: CatalogueEntry, controller: AbortController): Promise<void> {
    const id = entry.id;
    delete this.errors[id];
    const paused = this.downloads.find((d) => d.id === id);
    this.active[id] = {
      stage: 'download',
      fraction: 0,
      receivedBytes: paused?.receivedBytes ?? 0,
      totalBytes: paused?.totalBytes || entry.bytes,
      bytesPerSec: 0,
    };
    try {
      // Decided now, and kept with the download: a resume fetches the same file.
      const { precision } = choosePrecision(entry, await this.#probeGpu());
      const shown = this.active[id];
      if (shown && !paused) shown.totalBytes = fileOf(entry, precision)!.bytes;
      const record = await downloadModel(entry, {
        db: await openLibrary(),
        precision,
        signal: controller.signal,
        onProgress: (progress) => {
          if (!controller.signal.aborted) this.active[id] = progress;
        },
      });
      // No checksum vouches for it: it must at least run.
      if (record.verification === 'recorded') await this.#runOnce(id, 'downloaded');
    } catch (error) {
      if (!isAbortError(error)) this.errors[id] = errorMessage(error);
    } finally {
      this.#running.delete(id);
      delete this.active[id];
      await this.#reload().catch((error: unknown) => (this.errors[id] = errorMessage(error)));
      void storage.refresh();
    }
  }

  /**
   * Runs a stored model once on a little noise in the separation worker (a model whose checksum
   * nobody vouches for, or the user's own file). One that does not load, does not match its
   * descriptor or gives non-finite samples is deleted again, and the error says why.
   */
  async #runOnce(id: string, how: 'downloaded' | 'imported'): Promise<void> {
    try {
      await deviceSettings.apply();
      await separationWorker.call((api) => api.checkModel(id));
    } catch (error) {
      // Stopped, not failed (the worker was restarted): the model stays; it is checked again
      // when it first runs a job.
      if (isAbortError(error)) throw error;
      await deleteModel(await openLibrary(), id).catch(() => undefined);
      throw new Error(`The model was ${how} but does not run, so it was removed: ${errorMessage(error)}`, {
        cause: error,
      });
    }
  }

  /** Stops a download; what arrived is kept and Resume continues from there. */
  cancel(id: string): void {
    this.#running.get(id)?.controller.abort();
  }

  /** Deletes a stored model, or a paused download's parts (a running one is cancelled first). */
  async remove(id: string): Promise<void> {
    const running = this.#running.get(id);
    running?.controller.abort();
    // Let the cancelled download finish writing its last part, so nothing is written after the delete.
    await running?.done;
    delete this.errors[id];
    try {
      await deleteModel(await openLibrary(), id);
    } catch (error) {
      this.errors[id] = `Could not delete: ${errorMessage(error)}`;
    }
    await this.#reload().catch(() => undefined);
    void storage.refresh();
  }

  /**
   * Stores an imported file with the contract the form describes (checked against the file).
   * Throws with a message for the form; returns the new model's id.
   */
  async importFile(file: File, read: { signature: OnnxSignature; sha256: string }, form: ImportForm): Promise<string> {
    const taken = [...this.stored.map((m) => m.id), ...this.merged.entries.map((e) => e.entry.id)];
    const record = importedRecord(file, read, form, taken);
    await putModel(await openLibrary(), record);
    await this.#runOnce(record.id, 'imported');
    await this.#reload();
    void storage.refresh();
    return record.id;
  }

  /** Adds a catalogue URL (after fetching it once, so a typo is caught at once). Throws for the form. */
  async addSource(input: string): Promise<void> {
    const url = normaliseSourceUrl(input);
    if (this.saved.some((source) => source.url === url)) throw new Error('This catalogue is already in the list');
    const { json } = await fetchCatalogue(url);
    this.#save([...this.saved, { url, json, fetchedAt: Date.now() }]);
  }

  removeSource(url: string): void {
    this.#save(this.saved.filter((source) => source.url !== url));
    delete this.sourceErrors[url];
  }

  /** Fetches a catalogue again; on failure the copy fetched before stays in use and the error is shown. */
  async refreshSource(url: string): Promise<void> {
    this.refreshing[url] = true;
    try {
      const { json } = await fetchCatalogue(url);
      this.#save(this.saved.map((source) => (source.url === url ? { url, json, fetchedAt: Date.now() } : source)));
      delete this.sourceErrors[url];
    } catch (error) {
      this.sourceErrors[url] = errorMessage(error);
    } finally {
      this.refreshing[url] = false;
    }
  }

  #save(sources: SavedSource[]): void {
    saveSources(sources);
    this.saved = sources;
  }

  /** A remembered copy, parsed again (a newer app may be stricter); undefined if it no longer parses. */
  #parseSaved(source: SavedSource) {
    if (source.json === undefined) return undefined;
    try {
      return parseCatalogue(source.json, { baseUrl: source.url });
    } catch {
      return undefined;
    }
  }

  /** Examines the GPU once; a failed request counts as no WebGPU (the fp32 file is always safe). */
  #probeGpu(): Promise<WebGpuReport> {
    this.#gpuProbe ??= probeWebGpu().then((report) => (this.gpu = report));
    return this.#gpuProbe;
  }

  async #reload(): Promise<void> {
    const db = await openLibrary();
    const [stored, downloads] = await Promise.all([listModels(db), listDownloads(db)]);
    this.stored = stored;
    this.downloads = downloads;
  }
}

export const models = new Models();
