// Runs in headless Chromium against its real IndexedDB: stored models, downloads and their parts.
import { afterEach, describe, expect, it } from 'vitest';
import { SfaError } from '@sfa/shared/protocol/errors';
import { mdxDescriptor } from '@sfa/shared/separation/descriptor-presets';
import { closeLibrary, openLibrary, type LibraryDb, type ModelDownloadRecord, type ModelRecord } from './db.ts';
import {
  appendDownloadPart,
  clearDownload,
  deleteModel,
  finishDownload,
  getDownload,
  getModel,
  listDownloads,
  listModels,
  putModel,
  readParts,
  startDownload,
} from './model-store.ts';

let dbCount = 0;
const usedNames: string[] = [];
async function freshDb(): Promise<LibraryDb> {
  const name = `sfa-model-test-${Date.now()}-${dbCount++}`;
  usedNames.push(name);
  return openLibrary(name);
}

afterEach(async () => {
  for (const name of usedNames.splice(0)) {
    await closeLibrary(name);
    indexedDB.deleteDatabase(name);
  }
});

function model(id: string, bytes = new Uint8Array([1, 2, 3])): ModelRecord {
  return {
    id,
    descriptor: mdxDescriptor({ id, nFft: 7680, dimF: 3072, dimT: 256 }),
    source: 'catalogue',
    blob: new Blob([bytes]),
    byteSize: bytes.length,
    sha256: '0'.repeat(64),
    verification: 'checksum',
    licence: 'MIT',
    storedAt: 1,
  };
}

function download(id: string): Omit<ModelDownloadRecord, 'receivedBytes' | 'parts'> {
  return { id, url: `http://example.org/${id}.onnx`, totalBytes: 10, etag: '"v1"', startedAt: 1, updatedAt: 1 };
}

async function partCount(db: LibraryDb): Promise<number> {
  return db.count('modelParts');
}

async function bytesOf(blobs: Blob[]): Promise<number[]> {
  return [...new Uint8Array(await new Blob(blobs).arrayBuffer())];
}

describe('model store', () => {
  it('stores, lists, reads and deletes models with their bytes', async () => {
    const db = await freshDb();
    await putModel(db, model('a', new Uint8Array([7, 8, 9])));
    await putModel(db, model('b'));
    expect((await listModels(db)).map((m) => m.id)).toEqual(['a', 'b']);
    const stored = await getModel(db, 'a');
    expect(stored?.descriptor.contract.kind).toBe('mdx');
    expect(await bytesOf([stored!.blob])).toEqual([7, 8, 9]);
    await deleteModel(db, 'a');
    expect(await getModel(db, 'a')).toBeUndefined();
    expect((await listModels(db)).map((m) => m.id)).toEqual(['b']);
  });

  it('appends parts and advances the record together, and reads them back in order', async () => {
    const db = await freshDb();
    let record = await startDownload(db, download('m'));
    expect(record).toMatchObject({ receivedBytes: 0, parts: 0, etag: '"v1"' });
    record = await appendDownloadPart(db, record, new Blob([new Uint8Array([1, 2, 3, 4])]));
    record = await appendDownloadPart(db, record, new Blob([new Uint8Array([5, 6])]));
    expect(record).toMatchObject({ receivedBytes: 6, parts: 2 });
    expect(await getDownload(db, 'm')).toEqual(record);
    expect(await bytesOf(await readParts(db, 'm'))).toEqual([1, 2, 3, 4, 5, 6]);
    expect((await listDownloads(db)).map((d) => d.id)).toEqual(['m']);
  });

  it('refuses a part from a stale record (another tab) and writes nothing', async () => {
    const db = await freshDb();
    const first = await startDownload(db, download('m'));
    await appendDownloadPart(db, first, new Blob([new Uint8Array([1])]));
    const error = await appendDownloadPart(db, first, new Blob([new Uint8Array([9, 9])])).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SfaError);
    expect((error as SfaError).code).toBe('storage-failed');
    expect(await getDownload(db, 'm')).toMatchObject({ receivedBytes: 1, parts: 1 });
    expect(await partCount(db)).toBe(1);
  });

  it('refuses a part once the download was cleared, leaving no part behind', async () => {
    const db = await freshDb();
    const record = await startDownload(db, download('m'));
    await clearDownload(db, 'm');
    const error = await appendDownloadPart(db, record, new Blob([new Uint8Array([1])])).catch((e: unknown) => e);
    expect((error as SfaError).code).toBe('not-found');
    expect(await partCount(db)).toBe(0);
    expect(await getDownload(db, 'm')).toBeUndefined();
  });

  it('starting again drops the earlier parts; parts of other models stay', async () => {
    const db = await freshDb();
    await appendDownloadPart(db, await startDownload(db, download('m')), new Blob([new Uint8Array([1, 2])]));
    await appendDownloadPart(db, await startDownload(db, download('other')), new Blob([new Uint8Array([3])]));
    await startDownload(db, download('m'));
    expect(await getDownload(db, 'm')).toMatchObject({ receivedBytes: 0, parts: 0 });
    expect(await readParts(db, 'm')).toEqual([]);
    expect(await bytesOf(await readParts(db, 'other'))).toEqual([3]);
  });

  it('finishing stores the model and forgets the parts in one step', async () => {
    const db = await freshDb();
    await appendDownloadPart(db, await startDownload(db, download('m')), new Blob([new Uint8Array([4, 5])]));
    const whole = new Blob(await readParts(db, 'm'));
    await finishDownload(db, { ...model('m'), blob: whole, byteSize: whole.size });
    expect(await getDownload(db, 'm')).toBeUndefined();
    expect(await partCount(db)).toBe(0);
    expect(await bytesOf([(await getModel(db, 'm'))!.blob])).toEqual([4, 5]);
  });

  it('deleting a model also removes a paused download of it', async () => {
    const db = await freshDb();
    await appendDownloadPart(db, await startDownload(db, download('m')), new Blob([new Uint8Array([1, 2, 3])]));
    await deleteModel(db, 'm');
    expect(await getDownload(db, 'm')).toBeUndefined();
    expect(await partCount(db)).toBe(0);
  });

  it('says when the parts do not add up to the record', async () => {
    const db = await freshDb();
    await appendDownloadPart(db, await startDownload(db, download('m')), new Blob([new Uint8Array([1, 2, 3])]));
    // A part lost behind the record's back (by hand, since the store itself never does this).
    await db.delete('modelParts', ['m', 0]);
    const error = await readParts(db, 'm').catch((e: unknown) => e);
    expect((error as SfaError).code).toBe('storage-failed');
    expect((error as SfaError).message).toMatch(/incomplete/);
  });

  it('a failing write leaves nothing half-written', async () => {
    const db = await freshDb();
    let record = await startDownload(db, download('m'));
    record = await appendDownloadPart(db, record, new Blob([new Uint8Array([1, 2])]));
    // A value IndexedDB cannot clone (a function) makes the write fail and its transaction abort.
    const bad = { ...model('m'), extra: () => 1 } as unknown as ModelRecord;
    await expect(putModel(db, bad)).rejects.toBeInstanceOf(SfaError);
    await expect(finishDownload(db, bad)).rejects.toBeInstanceOf(SfaError);
    expect(await getModel(db, 'm')).toBeUndefined();
    // The download is as before the failed finish: still resumable.
    expect(await getDownload(db, 'm')).toEqual(record);
    expect(await bytesOf(await readParts(db, 'm'))).toEqual([1, 2]);
  });
});
