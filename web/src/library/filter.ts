// Search, filter and sort of the library list: pure, so the list and its tests share one
// definition.
import type { AnalysisSummary, TrackRecord } from '../storage/db.ts';
import { bpmInRange, camelotOrder, compatibleCodes } from './harmonic.ts';

export type SortKey = 'added' | 'title' | 'artist' | 'duration' | 'bpm' | 'key';

/** Narrowing by analysis; tracks not analysed yet pass only when no such filter is set. */
export interface AnalysisFilter {
  bpmMin?: number;
  bpmMax?: number;
  /** Count a track's half and double tempo as matches too (70 BPM matches 130-150). */
  halfDouble?: boolean;
  /** A Camelot code ("8A"); empty or absent for any key. */
  camelot?: string;
  /** With `camelot`: its neighbours on the wheel match too. */
  compatibleKeys?: boolean;
}

const collator = new Intl.Collator(undefined, { sensitivity: 'base', numeric: true });
type Summaries = ReadonlyMap<string, AnalysisSummary>;

function comparator(sort: SortKey, summaries: Summaries): (a: TrackRecord, b: TrackRecord) => number {
  const byTitle = (a: TrackRecord, b: TrackRecord) => collator.compare(a.title, b.title);
  // Unanalysed tracks sort after every analysed one, in title order.
  const byAnalysis = (value: (summary: AnalysisSummary) => number) => (a: TrackRecord, b: TrackRecord) => {
    const [x, y] = [summaries.get(a.id), summaries.get(b.id)];
    const [vx, vy] = [x ? value(x) : Infinity, y ? value(y) : Infinity];
    return vx === vy ? byTitle(a, b) : vx < vy ? -1 : 1;
  };
  switch (sort) {
    case 'added':
      return (a, b) => b.importedAt - a.importedAt;
    case 'title':
      return byTitle;
    case 'artist':
      return (a, b) => collator.compare(a.artist ?? '\uffff', b.artist ?? '\uffff') || byTitle(a, b);
    case 'duration':
      return (a, b) => a.durationSec - b.durationSec;
    case 'bpm':
      return byAnalysis((summary) => (summary.bpm > 0 ? summary.bpm : Infinity));
    case 'key':
      return byAnalysis((summary) => camelotOrder(summary.camelot));
  }
}

function analysisMatcher(filter: AnalysisFilter, summaries: Summaries): (track: TrackRecord) => boolean {
  const { bpmMin, bpmMax, halfDouble = false, camelot, compatibleKeys = false } = filter;
  const byBpm = bpmMin !== undefined || bpmMax !== undefined;
  const codes = camelot ? (compatibleKeys ? compatibleCodes(camelot) : new Set([camelot])) : undefined;
  if (!byBpm && !codes) return () => true;
  return (track) => {
    const summary = summaries.get(track.id);
    if (!summary) return false;
    if (codes && !codes.has(summary.camelot)) return false;
    return !byBpm || bpmInRange(summary.bpm, bpmMin, bpmMax, halfDouble);
  };
}

/**
 * Tracks whose title, artist, album or file name contain every word of `query`, and that
 * pass `filter`, sorted by `sort` (BPM and key sorts put unanalysed tracks last).
 */
export function filterTracks(
  tracks: readonly TrackRecord[],
  query: string,
  sort: SortKey,
  summaries: Summaries = new Map(),
  filter: AnalysisFilter = {},
): TrackRecord[] {
  const words = query.toLocaleLowerCase().split(/\s+/).filter(Boolean);
  const passes = analysisMatcher(filter, summaries);
  const matching = tracks.filter((track) => {
    const haystack = [track.title, track.artist, track.album, track.fileName].join(' ').toLocaleLowerCase();
    return words.every((word) => haystack.includes(word)) && passes(track);
  });
  return matching.sort(comparator(sort, summaries));
}
