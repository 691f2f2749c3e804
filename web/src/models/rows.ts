// The settings page's rows: each catalogue entry merged with what is stored for it (a model, a
// paused download) and what is happening to it (a download running, an error), plus what is
// stored that no catalogue lists any more. Pure: the state class derives its list from it.
import type { CatalogueEntry } from '@sfa/shared/separation/catalogue';
import type { StemName } from '@sfa/shared/separation/types';
import type { ModelDownloadRecord, ModelRecord } from '../storage/db.ts';
import type { SourcedEntry } from './catalogue.ts';
import type { DownloadProgress } from './download.ts';

export type ModelState = 'not-downloaded' | 'downloading' | 'paused' | 'ready';

/** How the bytes of a model are (or will be) known to be right, as the list says it. */
export type ChecksumStatus =
  /** Stored, and its SHA-256 matched the catalogue's. */
  | 'verified'
  /** Stored; the catalogue had no checked hash, so the hash it arrived with was recorded. */
  | 'recorded'
  /** Stored; the catalogue lists another (unchecked) hash than the one recorded. */
  | 'differs'
  /** Imported from a local file. */
  | 'local'
  /** Not stored; the catalogue's hash was checked by its publisher. */
  | 'published'
  /** Not stored; the catalogue has no checked hash. */
  | 'unverified';

export interface ModelRow {
  id: string;
  name: string;
  stems: readonly StemName[];
  kind: string;
  /** The file's size: the stored model's, else the catalogue's figure. */
  bytes: number;
  licence?: string;
  licenceUrl?: string;
  notes?: string;
  /** Where it is listed ("Built in", a catalogue's name or host, "Imported file"). */
  source: string;
  state: ModelState;
  checksum: ChecksumStatus;
  sha256?: string;
  /** While downloading. */
  progress?: DownloadProgress;
  /** Bytes already stored for a paused download. */
  receivedBytes?: number;
  /** What went wrong the last time the user acted on this row. */
  error?: string;
  /** The catalogue entry, when the model is listed (imported files have none). */
  entry?: CatalogueEntry;
}

const IMPORTED_LABEL = 'Imported file';

function checksumOf(entry: CatalogueEntry | undefined, stored: ModelRecord | undefined): ChecksumStatus {
  if (stored) {
    if (stored.verification === 'local') return 'local';
    if (stored.verification === 'checksum') return 'verified';
    return entry?.sha256 && entry.sha256 !== stored.sha256 ? 'differs' : 'recorded';
  }
  return entry?.checksumVerified ? 'published' : 'unverified';
}

export interface RowInputs {
  entries: readonly SourcedEntry[];
  stored: readonly ModelRecord[];
  downloads: readonly ModelDownloadRecord[];
  active: Readonly<Record<string, DownloadProgress>>;
  errors: Readonly<Record<string, string>>;
}

/** Catalogue entries in order, then stored models and downloads that no catalogue lists. */
export function modelRows({ entries, stored, downloads, active, errors }: RowInputs): ModelRow[] {
  const storedById = new Map(stored.map((model) => [model.id, model]));
  const downloadsById = new Map(downloads.map((download) => [download.id, download]));
  const row = (id: string, entry: CatalogueEntry | undefined, source: string): ModelRow => {
    const stored = storedById.get(id);
    const download = downloadsById.get(id);
    const progress = active[id];
    const descriptor = stored?.descriptor ?? entry;
    return {
      id,
      name: descriptor?.name ?? id,
      stems: descriptor?.stems ?? [],
      kind: descriptor?.contract.kind ?? '',
      bytes: stored?.byteSize ?? (download?.totalBytes || entry?.bytes || 0),
      licence: stored?.licence ?? entry?.licence,
      licenceUrl: entry?.licenceUrl,
      notes: entry?.notes,
      source: stored?.source === 'local' ? IMPORTED_LABEL : source,
      state: stored ? 'ready' : progress ? 'downloading' : download ? 'paused' : 'not-downloaded',
      checksum: checksumOf(entry, stored),
      sha256: stored?.sha256 ?? entry?.sha256 ?? undefined,
      progress,
      receivedBytes: download?.receivedBytes,
      error: errors[id],
      entry,
    };
  };
  const rows = entries.map(({ entry, sourceLabel: label }) => row(entry.id, entry, label));
  const listed = new Set(rows.map((r) => r.id));
  // What no catalogue lists any more (imported files; a removed catalogue's models or paused
  // downloads) is still stored, so it is still shown, to use or to delete.
  for (const id of new Set([...storedById.keys(), ...downloadsById.keys()])) {
    if (!listed.has(id)) rows.push(row(id, undefined, 'No longer listed'));
  }
  return rows;
}
