// A model's measured speed on this device, kept with the model: seconds of processing per minute
// of audio, per execution provider.
import { SfaError } from '@sfa/shared/protocol/errors';
import { writeTransaction, type LibraryDb } from './db.ts';

export async function setCalibration(
  db: LibraryDb,
  modelId: string,
  provider: string,
  secondsPerMinute: number,
): Promise<void> {
  await writeTransaction(db, ['models'], async (tx) => {
    const record = await tx.objectStore('models').get(modelId);
    if (!record) throw new SfaError('not-found', `The model "${modelId}" was deleted`);
    await tx
      .objectStore('models')
      .put({ ...record, calibration: { ...record.calibration, [provider]: secondsPerMinute } });
  });
}
