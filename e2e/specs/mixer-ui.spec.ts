// The stem mixer's controls: opened from a Quick stem set, a lane per stem with labelled
// controls, mute and solo from the keyboard on a focused lane, what the presets mute, the loop
// and speed readouts, and how it looks on a desktop and on a phone. What it sounds like is
// tested elsewhere; this spec does not play audio.
import { expect, test, type Locator, type Page } from '@playwright/test';
import { ARTIFACTS, fixture } from '../pages/app-page.ts';
import { openMixer as openStems, separateWithQuick, slide } from '../pages/mixer.ts';

const SONG = 'song-a-minor-120.wav';
const TITLE = 'song-a-minor-120';
const STEMS = ['vocals', 'drums', 'bass', 'other'];

/** Imports the fixture, separates it with Quick and opens the stems in the mixer. */
async function openMixer(page: Page): Promise<Locator> {
  await separateWithQuick(page, fixture(SONG), TITLE);
  return openStems(page);
}

/**
 * A picture of the mixer alone: the import summary and the offline notice are dismissed, and the
 * page is captured whole with the app header unstuck (a full-page capture of an emulated phone
 * otherwise paints the sticky header over the middle of the mixer).
 */
async function screenshotMixer(page: Page, mixer: Locator, path: string): Promise<void> {
  await page.getByRole('button', { name: 'Dismiss' }).click();
  const offline = page.getByRole('button', { name: 'OK', exact: true });
  if (await offline.isVisible()) await offline.click();
  await page.addStyleTag({ content: '.top { position: static !important; }' });
  const box = (await mixer.boundingBox())!;
  const scrollY = await page.evaluate(() => window.scrollY);
  await page.screenshot({ path, fullPage: true, clip: { ...box, y: box.y + scrollY } });
}

function lane(mixer: Locator, stem: string): Locator {
  return mixer.locator(`[data-testid="mixer-lane"][data-stem="${stem}"]`);
}

/** Which stems' Mute buttons are pressed, in lane order. */
async function mutedStems(mixer: Locator): Promise<string[]> {
  const muted: string[] = [];
  for (const stem of STEMS) {
    const pressed = await mixer.getByRole('button', { name: `Mute ${stem}`, exact: true }).getAttribute('aria-pressed');
    if (pressed === 'true') muted.push(stem);
  }
  return muted;
}

test.describe('on a desktop', () => {
  test.use({ viewport: { width: 1280, height: 800 } });

  test('a lane per stem with labelled controls; M, S and ↑/↓ on a focused lane; presets set the mutes', async ({
    page,
  }) => {
    const mixer = await openMixer(page);
    await expect(mixer.getByTestId('mixer-lane')).toHaveCount(STEMS.length);
    expect(await mixer.getByTestId('mixer-lane').evaluateAll((lanes) => lanes.map((l) => l.dataset.stem))).toEqual(
      STEMS,
    );
    for (const stem of STEMS) {
      const strip = lane(mixer, stem);
      await expect(strip).toHaveAttribute('role', 'group');
      await expect(strip).toHaveAttribute('aria-label', stem);
      await expect(strip.getByRole('button', { name: `Mute ${stem}`, exact: true })).toHaveAttribute(
        'aria-pressed',
        'false',
      );
      await expect(strip.getByRole('button', { name: `Solo ${stem}`, exact: true })).toHaveAttribute(
        'aria-pressed',
        'false',
      );
      await expect(strip.getByRole('slider', { name: `${stem} volume` })).toHaveAttribute('aria-valuetext', '0.0 dB');
      await expect(strip.getByRole('slider', { name: `${stem} pan` })).toHaveAttribute('aria-valuetext', 'centre');
      await expect(strip.getByRole('meter', { name: `${stem} level` })).toHaveCount(1);
      // The waveform is drawn from the stem's peaks: some pixels are painted.
      const painted = await strip.locator('canvas').evaluate((canvas: HTMLCanvasElement) => {
        const pixels = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
        let count = 0;
        for (let i = 3; i < pixels.length; i += 4) if (pixels[i]! > 0) count++;
        return count / (canvas.width * canvas.height);
      });
      expect(painted).toBeGreaterThan(0.02);
    }
    await expect(mixer.getByRole('slider', { name: 'Master volume' })).toHaveAttribute('aria-valuetext', '0.0 dB');
    await expect(mixer.getByRole('meter', { name: 'Master level' })).toHaveCount(1);

    // The keyboard on a focused lane.
    const vocals = lane(mixer, 'vocals');
    await vocals.focus();
    await page.keyboard.press('m');
    await expect(vocals.getByRole('button', { name: 'Mute vocals' })).toHaveAttribute('aria-pressed', 'true');
    await expect(vocals).toHaveAttribute('data-audible', 'false');
    await page.keyboard.press('m');
    await expect(vocals.getByRole('button', { name: 'Mute vocals' })).toHaveAttribute('aria-pressed', 'false');
    await page.keyboard.press('ArrowUp');
    await expect(vocals.getByRole('slider', { name: 'vocals volume' })).toHaveAttribute('aria-valuetext', '+1.0 dB');
    await page.keyboard.press('Shift+ArrowDown');
    await expect(vocals.getByRole('slider', { name: 'vocals volume' })).toHaveAttribute('aria-valuetext', '−5.0 dB');
    await vocals.getByRole('button', { name: /vocals volume .* reset to 0 dB/ }).click();
    await expect(vocals.getByRole('slider', { name: 'vocals volume' })).toHaveAttribute('aria-valuetext', '0.0 dB');

    const drums = lane(mixer, 'drums');
    await drums.focus();
    await page.keyboard.press('s');
    await expect(drums.getByRole('button', { name: 'Solo drums' })).toHaveAttribute('aria-pressed', 'true');
    // Soloing one stem leaves the others unheard (drawn dimmed), without muting them.
    await expect(lane(mixer, 'bass')).toHaveAttribute('data-audible', 'false');
    await expect(drums).toHaveAttribute('data-audible', 'true');
    expect(await mutedStems(mixer)).toEqual([]);
    await page.keyboard.press('s');
    await expect(lane(mixer, 'bass')).toHaveAttribute('data-audible', 'true');

    // Presets.
    const presets = mixer.getByTestId('mixer-presets');
    await presets.getByRole('button', { name: 'Karaoke' }).click();
    expect(await mutedStems(mixer)).toEqual(['vocals']);
    await expect(presets.getByRole('button', { name: 'Karaoke' })).toHaveAttribute('aria-pressed', 'true');
    await presets.getByRole('button', { name: 'A cappella' }).click();
    expect(await mutedStems(mixer)).toEqual(['drums', 'bass', 'other']);
    await presets.getByRole('button', { name: 'Drumless' }).click();
    expect(await mutedStems(mixer)).toEqual(['drums']);
    await presets.getByRole('combobox', { name: 'Only one stem' }).selectOption('bass');
    expect(await mutedStems(mixer)).toEqual(['vocals', 'drums', 'other']);
    await presets.getByRole('combobox', { name: 'Everything but one stem' }).selectOption('other');
    expect(await mutedStems(mixer)).toEqual(['other']);
    await presets.getByRole('button', { name: 'All' }).click();
    expect(await mutedStems(mixer)).toEqual([]);

    // Seeking and the loop from the keyboard; the loop is shown as times.
    const transport = mixer.getByTestId('mixer-transport');
    await vocals.focus();
    await page.keyboard.press('ArrowRight');
    await expect(transport.getByTestId('mixer-position')).toHaveAttribute('data-seconds', '5.000');
    await expect(transport.getByTestId('mixer-loop-text')).toHaveText('no loop');
    await page.keyboard.press(']');
    await expect(transport.getByTestId('mixer-loop-text')).toContainText('0:00.0–');
    await expect(transport.getByTestId('mixer-loop')).toHaveAttribute('aria-pressed', 'true');
    await page.keyboard.press('l');
    await expect(transport.getByTestId('mixer-loop')).toHaveAttribute('aria-pressed', 'false');
    await expect(vocals.locator('.loop.off')).toHaveCount(1);
    await page.keyboard.press('l');

    // Speed and pitch read as musicians say them, and are announced once they settle.
    await slide(transport.getByRole('slider', { name: 'Speed' }), 75);
    await expect(transport.getByRole('button', { name: /^Speed 75 %/ })).toBeVisible();
    await slide(transport.getByRole('slider', { name: 'Pitch' }), 3);
    await expect(transport.getByRole('button', { name: /^Pitch \+3 st/ })).toBeVisible();
    await expect(transport.getByTestId('mixer-announcement')).toContainText('Speed 75 %');

    await screenshotMixer(page, mixer, `${ARTIFACTS}mixer-desktop.png`);

    await mixer.getByTestId('close-mixer').click();
    await expect(mixer).toHaveCount(0);
    await expect(page.getByTestId('open-mixer')).toBeVisible();
  });
});

test.describe('on a phone', () => {
  test.use({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 3, hasTouch: true, isMobile: true });

  test('lanes stack, targets are touch-sized, nothing scrolls sideways down to 360 px', async ({ page }) => {
    const mixer = await openMixer(page);
    await expect(mixer.getByTestId('mixer-lane')).toHaveCount(STEMS.length);
    const overflow = () => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(await overflow()).toBeLessThanOrEqual(0);

    const vocals = lane(mixer, 'vocals');
    for (const control of [
      vocals.getByRole('button', { name: 'Mute vocals' }),
      vocals.getByRole('button', { name: 'Solo vocals' }),
      vocals.getByRole('slider', { name: 'vocals volume' }),
      vocals.getByRole('slider', { name: 'vocals pan' }),
      mixer.getByTestId('mixer-play'),
    ]) {
      const box = (await control.boundingBox())!;
      expect(box.height).toBeGreaterThanOrEqual(44);
    }
    // Name, mute, solo, fader and pan on one row; the waveform full width under them.
    const mute = (await vocals.getByRole('button', { name: 'Mute vocals' }).boundingBox())!;
    const pan = (await vocals.getByRole('slider', { name: 'vocals pan' }).boundingBox())!;
    const wave = (await vocals.locator('canvas').boundingBox())!;
    expect(Math.abs(pan.y + pan.height / 2 - (mute.y + mute.height / 2))).toBeLessThan(4);
    expect(wave.y).toBeGreaterThan(mute.y + mute.height);
    expect(wave.width).toBeGreaterThan(390 * 0.8);
    await expect(mixer.locator('#mixer-lane-keys')).toBeHidden();

    await screenshotMixer(page, mixer, `${ARTIFACTS}mixer-phone.png`);

    await page.setViewportSize({ width: 360, height: 740 });
    await expect(mixer.getByTestId('mixer-lane').first()).toBeVisible();
    expect(await overflow()).toBeLessThanOrEqual(0);
  });
});
