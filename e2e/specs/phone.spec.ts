// On a phone: nothing overflows sideways, controls are touch-sized, screenshots for a person.
import { expect, test } from '@playwright/test';
import { AppPage, ARTIFACTS, fixture } from '../pages/app-page.ts';
import { FIXTURE_TRACKS } from '../fixtures/expected.ts';

test.use({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 3, hasTouch: true, isMobile: true });

test('the library and the track view fit a phone screen', async ({ page }) => {
  const app = new AppPage(page);
  await app.open();
  await app.importFiles([fixture(FIXTURE_TRACKS.mp3.file), fixture(FIXTURE_TRACKS.flac.file)]);
  await page.getByRole('button', { name: 'Dismiss' }).click();
  const overflow = () => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(await overflow()).toBeLessThanOrEqual(0);
  await page.screenshot({ path: `${ARTIFACTS}library-phone.png` });

  await app.openTrack(FIXTURE_TRACKS.flac.title);
  await expect(page.getByTestId('waveform')).toBeVisible();
  expect(await overflow()).toBeLessThanOrEqual(0);
  const play = (await page.getByTestId('play').boundingBox())!;
  expect(Math.min(play.width, play.height)).toBeGreaterThanOrEqual(36);
  await page.screenshot({ path: `${ARTIFACTS}track-view-phone.png` });
});

test('pinching the waveform zooms it; a tap seeks', async ({ page }) => {
  const app = new AppPage(page);
  await app.open();
  await app.importFiles(fixture(FIXTURE_TRACKS.flac.file));
  await app.openTrack(FIXTURE_TRACKS.flac.title);
  const waveform = page.getByTestId('waveform');
  const box = (await waveform.boundingBox())!;
  const y = box.y + box.height / 2;
  const centre = box.x + box.width / 2;
  const session = await page.context().newCDPSession(page);
  const touch = (type: 'touchStart' | 'touchMove' | 'touchEnd', xs: number[]) =>
    session.send('Input.dispatchTouchEvent', {
      type,
      touchPoints: xs.map((x, id) => ({ x, y, id })),
    });

  // Two fingers 40 px apart spread to 160 px: 4x closer.
  await touch('touchStart', [centre - 20, centre + 20]);
  for (let spread = 20; spread <= 80; spread += 10) await touch('touchMove', [centre - spread, centre + spread]);
  await touch('touchEnd', []);
  const zoom = Number(await waveform.getAttribute('data-zoom'));
  expect(zoom).toBeGreaterThan(3.5);
  expect(zoom).toBeLessThan(4.5);
  expect(await app.positionSec()).toBe(0); // a pinch is not a seek

  // A tap at the middle of the zoomed view seeks to the time shown there: the track's middle,
  // since the pinch was centred.
  await touch('touchStart', [centre]);
  await touch('touchEnd', []);
  expect(Math.abs((await app.positionSec()) - FIXTURE_TRACKS.flac.durationSec / 2)).toBeLessThan(0.05);
});
