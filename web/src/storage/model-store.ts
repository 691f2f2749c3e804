// IndexedDB reads and writes for separation models: stored models (`models`), downloads in
// progress (`modelDownloads`) and the parts they have received so far (`modelParts`). Every write
// that touches a download's parts also updates its record in the same transaction, so a crash or
// a closed tab never leaves parts and record disagreeing. Schema and upgrades are in db.ts.
import { SfaError } from '@sfa/shared/protocol/errors';
import { writeTransaction, type LibraryDb, type ModelDownloadRecord, type ModelRecord } from './db.ts';

const partsOf = (id: string) => IDBKeyRange.bound([id, 0], [id, Infinity]);

export async function listModels(db: LibraryDb): Promise<ModelRecord[]> {
  return db.getAll('models');
}

export async function getModel(db: LibraryDb, id: string): Promise<ModelRecord | undefined> {
  return db.get('models', id);
}

/** Stores (or replaces) a model. Throws `storage-full` when the quota is exceeded; nothing is half-written. */
export async function putModel(db: LibraryDb, record: ModelRecord): Promise<void> {
  await writeTransaction(db, ['models'], (tx) => tx.objectStore('models').put(record));
}

/** Removes a model and any download of it (record and parts), in one transaction. */
export async function deleteModel(db: LibraryDb, id: string): Promise<void> {
  await writeTransaction(db, ['models', 'modelDownloads', 'modelParts'], (tx) =>
    Promise.all([
      tx.objectStore('models').delete(id),
      tx.objectStore('modelDownloads').delete(id),
      tx.objectStore('modelParts').delete(partsOf(id)),
    ]),
  );
}

export async function listDownloads(db: LibraryDb): Promise<ModelDownloadRecord[]> {
  return db.getAll('modelDownloads');
}

export async function getDownload(db: LibraryDb, id: string): Promise<ModelDownloadRecord | undefined> {
  return db.get('modelDownloads', id);
}

/**
 * Starts a download afresh: stores `record` (with no parts) and drops any parts an earlier
 * attempt left, in one transaction.
 */
export async function startDownload(
  db: LibraryDb,
  record: Omit<ModelDownloadRecord, 'receivedBytes' | 'parts'>,
): Promise<ModelDownloadRecord> {
  const fresh: ModelDownloadRecord = { ...record, receivedBytes: 0, parts: 0 };
  await writeTransaction(db, ['modelDownloads', 'modelParts'], (tx) =>
    Promise.all([tx.objectStore('modelParts').delete(partsOf(record.id)), tx.objectStore('modelDownloads').put(fresh)]),
  );
  return fresh;
}

/**
 * Appends `blob` as the download's next part and advances its record, in one transaction.
 * `expected` is the record the caller last saw: if the stored one has moved on (another tab is
 * downloading the same model) or is gone (the model was deleted), nothing is written and this
 * throws `storage-failed` / `not-found`.
 */
export async function appendDownloadPart(
  db: LibraryDb,
  expected: ModelDownloadRecord,
  blob: Blob,
  updatedAt = Date.now(),
): Promise<ModelDownloadRecord> {
  return writeTransaction(db, ['modelDownloads', 'modelParts'], async (tx) => {
    const stored = await tx.objectStore('modelDownloads').get(expected.id);
    if (!stored) throw new SfaError('not-found', `The download of “${expected.id}” was cancelled or deleted`);
    if (stored.parts !== expected.parts || stored.receivedBytes !== expected.receivedBytes) {
      throw new SfaError('storage-failed', `“${expected.id}” is being downloaded somewhere else (another tab?)`);
    }
    const next: ModelDownloadRecord = {
      ...stored,
      parts: stored.parts + 1,
      receivedBytes: stored.receivedBytes + blob.size,
      updatedAt,
    };
    await Promise.all([
      tx.objectStore('modelParts').put({ modelId: expected.id, index: stored.parts, blob }),
      tx.objectStore('modelDownloads').put(next),
    ]);
    return next;
  });
}

/** The download's parts in order; throws `storage-failed` if one is missing or they do not add up. */
export async function readParts(db: LibraryDb, id: string): Promise<Blob[]> {
  const tx = db.transaction(['modelDownloads', 'modelParts']);
  const [record, parts] = await Promise.all([
    tx.objectStore('modelDownloads').get(id),
    tx.objectStore('modelParts').getAll(partsOf(id)),
    tx.done,
  ]);
  const size = parts.reduce((sum, part) => sum + part.blob.size, 0);
  if (
    !record ||
    parts.length !== record.parts ||
    size !== record.receivedBytes ||
    parts.some((p, i) => p.index !== i)
  ) {
    throw new SfaError(
      'storage-failed',
      `The stored parts of “${id}” are incomplete (${parts.length} parts, ${size} bytes); download it again`,
    );
  }
  return parts.map((part) => part.blob);
}

/** Forgets a download: its record and its parts, in one transaction. */
export async function clearDownload(db: LibraryDb, id: string): Promise<void> {
  await writeTransaction(db, ['modelDownloads', 'modelParts'], (tx) =>
    Promise.all([tx.objectStore('modelDownloads').delete(id), tx.objectStore('modelParts').delete(partsOf(id))]),
  );
}

/**
 * Stores a finished download as a model and forgets its parts, in one transaction: either the
 * model is stored and the parts are gone, or (quota exceeded, say) nothing changed and the
 * download can be finished again.
 */
export async function finishDownload(db: LibraryDb, record: ModelRecord): Promise<void> {
  await writeTransaction(db, ['models', 'modelDownloads', 'modelParts'], (tx) =>
    Promise.all([
      tx.objectStore('models').put(record),
      tx.objectStore('modelDownloads').delete(record.id),
      tx.objectStore('modelParts').delete(partsOf(record.id)),
    ]),
  );
}
