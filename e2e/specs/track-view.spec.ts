// The track view: a crisp waveform, zoom, seeking by click and keyboard, playback.
import { expect, test } from '@playwright/test';
import { AppPage, fixture } from '../pages/app-page.ts';
import { FIXTURE_TRACKS } from '../fixtures/expected.ts';

test.use({ deviceScaleFactor: 2 });

test('draws the waveform in device pixels, zooms, and seeks by click and keyboard', async ({ page }) => {
  const app = new AppPage(page);
  await app.open();
  await app.importFiles(fixture(FIXTURE_TRACKS.flac.file));
  await app.openTrack(FIXTURE_TRACKS.flac.title);
  const waveform = page.getByTestId('waveform');
  await expect(waveform).toBeVisible();

  // Crisp on a 2x screen: the backing store has twice the CSS pixels, and something is drawn
  // at the vertical centre across the width (the fixture is a tone from start to end).
  const canvas = await waveform.evaluate((element: HTMLCanvasElement) => {
    const context = element.getContext('2d')!;
    const row = context.getImageData(0, Math.floor(element.height * 0.55), element.width, 1).data;
    let drawn = 0;
    for (let i = 3; i < row.length; i += 4) if (row[i]! > 0) drawn++;
    return { width: element.width, cssWidth: element.clientWidth, drawnFraction: drawn / element.width };
  });
  expect(canvas.width).toBe(canvas.cssWidth * 2);
  expect(canvas.drawnFraction).toBeGreaterThan(0.9);

  await page.getByRole('button', { name: 'Zoom in' }).click();
  await expect(waveform).toHaveAttribute('data-zoom', '2.00');
  await page.keyboard.press('-');
  await expect(waveform).toHaveAttribute('data-zoom', '1.00');

  // A click at the middle of the whole-track view seeks to the middle of the track.
  const box = (await waveform.boundingBox())!;
  await waveform.click({ position: { x: box.width / 2, y: box.height / 2 } });
  expect(Math.abs((await app.positionSec()) - FIXTURE_TRACKS.flac.durationSec / 2)).toBeLessThan(0.05);
  await page.keyboard.press('Shift+ArrowRight');
  expect(Math.abs((await app.positionSec()) - (FIXTURE_TRACKS.flac.durationSec / 2 + 1))).toBeLessThan(0.05);
  await page.keyboard.press('ArrowLeft');
  expect(await app.positionSec()).toBe(0);
  await page.keyboard.press('End');
  expect(await app.positionSec()).toBeCloseTo(FIXTURE_TRACKS.flac.durationSec, 2);
  await page.keyboard.press('Home');
  // Screen readers hear the playhead as a slider.
  await expect(page.getByRole('slider', { name: /Playback position/ })).toHaveAttribute(
    'aria-valuetext',
    '0:00 of 0:04',
  );

  // Space plays from where the playhead is; the playhead follows the audio clock.
  await page.keyboard.press('Space');
  await expect(page.getByTestId('play')).toHaveAccessibleName('Pause');
  await expect.poll(() => app.positionSec()).toBeGreaterThan(0.3);
  await page.keyboard.press('Space');
  const paused = await app.positionSec();
  await page.waitForTimeout(300);
  expect(await app.positionSec()).toBe(paused);
});

test('plays to the end and stops there', async ({ page }) => {
  const app = new AppPage(page);
  await app.open();
  await app.importFiles(fixture(FIXTURE_TRACKS.wav.file));
  await app.openTrack(FIXTURE_TRACKS.wav.title);
  await page.getByTestId('play').click();
  await expect(page.getByTestId('play')).toHaveAccessibleName('Play', { timeout: 10_000 });
  expect(await app.positionSec()).toBeCloseTo(FIXTURE_TRACKS.wav.durationSec, 2);
});
