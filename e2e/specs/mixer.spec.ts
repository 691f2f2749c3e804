// What the mixer plays, measured from its real output (a tap on the node the app connects to
// the speakers, see pages/audio-capture.ts) against the stems the app stored: mute and solo
// change how much of each stem is heard; two stems stay sample-locked through seeks and loops;
// half speed keeps a tone's pitch and +12 semitones doubles it.
import { expect, test, type Locator, type Page } from '@playwright/test';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeWav } from '../../shared/src/audio/wav-encode.ts';
import { AppPage, fixture } from '../pages/app-page.ts';
import { capture, dominantFrequency, installAudioTap, locate, rms, stemWeights } from '../pages/audio-capture.ts';
import { openMixer as openStems, separateWithQuick, slide } from '../pages/mixer.ts';
import { newestStemSetId, storedStems } from '../pages/stems.ts';

const SONG = 'song-a-minor-120.wav';
const STEMS = ['vocals', 'drums', 'bass', 'other'] as const;

/** With the audio tap in: imports `file`, separates it with Quick and opens its stems in the mixer. */
async function openMixer(page: Page, file: string, title: string): Promise<Locator> {
  await installAudioTap(page);
  await separateWithQuick(page, file, title);
  return openStems(page);
}

async function play(mixer: Locator): Promise<void> {
  await mixer.getByTestId('mixer-play').click();
  await expect(mixer.getByTestId('mixer-play')).toHaveAttribute('aria-label', 'Pause mix');
}

function sum(signals: Float32Array[]): Float32Array {
  const out = new Float32Array(signals[0]!.length);
  for (const signal of signals) for (let i = 0; i < out.length; i++) out[i]! += signal[i]!;
  return out;
}

test('mute and solo change how much of each stem is heard', async ({ page }) => {
  const mixer = await openMixer(page, fixture(SONG), 'song-a-minor-120');
  const stored = await storedStems(page, await newestStemSetId(page));
  // The fixture is mono: each stem's only channel.
  const stems = STEMS.map((stem) => stored[stem]![0]!);
  const mix = sum(stems);
  await play(mixer);

  /** Least-squares weight of each stem in 1.5 s of what is playing now. */
  const heard = async () => {
    await page.waitForTimeout(400); // past the change and the tap's own buffering
    const { left, right, sampleRate } = await capture(page, 1.5);
    // The last second: the tap hands over audio a little late, so the start may predate the change.
    const excerpt = left.subarray(Math.max(0, left.length - sampleRate));
    expect(rms(excerpt)).toBeGreaterThan(0);
    // A mono mix: both sides the same.
    expect(
      Math.max(...right.subarray(right.length - excerpt.length).map((x, i) => Math.abs(x - excerpt[i]!))),
    ).toBeLessThan(1e-6);
    const { lag } = locate(excerpt, mix);
    return stemWeights(excerpt, stems, lag);
  };
  const near = (weights: number[], expected: number[]) =>
    weights.forEach((w, i) => expect(Math.abs(w - expected[i]!), `${STEMS[i]}: ${w}`).toBeLessThan(0.03));

  near(await heard(), [1, 1, 1, 1]);
  await mixer.getByRole('button', { name: 'Solo vocals' }).click();
  near(await heard(), [1, 0, 0, 0]);
  await mixer.getByRole('button', { name: 'Solo vocals' }).click();
  await mixer.getByRole('button', { name: 'Mute drums' }).click();
  near(await heard(), [1, 0, 1, 1]);
  await mixer.getByRole('button', { name: 'Mute drums' }).click();
  await mixer.getByTestId('mixer-presets').getByRole('button', { name: 'Karaoke' }).click();
  near(await heard(), [0, 1, 1, 1]);
  // A fader at −6.02 dB halves the stem.
  await mixer.getByTestId('mixer-presets').getByRole('button', { name: 'All' }).click();
  await slide(mixer.getByRole('slider', { name: 'bass volume' }), -6);
  const weights = await heard();
  near(weights, [1, 1, 10 ** (-6 / 20), 1]);
});

test('two stems stay sample-locked through seeks and loops', async ({ page }) => {
  const mixer = await openMixer(page, fixture(SONG), 'song-a-minor-120');
  const stored = await storedStems(page, await newestStemSetId(page));
  // Vocals hard left, drums hard right, the rest muted: each side is one stem.
  await slide(mixer.getByRole('slider', { name: 'vocals pan' }), -1);
  await slide(mixer.getByRole('slider', { name: 'drums pan' }), 1);
  await mixer.getByRole('button', { name: 'Mute bass' }).click();
  await mixer.getByRole('button', { name: 'Mute other' }).click();
  await play(mixer);
  await page.waitForTimeout(500);
  const transport = mixer.getByTestId('mixer-transport');
  await transport.getByRole('button', { name: 'Mix forward 5 seconds' }).click();
  await page.waitForTimeout(700);
  await transport.getByRole('button', { name: 'Mix back 5 seconds' }).click();
  await page.waitForTimeout(300);
  // A loop of about a second with snapping off, then let it wrap a few times.
  await transport.getByTestId('mixer-snap').selectOption('off');
  await transport.getByRole('button', { name: 'Set A' }).click();
  await page.waitForTimeout(1000);
  await transport.getByRole('button', { name: 'Set B' }).click();
  const { left, right, sampleRate } = await capture(page, 4);

  const window = Math.round(0.25 * sampleRate);
  const vocals = stored.vocals[0]!;
  const drums = stored.drums[0]!;
  const measured: { at: number; left: number; right: number }[] = [];
  for (let at = 0; at + window <= left.length; at += window) {
    const l = left.subarray(at, at + window);
    const r = right.subarray(at, at + window);
    if (rms(l) < 1e-3 || rms(r) < 1e-3) continue;
    const fromLeft = locate(l, vocals);
    const fromRight = locate(r, drums);
    // A window across a jump holds two places of the track: no single lag fits it.
    if (fromLeft.correlation < 0.99 || fromRight.correlation < 0.99) continue;
    measured.push({ at, left: fromLeft.lag, right: fromRight.lag });
  }
  expect(measured.length).toBeGreaterThanOrEqual(8);
  // The same place of the track on both sides, to the sample, in every clean window.
  for (const { left: l, right: r } of measured) expect(r - l).toBe(0);
  // The loop wrapped while recording: the track position went back at least once.
  const positions = measured.map((m) => m.left - m.at);
  expect(positions.some((p, i) => i > 0 && p < positions[i - 1]! - sampleRate / 2)).toBe(true);
});

test('half speed keeps a tone at its pitch; +12 semitones doubles it', async ({ page }) => {
  const sampleRate = 44_100;
  const tone = Float32Array.from(
    { length: 12 * sampleRate },
    (_, i) => 0.4 * Math.sin((2 * Math.PI * 440 * i) / sampleRate),
  );
  const folder = await mkdtemp(join(tmpdir(), 'sfa-mixer-'));
  const file = join(folder, 'mixer-tone-440.wav');
  await writeFile(file, encodeWav([tone, tone], sampleRate, 16));
  const mixer = await openMixer(page, file, 'mixer-tone-440');
  const transport = mixer.getByTestId('mixer-transport');
  /** The playhead (s) and the page's clock (s) read together. */
  const position = () =>
    page.evaluate(() => [
      Number(document.querySelector<HTMLElement>('[data-testid="mixer-position"]')!.dataset.seconds),
      performance.now() / 1000,
    ]);

  await slide(transport.getByRole('slider', { name: 'Speed' }), 50);
  await play(mixer);
  await page.waitForTimeout(500);
  const [startSec, startClock] = await position();
  const slow = await capture(page, 2);
  const [endSec, endClock] = await position();
  expect(Math.abs(dominantFrequency(slow.left, slow.sampleRate) / 440 - 1)).toBeLessThan(0.01);
  // The playhead moves through the track at half the clock's pace.
  expect(Math.abs((endSec! - startSec!) / (endClock! - startClock!) - 0.5)).toBeLessThan(0.1);

  await slide(transport.getByRole('slider', { name: 'Speed' }), 100);
  await slide(transport.getByRole('slider', { name: 'Pitch' }), 12);
  await page.waitForTimeout(500);
  const octave = await capture(page, 1.5);
  expect(Math.abs(dominantFrequency(octave.left, octave.sampleRate) / 880 - 1)).toBeLessThan(0.01);
});

test('offline after the first visit, the mixer plays the stored stems and exports them', async ({ page, context }) => {
  await installAudioTap(page);
  const app = new AppPage(page);
  await app.open();
  await app.waitForServiceWorker();
  await app.importFiles(fixture(SONG));
  await app.openTrack('song-a-minor-120');
  await page.getByTestId('separation-model').selectOption('quick');
  await page.getByRole('button', { name: 'Separate song-a-minor-120' }).click();
  await expect(page.getByTestId('stem-set')).toHaveCount(1, { timeout: 60_000 });

  await context.setOffline(true);
  // Back on the same track page, from the service worker and the library alone.
  await page.reload();
  const mixer = await openStems(page);
  await play(mixer);
  const heard = await capture(page, 1);
  expect(rms(heard.left)).toBeGreaterThan(0.01);
  await expect(mixer.getByRole('alert')).toHaveCount(0);

  // The export worker and its encoders come from the precache too.
  await page.getByTestId('open-export').click();
  const panel = page.getByTestId('export-panel');
  await panel.getByRole('radio', { name: 'Each stem as a file' }).check();
  for (const stem of STEMS) await panel.getByRole('checkbox', { name: stem, exact: true }).setChecked(stem === 'bass');
  await panel.getByTestId('export-format').selectOption('flac24');
  await panel.getByTestId('export-start').click();
  await expect(panel.locator('[data-testid="export-result"][data-name="song-a-minor-120 (bass).flac"]')).toHaveCount(
    1,
    {
      timeout: 60_000,
    },
  );
});
