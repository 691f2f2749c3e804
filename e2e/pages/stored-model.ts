// Puts a generated model into the app's library as a finished download would leave it (the
// download itself is covered by models.spec.ts), for specs about running models.
import type { Page } from '@playwright/test';
import { createHash } from 'node:crypto';
import type { ModelDescriptor } from '../../shared/src/separation/descriptor.ts';

export async function storeModel(page: Page, descriptor: ModelDescriptor, bytes: Uint8Array): Promise<void> {
  const url = `data:application/octet-stream;base64,${Buffer.from(bytes).toString('base64')}`;
  await storeModelFromUrl(page, descriptor, url, createHash('sha256').update(bytes).digest('hex'));
}

/**
 * The same, with the page fetching the model from `url` (a data: URL, or a CORS-enabled local
 * server for one too big to pass through `page.evaluate`, as the benchmark's 148 MB).
 */
export async function storeModelFromUrl(
  page: Page,
  descriptor: ModelDescriptor,
  url: string,
  sha256: string,
): Promise<void> {
  await page.evaluate(
    async ({ descriptor, url, sha256 }) => {
      const response = await fetch(url);
      if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
      const blob = await response.blob();
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        const request = indexedDB.open('sound-forge-alchemy');
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
      });
      await new Promise<void>((resolve, reject) => {
        const tx = db.transaction('models', 'readwrite');
        tx.objectStore('models').put({
          id: descriptor.id,
          descriptor,
          source: 'catalogue',
          blob,
          byteSize: blob.size,
          sha256,
          verification: 'checksum',
          storedAt: Date.now(),
        });
        tx.oncomplete = () => resolve();
        tx.onerror = () => reject(tx.error);
      });
      db.close();
    },
    { descriptor, url, sha256 },
  );
}
