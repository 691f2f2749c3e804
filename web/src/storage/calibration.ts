// A model's measured speed on this device, kept with the model: seconds of processing per minute
// of audio, per execution provider.
import { SfaError } from '@sfa/shared/protocol/errors';
import { storageError, type LibraryDb } from './db.ts';

export async function setCalibration(
  db: LibraryDb,
  modelId: string,
  provider: string,
  secondsPerMinute: number,
): Promise<void> {
  const tx = db.transaction('models', 'readwrite');
  const done = tx.done.catch((error: unknown) => error);
  try {
    const record = await tx.store.get(modelId);
    if (!record) throw new SfaError('not-found', `The model "${modelId}" was deleted`);
    await tx.store.put({ ...record, calibration: { ...record.calibration, [provider]: secondsPerMinute } });
  } catch (error) {
    try {
      tx.abort();
    } catch {
      // Already finished or aborted.
    }
    await done;
    throw storageError(error);
  }
  const failure = await done;
  if (failure) throw storageError(failure);
}
