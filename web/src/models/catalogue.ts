// Where the models on offer come from: the catalogue built into the app (models/catalogue.json)
// and catalogues the user added by URL (an organisation's, a LAN mirror, their offload server).
// Added URLs and the last copy fetched from each live in localStorage, so the list still shows
// offline. No DOM here: the state class calls it.
import { errorMessage, SfaError } from '@sfa/shared/protocol/errors';
import { parseCatalogue, type Catalogue, type CatalogueEntry } from '@sfa/shared/separation/catalogue';
import shipped from '../../../models/catalogue.json';

/** The catalogue the app was built with; the build fails its tests if this does not parse. */
export const BUILT_IN_CATALOGUE: Catalogue = parseCatalogue(shipped);
export const BUILT_IN_LABEL = 'Built in';

const STORAGE_KEY = 'sfa-catalogue-sources';

/** A catalogue the user added, with the last copy that was fetched from it. */
export interface SavedSource {
  url: string;
  /** The catalogue's JSON as last fetched (parsed again on load, so a newer app re-checks it). */
  json?: unknown;
  /** Milliseconds since the epoch. */
  fetchedAt?: number;
}

/** The URLs the user added, oldest first; a corrupt entry in storage is dropped, not fatal. */
export function loadSavedSources(storage: Storage = localStorage): SavedSource[] {
  try {
    const value: unknown = JSON.parse(storage.getItem(STORAGE_KEY) ?? '[]');
    if (!Array.isArray(value)) return [];
    return value.filter(
      (item): item is SavedSource => typeof item === 'object' && item !== null && typeof item.url === 'string',
    );
  } catch {
    return [];
  }
}

/** Throws `storage-full` when localStorage refuses the write (a big catalogue, a full quota). */
export function saveSources(sources: SavedSource[], storage: Storage = localStorage): void {
  try {
    storage.setItem(STORAGE_KEY, JSON.stringify(sources));
  } catch (error) {
    throw new SfaError('storage-full', `Could not remember the catalogue list: ${errorMessage(error)}`, {
      cause: error,
    });
  }
}

/** An absolute http(s) URL from what the user typed; throws `bad-request` saying what is wrong. */
export function normaliseSourceUrl(input: string): string {
  const text = input.trim();
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new SfaError(
      'bad-request',
      `“${text}” is not a URL: give the full address, e.g. https://example.org/catalogue.json`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new SfaError('bad-request', `A catalogue URL must start with http:// or https://, not ${url.protocol}`);
  }
  return url.href;
}

/**
 * Fetches and parses the catalogue at `url` (cross-origin: its server must send CORS headers).
 * Returns the parsed catalogue and the raw JSON to keep. Throws an SfaError that says whether the
 * server could not be reached, answered with an error, or sent something that is not a catalogue.
 */
export async function fetchCatalogue(
  url: string,
  { signal, fetch: fetchFn = fetch }: { signal?: AbortSignal; fetch?: typeof fetch } = {},
): Promise<{ catalogue: Catalogue; json: unknown }> {
  let response: Response;
  try {
    response = await fetchFn(url, { mode: 'cors', cache: 'no-cache', signal });
  } catch (error) {
    if (signal?.aborted) throw error;
    throw new SfaError(
      'not-found',
      `Could not fetch ${url}: the server is unreachable, this device is offline, or the server does not allow this app to read it (CORS)`,
      { cause: error },
    );
  }
  if (!response.ok) {
    throw new SfaError(response.status === 404 ? 'not-found' : 'bad-request', `${url} answered ${response.status}`);
  }
  let json: unknown;
  try {
    json = await response.json();
  } catch (error) {
    throw new SfaError('bad-request', `${url} is not a catalogue: it is not JSON`, { cause: error });
  }
  return { catalogue: parseCatalogue(json, { baseUrl: url }), json };
}

/** A catalogue's models as the app offers them, each with where it was listed. */
export interface SourcedEntry {
  entry: CatalogueEntry;
  /** The catalogue's URL; undefined for the built-in one. */
  sourceUrl?: string;
  /** What the list shows as its source: the catalogue's name, else its host. */
  sourceLabel: string;
}

export interface SourceListing {
  url?: string;
  label: string;
  catalogue?: Catalogue;
}

/** A source's label: the catalogue's own name, else the server's host. */
export function sourceLabel(url: string | undefined, catalogue: Catalogue | undefined): string {
  if (!url) return BUILT_IN_LABEL;
  return catalogue?.name ?? new URL(url).host;
}

/**
 * One list of models from several catalogues, in order. Models are stored by id, so an id listed
 * by an earlier catalogue hides a later one's; each hidden id is reported with the catalogue
 * that listed it first.
 */
export function mergeCatalogues(sources: readonly SourceListing[]): {
  entries: SourcedEntry[];
  hidden: { sourceUrl?: string; id: string; shadowedBy: string }[];
} {
  const entries: SourcedEntry[] = [];
  const hidden: { sourceUrl?: string; id: string; shadowedBy: string }[] = [];
  const byId = new Map<string, SourcedEntry>();
  for (const source of sources) {
    for (const entry of source.catalogue?.models ?? []) {
      const first = byId.get(entry.id);
      if (first) {
        hidden.push({ sourceUrl: source.url, id: entry.id, shadowedBy: first.sourceLabel });
        continue;
      }
      const sourced: SourcedEntry = { entry, sourceUrl: source.url, sourceLabel: source.label };
      byId.set(entry.id, sourced);
      entries.push(sourced);
    }
  }
  return { entries, hidden };
}
