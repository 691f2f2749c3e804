// Music analysis in the app: a synthesised song with a known tempo and key is imported and
// analysed in the worker; the track view shows tempo, key and loudness, draws the beat grid
// and clicks on the beats; results persist, old engine versions are recomputed; the library
// sorts and filters by them and lists compatible tracks; an analysis can be cancelled and re-run.
import { expect, test } from '@playwright/test';
import { readFile } from 'node:fs/promises';
import { ANALYSIS_ENGINE_VERSION } from '../../shared/src/analysis/types.ts';
import { FIXTURE_SONGS, loopedSong, renderWav, type FixtureSong } from '../fixtures/songs.ts';
import { AppPage, ARTIFACTS, ageStoredAnalysis, fixture, storedAnalysis } from '../pages/app-page.ts';

const song = FIXTURE_SONGS.aMinor;

function inMemory(fixtureSong: FixtureSong) {
  return { name: fixtureSong.file, mimeType: 'audio/wav', buffer: renderWav(fixtureSong) };
}

test('analyses an imported song: tempo, key, loudness, beat grid and click track; kept, and redone for a new engine', async ({
  page,
}) => {
  const app = new AppPage(page);
  await app.watchAnalysisProgress();
  await app.open();
  await app.importFiles(fixture(song.file));
  await app.waitForAnalysis(song.title);
  expect(await app.sawAnalysisProgress()).toBe(true);
  expect(Math.abs((await app.rowBpm(song.title)) - song.bpm)).toBeLessThanOrEqual(1);
  expect(await app.rowCamelot(song.title)).toBe(song.camelot);
  await expect(app.row(song.title).getByTestId('key-badge')).toContainText(song.camelot);

  await app.openTrack(song.title);
  const panel = app.analysisPanel();
  await expect(panel.getByTestId('key')).toHaveText(song.keyText);
  expect(Math.abs((await app.shownValue('bpm')) - song.bpm)).toBeLessThanOrEqual(1);
  await expect(panel.getByTestId('bpm')).toHaveText(/^\d+\.\d BPM$/);
  await expect(panel.getByTestId('lufs')).toHaveText(/^−?\d+\.\d LUFS$/);
  // The corpus normalises its mix to a -1 dBFS sample peak; a dense mix sits far below that.
  const lufs = await app.shownValue('lufs');
  expect(lufs).toBeGreaterThan(-40);
  expect(lufs).toBeLessThan(-1);
  expect(await app.shownValue('true-peak')).toBeGreaterThan(-3);
  expect(await app.shownValue('lra')).toBeGreaterThanOrEqual(0);

  // The grid: about a beat every 0.5 s across 20 s, every one drawn at this zoom, bars numbered.
  const grid = await app.drawnGrid();
  expect(grid.beats).toBeGreaterThanOrEqual(34);
  expect(grid.beats).toBeLessThanOrEqual(42);
  expect(grid.beatsDrawn).toBe(grid.beats);
  expect(grid.downbeatsDrawn).toBeGreaterThanOrEqual(8);
  expect(grid.barsLabelled).toBe(grid.downbeatsDrawn);
  // Zoomed in 4x, the view follows: fewer ticks, still numbered.
  for (let i = 0; i < 2; i++) await page.getByRole('button', { name: 'Zoom in' }).click();
  await expect.poll(async () => (await app.drawnGrid()).beatsDrawn).toBeLessThan(grid.beats / 2);
  await page.getByRole('button', { name: 'Show the whole track' }).click();
  // Musicians count position in bars and beats: the song's bars start at 0, 2, 4 s…, so 4.75 s
  // is bar 3, beat 2.
  const waveform = page.getByTestId('waveform');
  const { width, height } = (await waveform.boundingBox())!;
  await waveform.click({ position: { x: (width * 4.75) / song.durationSec, y: height / 2 } });
  await expect(page.getByTestId('bar-beat')).toHaveText('bar 3 · beat 2');
  await page.getByRole('button', { name: 'Dismiss' }).click();
  await page.screenshot({ path: `${ARTIFACTS}analysis-track-view.png`, fullPage: true });
  await page.keyboard.press('Home');

  // Click track: toggled with C during playback, clicks scheduled on the beats (accents on
  // downbeats); toggled off, no more are scheduled.
  await page.getByTestId('play').click();
  await expect(page.getByTestId('play')).toHaveAccessibleName('Pause');
  await page.keyboard.press('c');
  await expect(app.clickTrackButton()).toHaveAttribute('aria-pressed', 'true');
  await expect.poll(async () => (await app.scheduledClicks()).clicks).toBeGreaterThanOrEqual(2);
  // A bar at 120 BPM lasts 2 s: within 2.5 s a downbeat gets its accent.
  await expect.poll(async () => (await app.scheduledClicks()).accents).toBeGreaterThanOrEqual(1);
  await app.clickTrackButton().click();
  await expect(app.clickTrackButton()).toHaveAttribute('aria-pressed', 'false');
  const afterOff = await app.scheduledClicks();
  await page.waitForTimeout(700);
  expect(await app.scheduledClicks()).toEqual(afterOff);
  // 1.2 s of music at 120 BPM holds at least two beats: clicks resume when turned back on.
  await page.keyboard.press('C');
  await expect.poll(async () => (await app.scheduledClicks()).clicks).toBeGreaterThan(afterOff.clicks + 1);
  // Space on the focused click-track button presses that button; it does not pause.
  await app.clickTrackButton().focus();
  await page.keyboard.press('Space');
  await expect(app.clickTrackButton()).toHaveAttribute('aria-pressed', 'false');
  await expect(page.getByTestId('play')).toHaveAccessibleName('Pause');
  await page.getByTestId('waveform').focus();
  await page.keyboard.press('Space');
  await expect(page.getByTestId('play')).toHaveAccessibleName('Play');

  // Reloaded: read back from IndexedDB, not analysed again.
  const trackId = await page.evaluate(() => location.hash.split('/').pop()!);
  const stored = await storedAnalysis(page, trackId);
  expect(stored?.engineVersion).toBe(ANALYSIS_ENGINE_VERSION);
  await expect(panel).toHaveAttribute('data-analysed-at', String(stored!.analysedAt));
  await app.resetAnalysisProgressWatch();
  await page.reload();
  await expect(panel.getByTestId('key')).toHaveText(song.keyText);
  await expect(panel).toHaveAttribute('data-analysed-at', String(stored!.analysedAt));
  await page.waitForTimeout(500);
  expect(await app.sawAnalysisProgress()).toBe(false);
  expect(await storedAnalysis(page, trackId)).toEqual(stored);

  // An analysis made by an older engine is recomputed when the library loads.
  await ageStoredAnalysis(page, trackId, ANALYSIS_ENGINE_VERSION - 1);
  await page.reload();
  await expect.poll(() => app.sawAnalysisProgress()).toBe(true);
  await expect(panel).not.toHaveAttribute('data-analysed-at', String(stored!.analysedAt), { timeout: 60_000 });
  const redone = await storedAnalysis(page, trackId);
  expect(redone?.engineVersion).toBe(ANALYSIS_ENGINE_VERSION);
  expect(redone!.analysedAt).toBeGreaterThan(stored!.analysedAt);
});

test('sorts by BPM and key, filters by tempo and key, lists compatible tracks, shows a tempo change', async ({
  page,
}) => {
  const app = new AppPage(page);
  await app.open();
  const { aMinor, eMinor, fSharpMajor, bMinorStep } = FIXTURE_SONGS;
  await app.importFiles([
    { name: song.file, mimeType: 'audio/wav', buffer: await readFile(fixture(song.file)) },
    inMemory(eMinor),
    inMemory(fSharpMajor),
    inMemory(bMinorStep),
  ]);
  for (const { title } of [aMinor, eMinor, fSharpMajor, bMinorStep]) await app.waitForAnalysis(title);
  await page.getByRole('button', { name: 'Dismiss' }).click();
  for (const { title, bpm, camelot } of [aMinor, eMinor, fSharpMajor]) {
    expect(Math.abs((await app.rowBpm(title)) - bpm), title).toBeLessThanOrEqual(1);
    expect(await app.rowCamelot(title), title).toBe(camelot);
  }
  expect(await app.rowCamelot(bMinorStep.title)).toBe(bMinorStep.camelot);

  const sortBy = page.getByLabel('Sort by');
  await sortBy.selectOption('title');
  await sortBy.selectOption('bpm');
  // The step song's global tempo is one of its two; either way it sits between 100 and 124.
  expect(await app.listedTitles()).toEqual([fSharpMajor.title, bMinorStep.title, aMinor.title, eMinor.title]);
  const bpms = await app.listedBpms();
  expect(bpms).toEqual([...bpms].sort((a, b) => a - b));
  // Camelot order: 2B, 8A, 9A, 10A.
  await sortBy.selectOption('key');
  expect(await app.listedTitles()).toEqual([fSharpMajor.title, aMinor.title, eMinor.title, bMinorStep.title]);

  await page.getByRole('combobox', { name: 'Key' }).selectOption('8A');
  await expect(app.rows()).toHaveCount(1);
  await expect(app.row(song.title)).toHaveCount(1);
  await page.getByRole('checkbox', { name: 'With compatible keys' }).check();
  await expect(app.rows()).toHaveCount(2);
  await expect(app.row(eMinor.title)).toHaveCount(1);
  await page.getByRole('button', { name: 'Clear filters' }).click();
  await expect(app.rows()).toHaveCount(4);

  // 57-65 BPM: nothing in straight time; 120 and 124 counted in half time (not 100, 110, 126).
  await page.getByRole('spinbutton', { name: 'Lowest BPM' }).fill('57');
  await page.getByRole('spinbutton', { name: 'Highest BPM' }).fill('65');
  await expect(app.rows()).toHaveCount(0);
  await page.getByRole('checkbox', { name: 'Half/double time' }).check();
  await expect(app.rows()).toHaveCount(2);
  await expect(app.row(aMinor.title)).toHaveCount(1);
  await expect(app.row(eMinor.title)).toHaveCount(1);
  await page.screenshot({ path: `${ARTIFACTS}analysis-library-filtered.png`, fullPage: true });
  await page.getByRole('button', { name: 'Clear filters' }).click();
  await sortBy.selectOption('bpm');
  await page.screenshot({ path: `${ARTIFACTS}analysis-library.png`, fullPage: true });

  await app.openTrack(song.title);
  const compatible = page.getByTestId('compatible-track');
  await expect(compatible).toHaveCount(1);
  await expect(compatible).toContainText(eMinor.title);
  await compatible.getByRole('link', { name: eMinor.title }).click();
  await expect(page.getByRole('heading', { name: eMinor.title })).toBeVisible();
  await expect(app.analysisPanel().getByTestId('key')).toHaveText(eMinor.keyText);
  await expect(page.getByTestId('compatible-track')).toContainText(song.title);

  // A tempo that changes: its range and where it changes (halfway through the song).
  await page.getByRole('link', { name: '← Library' }).click();
  await app.openTrack(bMinorStep.title);
  const curve = page.getByTestId('tempo-curve');
  await expect(curve).toContainText('110–126 BPM');
  await expect(curve.getByRole('listitem')).toHaveCount(2);
  await expect(curve.getByRole('listitem').last()).toHaveText(/from 0:1[12]: 126\.\d BPM/);
  await page.screenshot({ path: `${ARTIFACTS}analysis-tempo-change.png`, fullPage: true });
});

test('cancels an analysis mid-way and runs it again', async ({ page }) => {
  const long = loopedSong(8);
  const app = new AppPage(page);
  await app.open();
  await app.importFiles(inMemory(long));
  const row = app.row(long.title);
  const progress = row.getByRole('progressbar', { name: `Analysis progress of ${long.title}` });
  await expect.poll(async () => Number((await progress.getAttribute('value')) ?? 0)).toBeGreaterThan(0.05);
  await row.getByRole('button', { name: `Cancel analysis of ${long.title}` }).click();
  await expect(row.getByTestId('analysis-progress')).toHaveAttribute('data-status', 'cancelled');
  await expect(row.getByText('Analysis cancelled')).toBeVisible();
  const trackId = await app.trackIdOf(long.title);
  expect(await storedAnalysis(page, trackId)).toBeUndefined();

  await row.getByRole('button', { name: `Analyse ${long.title}` }).click();
  await expect(row.getByTestId('analysis-progress')).toHaveAttribute('data-status', /queued|running/);
  await app.waitForAnalysis(long.title, 120_000);
  expect(Math.abs((await app.rowBpm(long.title)) - long.bpm)).toBeLessThanOrEqual(1);
  expect((await storedAnalysis(page, trackId))?.engineVersion).toBe(ANALYSIS_ENGINE_VERSION);
});
