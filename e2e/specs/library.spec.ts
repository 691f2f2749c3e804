// Import, list, reload, offline, delete: the library as a user meets it.
import { expect, test } from '@playwright/test';
import { AppPage, ARTIFACTS, fixture, storedCounts } from '../pages/app-page.ts';
import { FIXTURE_TRACKS } from '../fixtures/expected.ts';

const FORMATS = ['wav', 'mp3', 'flac'] as const;

test('imports WAV, MP3 and FLAC, lists them with their durations, and keeps them across a reload', async ({ page }) => {
  const app = new AppPage(page);
  await app.open();
  await expect(page.getByTestId('isolation')).toHaveText(/Isolated/);
  await app.importFiles(FORMATS.map((format) => fixture(FIXTURE_TRACKS[format].file)));
  await expect(app.importItems().and(page.locator('[data-status="imported"]'))).toHaveCount(3);

  for (const format of FORMATS) {
    const expected = FIXTURE_TRACKS[format];
    await expect(app.row(expected.title)).toHaveCount(1);
    expect(Math.abs((await app.durationOf(expected.title)) - expected.durationSec)).toBeLessThanOrEqual(
      expected.toleranceSec,
    );
  }
  await page.getByRole('button', { name: 'Dismiss' }).click();
  await page.screenshot({ path: `${ARTIFACTS}library.png`, fullPage: true });

  await page.reload();
  await expect(app.rows()).toHaveCount(3);
  for (const format of FORMATS) await expect(app.row(FIXTURE_TRACKS[format].title)).toHaveCount(1);
});

test('imports the other formats: Ogg Vorbis, Opus and M4A/AAC', async ({ page }) => {
  const app = new AppPage(page);
  await app.open();
  const formats = ['ogg', 'opus', 'm4a'] as const;
  await app.importFiles(formats.map((format) => fixture(FIXTURE_TRACKS[format].file)));
  for (const format of formats) {
    const expected = FIXTURE_TRACKS[format];
    await expect(app.row(expected.title)).toHaveCount(1);
    expect(Math.abs((await app.durationOf(expected.title)) - expected.durationSec)).toBeLessThanOrEqual(
      expected.toleranceSec,
    );
  }
});

test('does not import the same file twice', async ({ page }) => {
  const app = new AppPage(page);
  await app.open();
  await app.importFiles(fixture(FIXTURE_TRACKS.wav.file));
  await app.importFiles({
    name: 'renamed copy.wav',
    mimeType: 'audio/wav',
    buffer: await readFixture(FIXTURE_TRACKS.wav.file),
  });
  await expect(app.importItems().last()).toHaveAttribute('data-status', 'duplicate');
  await expect(app.importItems().last()).toContainText('Already in the library');
  await expect(app.rows()).toHaveCount(1);
});

test('searches and sorts the library', async ({ page }) => {
  const app = new AppPage(page);
  await app.open();
  await app.importFiles(FORMATS.map((format) => fixture(FIXTURE_TRACKS[format].file)));
  await page.getByRole('searchbox', { name: 'Search the library' }).fill(FIXTURE_TRACKS.flac.title);
  await expect(app.rows()).toHaveCount(1);
  await page.getByRole('searchbox', { name: 'Search the library' }).fill('');
  await page.getByLabel('Sort by').selectOption('duration');
  const durations = await app
    .rows()
    .getByTestId('duration')
    .evaluateAll((cells) => cells.map((cell) => Number(cell.getAttribute('data-seconds'))));
  expect(durations).toEqual([...durations].sort((a, b) => a - b));
});

test('deletes a track, and it stays gone after a reload', async ({ page }) => {
  const app = new AppPage(page);
  await app.open();
  await app.importFiles([fixture(FIXTURE_TRACKS.wav.file), fixture(FIXTURE_TRACKS.mp3.file)]);
  await app.deleteTrack(FIXTURE_TRACKS.wav.title);
  await page.reload();
  await expect(app.rows()).toHaveCount(1);
  await expect(app.row(FIXTURE_TRACKS.wav.title)).toHaveCount(0);
  // The file bytes and peaks went too, not just the listing.
  const leftovers = await storedCounts(page);
  expect(leftovers).toEqual({ tracks: 1, files: 1, peaks: 1 });
});

test('works offline after the first visit: the app and library load and a track plays', async ({ page, context }) => {
  const app = new AppPage(page);
  await app.open();
  await app.waitForServiceWorker();
  await app.importFiles(fixture(FIXTURE_TRACKS.flac.file));

  await context.setOffline(true);
  await page.reload();
  await expect(page.getByRole('heading', { name: 'Library' })).toBeVisible();
  await expect(app.row(FIXTURE_TRACKS.flac.title)).toHaveCount(1);
  await expect(page.getByTestId('isolation')).toHaveText(/Isolated/);

  await app.openTrack(FIXTURE_TRACKS.flac.title);
  await expect(page.getByTestId('waveform')).toBeVisible();
  await page.getByTestId('play').click();
  await expect(page.getByTestId('play')).toHaveAccessibleName('Pause');
  const first = await app.positionSec();
  await expect.poll(() => app.positionSec(), { timeout: 5_000 }).toBeGreaterThan(first + 0.3);
  await page.keyboard.press('Space');
  await expect(page.getByTestId('play')).toHaveAccessibleName('Play');
  await page.screenshot({ path: `${ARTIFACTS}track-view.png`, fullPage: true });
});

async function readFixture(name: string): Promise<Buffer> {
  const { readFile } = await import('node:fs/promises');
  return readFile(fixture(name));
}
