// Page objects: how the specs drive the app, in the user's terms (import, open, delete).
import { expect, type Locator, type Page } from '@playwright/test';
import { fileURLToPath } from 'node:url';

export const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));
export const ARTIFACTS = fileURLToPath(new URL('../artifacts/', import.meta.url));

export function fixture(name: string): string {
  return `${FIXTURES}${name}`;
}

export class AppPage {
  constructor(readonly page: Page) {}

  async open(): Promise<void> {
    await this.page.goto('/');
    await expect(this.page.getByRole('heading', { name: 'Library' })).toBeVisible();
  }

  /** Waits until the service worker controls the page (so the app works offline). */
  async waitForServiceWorker(): Promise<void> {
    await this.page.waitForFunction(() => navigator.serviceWorker.controller !== null, undefined, { timeout: 30_000 });
  }

  rows(): Locator {
    return this.page.getByTestId('track-row');
  }

  row(title: string): Locator {
    return this.rows().filter({ has: this.page.getByRole('link', { name: title, exact: true }) });
  }

  importItems(): Locator {
    return this.page.getByTestId('import-item');
  }

  /** Picks files with the "Add audio files…" input and waits until the queue is idle. */
  async importFiles(files: Parameters<Locator['setInputFiles']>[0]): Promise<void> {
    await this.page.getByTestId('file-input').setInputFiles(files);
    await this.waitForImports();
  }

  async waitForImports(): Promise<void> {
    await expect(this.page.getByTestId('import-panel')).toBeVisible();
    await expect(
      this.importItems().and(this.page.locator('[data-status="queued"], [data-status="importing"]')),
    ).toHaveCount(0, {
      timeout: 60_000,
    });
  }

  async durationOf(title: string): Promise<number> {
    return Number(await this.row(title).getByTestId('duration').getAttribute('data-seconds'));
  }

  async openTrack(title: string): Promise<void> {
    await this.row(title).getByRole('link', { name: title, exact: true }).click();
    await expect(this.page.getByRole('heading', { name: title })).toBeVisible();
    // Decoded and ready to play: seeking and playing act on the real track from here on.
    await expect(this.page.getByTestId('play')).toBeEnabled({ timeout: 30_000 });
  }

  async deleteTrack(title: string): Promise<void> {
    this.page.once('dialog', (dialog) => void dialog.accept());
    await this.row(title)
      .getByRole('button', { name: `Delete ${title}` })
      .click();
    await expect(this.row(title)).toHaveCount(0);
  }

  /** Where playback is, in seconds, as the track view shows it. */
  async positionSec(): Promise<number> {
    return Number(await this.page.getByTestId('position').getAttribute('data-seconds'));
  }
}

/** How many records each library store holds, read straight from IndexedDB. */
export async function storedCounts(page: Page): Promise<{ tracks: number; files: number; peaks: number }> {
  return page.evaluate(async () => {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const request = indexedDB.open('sound-forge-alchemy');
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
    const count = (store: string) =>
      new Promise<number>((resolve, reject) => {
        const request = db.transaction(store).objectStore(store).count();
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
      });
    const counts = { tracks: await count('tracks'), files: await count('files'), peaks: await count('peaks') };
    db.close();
    return counts;
  });
}
