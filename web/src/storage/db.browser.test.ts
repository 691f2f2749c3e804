// Runs in headless Chromium against its real IndexedDB.
import { openDB } from 'idb';
import { afterEach, describe, expect, it } from 'vitest';
import { ANALYSIS_ENGINE_VERSION, type AnalysisResult } from '@sfa/shared/analysis/types';
import { SfaError } from '@sfa/shared/protocol/errors';
import { computePeaks } from '@sfa/shared/waveform/peaks';
import {
  addTrack,
  closeLibrary,
  DB_VERSION,
  deleteTrack,
  getAnalysis,
  getPeaks,
  getTrack,
  getTrackFile,
  listAnalyses,
  listTracks,
  openLibrary,
  putAnalysis,
  upgradeLibrary,
  type TrackRecord,
} from './db.ts';
import { chunkAt } from './job-store.ts';

let dbCount = 0;
const usedNames: string[] = [];
function freshName(): string {
  const name = `sfa-test-${Date.now()}-${dbCount++}`;
  usedNames.push(name);
  return name;
}

afterEach(async () => {
  for (const name of usedNames.splice(0)) {
    await closeLibrary(name);
    indexedDB.deleteDatabase(name);
  }
});

function track(id: string, overrides: Partial<TrackRecord> = {}): TrackRecord {
  return {
    id,
    title: `Track ${id}`,
    fileName: `${id}.wav`,
    mimeType: 'audio/wav',
    byteSize: 4,
    container: 'wav',
    codec: 'PCM 16-bit',
    durationSec: 1.5,
    sampleRate: 44_100,
    channelCount: 2,
    importedAt: Date.now(),
    ...overrides,
  };
}

const peaks = computePeaks([new Float32Array([0, 0.5, -0.5, 1])], 44_100);

function analysis(bpm: number, overrides: Partial<AnalysisResult> = {}): AnalysisResult {
  const beats = Array.from({ length: 8 }, (_, i) => (i * 60) / bpm);
  return {
    engineVersion: ANALYSIS_ENGINE_VERSION,
    durationSec: 4,
    sampleRate: 44_100,
    tempo: {
      bpm,
      confidence: 0.9,
      curve: [{ startSec: 0, bpm }],
      beatsPerBar: 4,
      beats,
      downbeats: beats.filter((_, i) => i % 4 === 0),
    },
    key: { tonic: 9, mode: 'minor', confidence: 0.8, tuningCents: 0, name: 'A minor', camelot: '8A' },
    loudness: {
      integratedLufs: -14.2,
      lra: 5.5,
      samplePeakDb: -1.2,
      truePeakDb: -0.9,
      shortTermMaxLufs: -11,
      momentaryMaxLufs: -9,
    },
    onset: { frameRate: 100, values: new Float32Array([0, 1, 0.25, 0.5]) },
    ...overrides,
  };
}

describe('library database', () => {
  it('creates the schema on first open and stores a track, its file and peaks', async () => {
    const db = await openLibrary(freshName());
    expect(db.version).toBe(DB_VERSION);
    expect([...db.objectStoreNames].sort()).toEqual([
      'analyses',
      'files',
      'jobs',
      'modelDownloads',
      'modelParts',
      'models',
      'peaks',
      'stemChunks',
      'stemSets',
      'tracks',
    ]);
    await addTrack(db, track('a'), new Blob([new Uint8Array([1, 2, 3, 4])]), peaks);
    expect((await getTrack(db, 'a'))?.title).toBe('Track a');
    const file = await getTrackFile(db, 'a');
    expect(Array.from(new Uint8Array(await file.arrayBuffer()))).toEqual([1, 2, 3, 4]);
    expect(Array.from((await getPeaks(db, 'a'))!.levels[0]!.data)).toEqual(Array.from(peaks.levels[0]!.data));
  });

  it('lists tracks in import order and survives closing and reopening', async () => {
    const name = freshName();
    let db = await openLibrary(name);
    await addTrack(db, track('late', { importedAt: 2000 }), new Blob(['x']), peaks);
    await addTrack(db, track('early', { importedAt: 1000 }), new Blob(['y']), peaks);
    await closeLibrary(name);
    db = await openLibrary(name);
    expect((await listTracks(db)).map((t) => t.id)).toEqual(['early', 'late']);
  });

  it('refuses a duplicate and leaves the stored track untouched', async () => {
    const db = await openLibrary(freshName());
    await addTrack(db, track('dup', { title: 'First' }), new Blob(['first']), peaks);
    const error = await addTrack(db, track('dup', { title: 'Second' }), new Blob(['second']), peaks).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(SfaError);
    expect((error as SfaError).code).toBe('duplicate');
    expect((error as SfaError).message).toContain('First');
    expect((await getTrack(db, 'dup'))?.title).toBe('First');
    expect(await (await getTrackFile(db, 'dup')).text()).toBe('first');
  });

  it('writes nothing when any part of a track fails to store', async () => {
    const db = await openLibrary(freshName());
    const unclonable = { ...peaks, levels: [{ samplesPerPeak: 1, data: () => 0 }] } as never;
    await expect(addTrack(db, track('half'), new Blob(['bytes']), unclonable)).rejects.toMatchObject({
      code: 'storage-failed',
    });
    expect(await getTrack(db, 'half')).toBeUndefined();
    expect(await db.get('files', 'half')).toBeUndefined();
    expect(await db.count('tracks')).toBe(0);
  });

  it('deletes a track with its file and peaks', async () => {
    const db = await openLibrary(freshName());
    await addTrack(db, track('gone'), new Blob(['bytes']), peaks);
    await addTrack(db, track('kept'), new Blob(['bytes']), peaks);
    await deleteTrack(db, 'gone');
    expect(await getTrack(db, 'gone')).toBeUndefined();
    expect(await db.get('files', 'gone')).toBeUndefined();
    expect(await db.get('peaks', 'gone')).toBeUndefined();
    await expect(getTrackFile(db, 'gone')).rejects.toMatchObject({ code: 'not-found' });
    expect((await listTracks(db)).map((t) => t.id)).toEqual(['kept']);
  });

  it('explains a library written by a newer app version instead of failing obscurely', async () => {
    const name = freshName();
    (await openDB(name, DB_VERSION + 5)).close();
    await expect(openLibrary(name)).rejects.toMatchObject({ code: 'storage-failed', message: /newer version/ });
  });

  it('opens a library written by version 1 of the app with every record intact', async () => {
    // Version 1's layout built by hand (not by upgradeLibrary), as an older app left it.
    const name = freshName();
    const v1 = await openDB(name, 1, {
      upgrade(db) {
        db.createObjectStore('tracks', { keyPath: 'id' }).createIndex('by-imported-at', 'importedAt');
        db.createObjectStore('files', { keyPath: 'id' });
        db.createObjectStore('peaks', { keyPath: 'id' });
      },
    });
    await v1.put('tracks', track('old', { title: 'Kept through upgrades', importedAt: 5 }));
    await v1.put('files', { id: 'old', blob: new Blob(['original bytes']) });
    await v1.put('peaks', { id: 'old', peaks });
    v1.close();

    const db = await openLibrary(name);
    expect(db.version).toBe(DB_VERSION);
    expect((await listTracks(db)).map((t) => t.title)).toEqual(['Kept through upgrades']);
    expect(await (await getTrackFile(db, 'old')).text()).toBe('original bytes');
    expect((await getPeaks(db, 'old'))?.length).toBe(peaks.length);
    // Version 2 added the analyses store, empty: the old track is analysed like a new one.
    expect(db.objectStoreNames.contains('analyses')).toBe(true);
    expect(await listAnalyses(db)).toEqual([]);
    await putAnalysis(db, 'old', analysis(120));
    expect((await getAnalysis(db, 'old'))?.result.tempo.bpm).toBe(120);
    expect((await listTracks(db)).map((t) => t.title)).toEqual(['Kept through upgrades']);
  });

  it('indexes stems stored by version 3 so the mixer can find the chunk that holds a frame', async () => {
    const name = freshName();
    const v3 = await openDB(name, 3, {
      upgrade(db, oldVersion, _newVersion, transaction) {
        // Version 3's layout: upgradeLibrary's steps up to 3, the chunk store without its index.
        upgradeLibrary(db as never, oldVersion, transaction as never);
        transaction.objectStore('stemChunks').deleteIndex('by-start');
      },
    });
    const channels = (start: number, frames: number) => [Float32Array.from({ length: frames }, (_, i) => start + i)];
    for (const [index, startFrame, frames] of [
      [0, 0, 1000],
      [1, 1000, 500],
      [2, 1500, 700],
    ] as const) {
      await v3.put('stemChunks', {
        jobId: 'job',
        index,
        startFrame,
        frames,
        stems: { vocals: channels(startFrame, frames) },
      });
    }
    await v3.put('stemChunks', { jobId: 'other', index: 0, startFrame: 0, frames: 5000, stems: {} });
    v3.close();

    const db = await openLibrary(name);
    expect(db.version).toBe(DB_VERSION);
    for (const [frame, start] of [
      [0, 0],
      [999, 0],
      [1000, 1000],
      [1499, 1000],
      [2199, 1500],
    ] as const) {
      const chunk = await chunkAt(db, 'job', frame);
      expect(chunk?.startFrame).toBe(start);
      expect(chunk?.stems.vocals[0]![frame - start]).toBe(frame);
    }
    expect(await chunkAt(db, 'job', 2200)).toBeUndefined();
    expect(await chunkAt(db, 'missing', 0)).toBeUndefined();
    expect(await db.count('stemChunks')).toBe(4);
  });

  it('upgrades while a version 1 tab is still open: that tab lets go, as version 1 did', async () => {
    const name = freshName();
    const v1 = await openDB(name, 1, {
      upgrade(db) {
        db.createObjectStore('tracks', { keyPath: 'id' }).createIndex('by-imported-at', 'importedAt');
        db.createObjectStore('files', { keyPath: 'id' });
        db.createObjectStore('peaks', { keyPath: 'id' });
      },
      // Version 1's openLibrary closed its connection on `blocking`.
      blocking: () => v1.close(),
    });
    await v1.put('tracks', track('open-elsewhere'));
    const db = await openLibrary(name);
    expect(db.version).toBe(DB_VERSION);
    expect((await listTracks(db)).map((t) => t.id)).toEqual(['open-elsewhere']);
    expect(await listAnalyses(db)).toEqual([]);
  });

  it('closes itself when another tab upgrades the database, instead of blocking it', async () => {
    const name = freshName();
    const db = await openLibrary(name);
    await addTrack(db, track('kept'), new Blob(['bytes']), peaks);
    // Another tab opening a newer version would be blocked forever if we held on.
    const newer = await openDB(name, DB_VERSION + 1);
    newer.close();
    await expect(openLibrary(name)).rejects.toMatchObject({ code: 'storage-failed' });
    const raw = await openDB(name);
    expect(await raw.count('tracks')).toBe(1);
    raw.close();
  });
});

describe('analyses', () => {
  it('stores an analysis with its typed arrays as they are, and lists its summary', async () => {
    const db = await openLibrary(freshName());
    await addTrack(db, track('a'), new Blob(['a']), peaks);
    const result = analysis(123.4, {
      tempo: {
        ...analysis(123.4).tempo,
        curve: [
          { startSec: 0, bpm: 118 },
          { startSec: 60, bpm: 126 },
        ],
      },
    });
    const written = await putAnalysis(db, 'a', result, 42);
    expect(written.summary).toEqual({
      bpm: 123.4,
      bpmMin: 118,
      bpmMax: 126,
      camelot: '8A',
      keyName: 'A minor',
      integratedLufs: -14.2,
    });

    const stored = await getAnalysis(db, 'a');
    expect(stored?.engineVersion).toBe(ANALYSIS_ENGINE_VERSION);
    expect(stored?.analysedAt).toBe(42);
    expect(stored?.result.onset.values).toBeInstanceOf(Float32Array);
    expect(Array.from(stored!.result.onset.values)).toEqual([0, 1, 0.25, 0.5]);
    expect(stored?.result.tempo.beats).toEqual(result.tempo.beats);
    expect(await listAnalyses(db)).toEqual([
      { id: 'a', engineVersion: ANALYSIS_ENGINE_VERSION, summary: written.summary },
    ]);
  });

  it('replaces an older analysis, and lists the engine version each one was made with', async () => {
    const db = await openLibrary(freshName());
    await addTrack(db, track('stale'), new Blob(['s']), peaks);
    await addTrack(db, track('fresh'), new Blob(['f']), peaks);
    await putAnalysis(db, 'stale', analysis(100, { engineVersion: ANALYSIS_ENGINE_VERSION - 1 }));
    await putAnalysis(db, 'fresh', analysis(90));
    const versions = Object.fromEntries((await listAnalyses(db)).map((l) => [l.id, l.engineVersion]));
    expect(versions).toEqual({ stale: ANALYSIS_ENGINE_VERSION - 1, fresh: ANALYSIS_ENGINE_VERSION });

    await putAnalysis(db, 'stale', analysis(101));
    const listed = await listAnalyses(db);
    expect(listed).toHaveLength(2);
    expect(listed.find((l) => l.id === 'stale')).toMatchObject({
      engineVersion: ANALYSIS_ENGINE_VERSION,
      summary: { bpm: 101 },
    });
  });

  it('lists silence (-Infinity LUFS) and leaves a NaN tempo out of the key as 0', async () => {
    const db = await openLibrary(freshName());
    await addTrack(db, track('quiet'), new Blob(['q']), peaks);
    const silent = analysis(Number.NaN);
    silent.loudness.integratedLufs = -Infinity;
    await putAnalysis(db, 'quiet', silent);
    expect((await listAnalyses(db))[0]?.summary).toMatchObject({ bpm: 0, integratedLufs: -Infinity });
  });

  it('refuses an analysis for a track that is gone, writing nothing', async () => {
    const db = await openLibrary(freshName());
    await expect(putAnalysis(db, 'ghost', analysis(120))).rejects.toMatchObject({ code: 'not-found' });
    expect(await getAnalysis(db, 'ghost')).toBeUndefined();
    expect(await db.count('analyses')).toBe(0);
  });

  it('deletes the analysis with its track, in the same transaction', async () => {
    const db = await openLibrary(freshName());
    await addTrack(db, track('gone'), new Blob(['g']), peaks);
    await addTrack(db, track('kept'), new Blob(['k']), peaks);
    await putAnalysis(db, 'gone', analysis(120));
    await putAnalysis(db, 'kept', analysis(128));
    await deleteTrack(db, 'gone');
    expect(await getAnalysis(db, 'gone')).toBeUndefined();
    expect((await listAnalyses(db)).map((l) => l.id)).toEqual(['kept']);
  });
});
