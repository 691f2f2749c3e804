// A long import shows its progress and can be cancelled, leaving nothing behind.
import { expect, test } from '@playwright/test';
import { synthesiseSong } from '../bench/song.ts';
import { encodeMp3 } from '../mp3-encode.ts';
import { AppPage, storedCounts } from '../pages/app-page.ts';

test('cancelling an import mid-decode stores nothing; the next import still works', async ({ page }) => {
  const sampleRate = 44_100;
  const song = Buffer.from(await encodeMp3(synthesiseSong(240, sampleRate), sampleRate));
  const app = new AppPage(page);
  await app.open();

  await page.getByTestId('file-input').setInputFiles({ name: 'long song.mp3', mimeType: 'audio/mpeg', buffer: song });
  const item = app.importItems().filter({ hasText: 'long song.mp3' });
  const progress = item.getByRole('progressbar');
  await expect.poll(async () => Number((await progress.getAttribute('value')) ?? 0)).toBeGreaterThan(0.1);
  await item.getByRole('button', { name: 'Cancel import of long song.mp3' }).click();
  await expect(item).toHaveAttribute('data-status', 'cancelled');
  await expect(app.rows()).toHaveCount(0);
  expect(await storedCounts(page)).toEqual({ tracks: 0, files: 0, peaks: 0 });

  // The worker is free again: the same file imports to the end.
  await app.importFiles({ name: 'long song.mp3', mimeType: 'audio/mpeg', buffer: song });
  await expect(app.importItems().last()).toHaveAttribute('data-status', 'imported');
  await expect(app.rows()).toHaveCount(1);
  expect(Math.abs((await app.durationOf('long song')) - 240)).toBeLessThan(0.06);
});
