// Page objects: how the specs drive the app, in the user's terms (import, open, delete,
// analyse, filter).
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

  async trackIdOf(title: string): Promise<string> {
    return (await this.row(title).getAttribute('data-track-id'))!;
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

  /** Analyses waiting or running, in the library rows or the track view. */
  analysesInProgress(): Locator {
    return this.page
      .getByTestId('analysis-progress')
      .and(this.page.locator('[data-status="queued"], [data-status="running"]'));
  }

  /** Waits until `title`'s row shows its tempo (its analysis is stored). */
  async waitForAnalysis(title: string, timeout = 60_000): Promise<void> {
    await expect(this.row(title).getByTestId('key-badge')).toBeVisible({ timeout });
  }

  /** The tempo a library row shows, BPM (NaN while not analysed). */
  async rowBpm(title: string): Promise<number> {
    return Number(await this.row(title).getByTestId('bpm').getAttribute('data-value'));
  }

  /** The Camelot code a library row shows ('' while not analysed). */
  async rowCamelot(title: string): Promise<string> {
    return (await this.row(title).getByTestId('key-badge').getAttribute('data-camelot')) ?? '';
  }

  /** The BPM column, top to bottom. */
  async listedBpms(): Promise<number[]> {
    return this.rows()
      .getByTestId('bpm')
      .evaluateAll((cells) => cells.map((cell) => Number(cell.getAttribute('data-value'))));
  }

  /** Titles as listed, top to bottom. */
  async listedTitles(): Promise<string[]> {
    return this.rows().locator('td.title').allInnerTexts();
  }

  /** The track view's analysis panel. */
  analysisPanel(): Locator {
    return this.page.getByTestId('analysis');
  }

  /** A number the track view's analysis panel shows (`bpm`, `lufs`, `true-peak`, `lra`). */
  async shownValue(testId: 'bpm' | 'lufs' | 'true-peak' | 'lra'): Promise<number> {
    return Number(await this.analysisPanel().getByTestId(testId).getAttribute('data-value'));
  }

  /** How much of the beat grid the waveform drew in its last frame. */
  async drawnGrid(): Promise<{ beats: number; beatsDrawn: number; downbeatsDrawn: number; barsLabelled: number }> {
    return this.page.getByTestId('waveform').evaluate((canvas: HTMLCanvasElement) => ({
      beats: Number(canvas.dataset.beats),
      beatsDrawn: Number(canvas.dataset.beatsDrawn),
      downbeatsDrawn: Number(canvas.dataset.downbeatsDrawn),
      barsLabelled: Number(canvas.dataset.barsLabelled),
    }));
  }

  clickTrackButton(): Locator {
    return this.page.getByTestId('click-track');
  }

  /** Clicks (and accented downbeat clicks) the click track has scheduled so far. */
  async scheduledClicks(): Promise<{ clicks: number; accents: number }> {
    const button = this.clickTrackButton();
    return {
      clicks: Number(await button.getAttribute('data-clicks-scheduled')),
      accents: Number(await button.getAttribute('data-accents-scheduled')),
    };
  }

  /**
   * Records, from now on and across reloads, whether an analysis progress indicator was ever
   * shown (a MutationObserver, so one that comes and goes between two polls still counts).
   * Read with `sawAnalysisProgress`.
   */
  async watchAnalysisProgress(): Promise<void> {
    await this.page.addInitScript(() => {
      const seen = () => document.querySelector('[data-testid="analysis-progress"][data-status="running"]');
      const mark = () => {
        if (seen()) sessionStorage.setItem('sfa-test-saw-analysis', String(Date.now()));
      };
      new MutationObserver(mark).observe(document, { subtree: true, childList: true, attributes: true });
    });
  }

  /** Whether a running analysis was shown since `watchAnalysisProgress` (or the last reset). */
  async sawAnalysisProgress(): Promise<boolean> {
    return this.page.evaluate(() => sessionStorage.getItem('sfa-test-saw-analysis') !== null);
  }

  async resetAnalysisProgressWatch(): Promise<void> {
    await this.page.evaluate(() => sessionStorage.removeItem('sfa-test-saw-analysis'));
  }
}

/** What IndexedDB holds for a track's analysis (undefined when none), read straight from it. */
export async function storedAnalysis(
  page: Page,
  trackId: string,
): Promise<{ engineVersion: number; analysedAt: number; bpm: number } | undefined> {
  return page.evaluate(async (id) => {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const request = indexedDB.open('sound-forge-alchemy');
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
    const record = await new Promise<
      { engineVersion: number; analysedAt: number; result: { tempo: { bpm: number } } } | undefined
    >((resolve, reject) => {
      const request = db.transaction('analyses').objectStore('analyses').get(id);
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
    db.close();
    return (
      record && { engineVersion: record.engineVersion, analysedAt: record.analysedAt, bpm: record.result.tempo.bpm }
    );
  }, trackId);
}

/** Rewrites a stored analysis as if an older engine version had made it. */
export async function ageStoredAnalysis(page: Page, trackId: string, engineVersion: number): Promise<void> {
  await page.evaluate(
    async ([id, version]) => {
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        const request = indexedDB.open('sound-forge-alchemy');
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
      });
      const transaction = db.transaction('analyses', 'readwrite');
      const store = transaction.objectStore('analyses');
      // Resolved when committed, not when the put succeeds: the spec reloads next, and a
      // transaction still open when the page unloads is aborted.
      await new Promise<void>((resolve, reject) => {
        const read = store.get(id);
        read.onsuccess = () => store.put({ ...read.result, engineVersion: version });
        transaction.oncomplete = () => resolve();
        transaction.onerror = () => reject(transaction.error);
        transaction.onabort = () => reject(transaction.error);
      });
      db.close();
    },
    [trackId, engineVersion] as const,
  );
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
