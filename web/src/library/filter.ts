// Search and sort of the library list: pure, so the list and its tests share one definition.
import type { TrackRecord } from '../storage/db.ts';

export type SortKey = 'added' | 'title' | 'artist' | 'duration';

const collator = new Intl.Collator(undefined, { sensitivity: 'base', numeric: true });

const comparators: Record<SortKey, (a: TrackRecord, b: TrackRecord) => number> = {
  added: (a, b) => b.importedAt - a.importedAt,
  title: (a, b) => collator.compare(a.title, b.title),
  artist: (a, b) => collator.compare(a.artist ?? '\uffff', b.artist ?? '\uffff') || collator.compare(a.title, b.title),
  duration: (a, b) => a.durationSec - b.durationSec,
};

/** Tracks whose title, artist, album or file name contain every word of `query`. */
export function filterTracks(tracks: readonly TrackRecord[], query: string, sort: SortKey): TrackRecord[] {
  const words = query.toLocaleLowerCase().split(/\s+/).filter(Boolean);
  const matching = tracks.filter((track) => {
    const haystack = [track.title, track.artist, track.album, track.fileName].join(' ').toLocaleLowerCase();
    return words.every((word) => haystack.includes(word));
  });
  return matching.sort(comparators[sort]);
}
