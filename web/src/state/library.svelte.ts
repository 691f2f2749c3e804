// The library as the page sees it: tracks from IndexedDB, filtered and sorted for display.
import { errorMessage } from '@sfa/shared/protocol/errors';
import { filterTracks, type AnalysisFilter, type SortKey } from '../library/filter.ts';
import { deleteTrack, listTracks, openLibrary, type TrackRecord } from '../storage/db.ts';
import { analyses } from './analysis.svelte.ts';
import { separations } from './separations.svelte.ts';
import { storage } from './storage.svelte.ts';

export type { SortKey };

export class Library {
  tracks = $state.raw<TrackRecord[]>([]);
  loaded = $state(false);
  loadError = $state<string>();
  query = $state('');
  sort = $state<SortKey>('added');
  /** BPM range and key narrowing (see AnalysisFilter). */
  filter = $state<AnalysisFilter>({ halfDouble: false, camelot: '', compatibleKeys: false });
  visible = $derived(filterTracks(this.tracks, this.query, this.sort, analyses.summaries, this.filter));

  async load(): Promise<void> {
    try {
      this.tracks = await listTracks(await openLibrary());
      this.loadError = undefined;
    } catch (error) {
      this.loadError = errorMessage(error);
    } finally {
      this.loaded = true;
    }
  }

  get(id: string): TrackRecord | undefined {
    return this.tracks.find((track) => track.id === id);
  }

  /** Shows a track the import worker has just stored (no need to read the whole list again). */
  added(track: TrackRecord): void {
    if (!this.get(track.id)) this.tracks = [...this.tracks, track];
  }

  /** Deletes a track and everything stored for it; the storage figures follow. */
  async remove(id: string): Promise<void> {
    await deleteTrack(await openLibrary(), id);
    this.tracks = this.tracks.filter((track) => track.id !== id);
    analyses.forget(id);
    separations.forgetTrack(id);
    void storage.refresh();
  }

  /**
   * Asks the user, then deletes. Resolves true when deleted, false when they declined;
   * rejects with a message naming the track when the delete failed.
   */
  async confirmAndRemove(track: TrackRecord): Promise<boolean> {
    if (!confirm(`Delete “${track.title}” and everything stored for it?`)) return false;
    try {
      await this.remove(track.id);
      return true;
    } catch (error) {
      throw new Error(`Could not delete “${track.title}”: ${errorMessage(error)}`, { cause: error });
    }
  }
}

export const library = new Library();
