// Page object for "Models & settings": the model list, downloads, catalogues and imports, in
// the user's terms, and what IndexedDB holds for models, read straight from it.
import { expect, type Locator, type Page } from '@playwright/test';

export interface StoredModels {
  /** Ids in the `models` store. */
  models: string[];
  /** Download records in `modelDownloads`. */
  downloads: { id: string; receivedBytes: number; totalBytes: number; parts: number; etag?: string }[];
  /** Records in `modelParts`. */
  parts: number;
}

export interface DownloadFigures {
  received: number;
  total: number;
  rate: number;
  eta: number | undefined;
  text: string;
}

export class ModelsPage {
  constructor(readonly page: Page) {}

  async open(): Promise<void> {
    await this.page.goto('/#/settings');
    await expect(this.page.getByRole('heading', { name: 'Separation models' })).toBeVisible();
  }

  row(id: string): Locator {
    return this.page.locator(`[data-testid="model-row"][data-model-id="${id}"]`);
  }

  async expectState(id: string, state: 'not-downloaded' | 'downloading' | 'paused' | 'ready', timeout = 30_000) {
    await expect(this.row(id)).toHaveAttribute('data-state', state, { timeout });
  }

  /** The error shown under a model's row. */
  error(id: string): Locator {
    return this.row(id).locator('xpath=following-sibling::tr[1]').getByTestId('model-error');
  }

  /** Adds a catalogue through the form and waits until its models are listed. */
  async addCatalogue(url: string): Promise<void> {
    await this.page.getByRole('textbox', { name: 'Add a catalogue' }).fill(url);
    await this.page.getByRole('button', { name: 'Add catalogue' }).click();
    await expect(this.page.locator(`[data-testid="catalogue-source"][data-url="${url}"]`)).toBeVisible();
  }

  async click(action: 'Download' | 'Resume download of' | 'Cancel download of' | 'Delete', name: string) {
    if (action === 'Delete') this.page.once('dialog', (dialog) => void dialog.accept());
    await this.page.getByRole('button', { name: `${action} ${name}`, exact: true }).click();
  }

  /** The bytes, speed and time left the row shows while downloading. */
  async figures(id: string): Promise<DownloadFigures> {
    const figures = this.row(id).getByTestId('download-figures');
    const attribute = async (name: string) => (await figures.getAttribute(name)) ?? '';
    const eta = await attribute('data-eta');
    return {
      received: Number(await attribute('data-received')),
      total: Number(await attribute('data-total')),
      rate: Number(await attribute('data-rate')),
      eta: eta === '' ? undefined : Number(eta),
      text: await figures.innerText(),
    };
  }

  /** Opens the import form for a file (path or buffer) and waits until it is read. */
  async pickModelFile(file: Parameters<Locator['setInputFiles']>[0]): Promise<void> {
    await this.page.getByTestId('model-file-input').setInputFiles(file);
    await expect(this.page.getByTestId('import-form')).toBeVisible();
  }
}

/** What IndexedDB holds for models, downloads and parts, read straight from it. */
export async function storedModels(page: Page): Promise<StoredModels> {
  return page.evaluate(async () => {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const request = indexedDB.open('sound-forge-alchemy');
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
    const all = <T>(store: string, keysOnly = false) =>
      new Promise<T[]>((resolve, reject) => {
        const objects = db.transaction(store).objectStore(store);
        const request = keysOnly ? objects.getAllKeys() : objects.getAll();
        request.onsuccess = () => resolve(request.result as T[]);
        request.onerror = () => reject(request.error);
      });
    const result = {
      models: await all<string>('models', true),
      downloads: await all<StoredModels['downloads'][number]>('modelDownloads'),
      parts: (await all<unknown>('modelParts', true)).length,
    };
    db.close();
    return result;
  });
}

/** The stored model's bytes' SHA-256 (hex), computed in the page from the Blob IndexedDB holds. */
export async function storedModelSha256(page: Page, id: string): Promise<string | undefined> {
  return page.evaluate(async (modelId) => {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const request = indexedDB.open('sound-forge-alchemy');
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
    const record = await new Promise<{ blob: Blob } | undefined>((resolve, reject) => {
      const request = db.transaction('models').objectStore('models').get(modelId);
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
    db.close();
    if (!record) return undefined;
    const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', await record.blob.arrayBuffer()));
    return [...digest].map((byte) => byte.toString(16).padStart(2, '0')).join('');
  }, id);
}
