// The library as the page sees it: tracks from IndexedDB, filtered and sorted for display.
import { filterTracks, type SortKey } from '../library/filter.ts';
import { deleteTrack, listTracks, openLibrary, type TrackRecord } from '../storage/db.ts';

export type { SortKey };

export class Library {
  tracks = $state.raw<TrackRecord[]>([]);
  loaded = $state(false);
  loadError = $state<string>();
  query = $state('');
  sort = $state<SortKey>('added');
  visible = $derived(filterTracks(this.tracks, this.query, this.sort));

  async load(): Promise<void> {
    try {
      this.tracks = await listTracks(await openLibrary());
      this.loadError = undefined;
    } catch (error) {
      this.loadError = error instanceof Error ? error.message : String(error);
    } finally {
      this.loaded = true;
    }
  }

  get(id: string): TrackRecord | undefined {
    return this.tracks.find((track) => track.id === id);
  }

  async remove(id: string): Promise<void> {
    await deleteTrack(await openLibrary(), id);
    this.tracks = this.tracks.filter((track) => track.id !== id);
  }
}

export const library = new Library();
