// Library search and sort, on a small hand-made list.
import { describe, expect, it } from 'vitest';
import type { TrackRecord } from '../storage/db.ts';
import { filterTracks } from './filter.ts';

function track(
  id: string,
  title: string,
  artist: string | undefined,
  durationSec: number,
  importedAt: number,
): TrackRecord {
  return {
    id,
    title,
    ...(artist ? { artist } : {}),
    fileName: `${id}.mp3`,
    mimeType: 'audio/mpeg',
    byteSize: 1,
    container: 'mp3',
    codec: 'MP3',
    durationSec,
    sampleRate: 44_100,
    channelCount: 2,
    importedAt,
  };
}

const tracks = [
  track('a', 'Track 10', 'Zed', 200, 1),
  track('b', 'track 2', 'Abba', 100, 3),
  track('c', 'Intro', undefined, 50, 2),
];

describe('filterTracks', () => {
  it('sorts by each key, with natural number order and unknown artists last', () => {
    expect(filterTracks(tracks, '', 'added').map((t) => t.id)).toEqual(['b', 'c', 'a']);
    expect(filterTracks(tracks, '', 'title').map((t) => t.id)).toEqual(['c', 'b', 'a']);
    expect(filterTracks(tracks, '', 'artist').map((t) => t.id)).toEqual(['b', 'a', 'c']);
    expect(filterTracks(tracks, '', 'duration').map((t) => t.id)).toEqual(['c', 'b', 'a']);
  });

  it('matches every word, case-insensitively, across title, artist and file name', () => {
    expect(filterTracks(tracks, 'TRACK abba', 'title').map((t) => t.id)).toEqual(['b']);
    expect(filterTracks(tracks, 'c.mp3', 'title').map((t) => t.id)).toEqual(['c']);
    expect(filterTracks(tracks, 'nothing', 'title')).toEqual([]);
  });

  it('does not reorder the array it was given', () => {
    const before = tracks.map((t) => t.id);
    filterTracks(tracks, '', 'title');
    expect(tracks.map((t) => t.id)).toEqual(before);
  });
});
