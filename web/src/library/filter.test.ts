// Library search, filters and sort, on a small hand-made list.
import { describe, expect, it } from 'vitest';
import type { AnalysisSummary, TrackRecord } from '../storage/db.ts';
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

function summary(bpm: number, camelot: string): AnalysisSummary {
  return { bpm, bpmMin: bpm, bpmMax: bpm, camelot, keyName: camelot, integratedLufs: -12 };
}

describe('filterTracks by analysis', () => {
  const library = [
    track('slow', 'Slow', undefined, 1, 1),
    track('mid', 'Mid', undefined, 1, 2),
    track('fast', 'Fast', undefined, 1, 3),
    track('new', 'Not analysed yet', undefined, 1, 4),
    track('other', 'Other key', undefined, 1, 5),
  ];
  const summaries = new Map([
    ['slow', summary(64, '8A')],
    ['mid', summary(126, '9A')],
    ['fast', summary(174, '12B')],
    ['other', summary(120, '3A')],
  ]);
  const ids = (filter: Parameters<typeof filterTracks>[4], sort: Parameters<typeof filterTracks>[2] = 'bpm') =>
    filterTracks(library, '', sort, summaries, filter).map((t) => t.id);

  it('sorts by BPM and by Camelot order, unanalysed tracks last', () => {
    expect(ids({})).toEqual(['slow', 'other', 'mid', 'fast', 'new']);
    expect(ids({}, 'key')).toEqual(['other', 'slow', 'mid', 'fast', 'new']);
  });

  it('filters by a BPM range, counting half and double time when asked', () => {
    expect(ids({ bpmMin: 120, bpmMax: 130 })).toEqual(['other', 'mid']);
    // 64 BPM is 128 in double time; 174 would be 87 in half time, outside.
    expect(ids({ bpmMin: 120, bpmMax: 130, halfDouble: true })).toEqual(['slow', 'other', 'mid']);
    expect(ids({ bpmMin: 170 })).toEqual(['fast']);
    expect(ids({ bpmMax: 100 })).toEqual(['slow']);
  });

  it('filters by key, with its neighbours on the wheel when asked', () => {
    expect(ids({ camelot: '8A' })).toEqual(['slow']);
    expect(ids({ camelot: '8A', compatibleKeys: true })).toEqual(['slow', 'mid']);
    expect(ids({ camelot: '' })).toHaveLength(5);
  });
});
