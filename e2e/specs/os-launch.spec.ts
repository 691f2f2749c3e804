// "Open with Sound Forge Alchemy": the app is installed for real (Chromium's PWA install), the
// OS hands it files through the manifest's file_handlers, and they land in the library.
import { chromium, expect, test } from '@playwright/test';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CHROMIUM_ARGS, findChromium } from '../find-chromium.mjs';
import { fixture, storedCounts } from '../pages/app-page.ts';
import { FIXTURE_TRACKS } from '../fixtures/expected.ts';

test('files opened with the installed app from the OS are imported', async ({ baseURL }) => {
  // The launched app window opens in the browser's default profile, so this test drives a
  // persistent one rather than Playwright's throwaway context.
  const profile = await mkdtemp(join(tmpdir(), 'sfa-profile-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: findChromium(),
    args: CHROMIUM_ARGS,
  });
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    await page.goto(`${baseURL}/`);
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null);
    const session = await context.newCDPSession(page);
    const manifestId = `${baseURL}/`;
    await session.send('PWA.install', { manifestId, installUrlOrBundleUrl: `${baseURL}/` });
    const { fileHandlers } = await session.send('PWA.getOsAppState', { manifestId });
    expect(fileHandlers.flatMap((handler) => handler.accepts.flatMap((accept) => accept.fileExtensions))).toEqual(
      expect.arrayContaining(['.mp3', '.flac', '.wav']),
    );

    await session.send('PWA.launchFilesInApp', {
      manifestId,
      files: [fixture(FIXTURE_TRACKS.wav.file), fixture(FIXTURE_TRACKS.flac.file)],
    });
    // The app window imports them; the library (shared by every window of the app) shows it.
    await expect.poll(() => storedCounts(page), { timeout: 20_000 }).toEqual({ tracks: 2, files: 2, peaks: 2 });
    await page.reload();
    for (const format of ['wav', 'flac'] as const) {
      await expect(page.getByRole('link', { name: FIXTURE_TRACKS[format].title, exact: true })).toBeVisible();
    }
  } finally {
    await context.close();
    await rm(profile, { recursive: true, force: true });
  }
});
