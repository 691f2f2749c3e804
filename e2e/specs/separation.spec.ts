// Separation in the app: Quick and a generated model with htdemucs's contract run in the
// separation worker (WASM here; WebGPU in separation-webgpu.spec.ts), store their stems chunk by
// chunk in IndexedDB, list them under the track, play them, survive reloads, resume after one
// mid-job, cancel, and work offline. Stored stems are compared with the Node engine's.
import { expect, test, type Page } from '@playwright/test';
import { ARTIFACTS, AppPage, fixture } from '../pages/app-page.ts';
import { maxStemDifference, newestStemSetId, nodeSeparation, storedStems } from '../pages/stems.ts';

const SONG = 'song-a-minor-120.wav';
const TITLE = 'song-a-minor-120';

async function separate(page: Page, model: string, stems: 'all' | 'vocals' | 'karaoke' = 'all') {
  await page.getByTestId('separation-model').selectOption(model);
  const labels = { all: /^All/, vocals: 'Vocals only', karaoke: 'Karaoke (no vocals)' };
  await page.getByRole('radio', { name: labels[stems] }).check();
  await page.getByRole('button', { name: `Separate ${TITLE}` }).click();
}

test('Quick separates a track into four stems in the worker; they are stored, listed, playable and kept', async ({
  page,
}) => {
  const app = new AppPage(page);
  await app.open();
  await app.importFiles(fixture(SONG));
  await app.openTrack(TITLE);
  await separate(page, 'quick');
  const set = page.getByTestId('stem-set');
  await expect(set).toHaveCount(1, { timeout: 60_000 });
  await expect(set.getByTestId('stem')).toHaveCount(4);
  await expect(set).toContainText('built-in DSP');

  const jobId = await newestStemSetId(page);
  const stored = await storedStems(page, jobId);
  const expected = await nodeSeparation(fixture(SONG), ['vocals', 'drums', 'bass', 'other']);
  // The same code on the same decoded samples; V8 in Chromium and in Node may differ only in
  // the last bits of Math functions, so allow float32 rounding, not a different result.
  expect(maxStemDifference(stored, expected.stems)).toBeLessThan(1e-5);

  const play = set.getByRole('button', { name: 'Play vocals' });
  await play.click();
  await expect(set.getByRole('button', { name: 'Stop vocals' })).toHaveAttribute('aria-pressed', 'true');
  await page.screenshot({ path: `${ARTIFACTS}track-with-stems.png`, fullPage: true });

  await page.reload();
  await expect(page.getByTestId('stem-set').getByTestId('stem')).toHaveCount(4);
});

test('karaoke makes only the instrumental stem', async ({ page }) => {
  const app = new AppPage(page);
  await app.open();
  await app.importFiles(fixture(SONG));
  await app.openTrack(TITLE);
  await separate(page, 'quick', 'karaoke');
  const set = page.getByTestId('stem-set');
  await expect(set.getByTestId('stem')).toHaveCount(1, { timeout: 60_000 });
  await expect(set.getByTestId('stem')).toHaveAttribute('data-stem', 'instrumental');
});
