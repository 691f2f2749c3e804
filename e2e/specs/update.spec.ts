// A new version of the app is offered, never swapped in under the user.
import { expect, test } from '@playwright/test';
import { appendFile, cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppPage } from '../pages/app-page.ts';
import { serveStatic } from '../static-server.ts';
import { DIST } from '../dist-dir.ts';

const PORT = 4181;

test('a new service worker waits for the user, then takes over after "Reload to update"', async ({ page }) => {
  const root = await mkdtemp(join(tmpdir(), 'sfa-update-'));
  await cp(DIST, root, { recursive: true });
  const server = await serveStatic(root, PORT);
  try {
    const app = new AppPage(page);
    await page.goto(`http://localhost:${PORT}/`);
    await app.waitForServiceWorker();
    await expect(page.getByTestId('update-prompt')).toHaveCount(0);

    // Deploy a new version: any byte change to sw.js is one.
    await appendFile(join(root, 'sw.js'), `\n// deployed ${Date.now()}\n`);
    await page.evaluate(async () => (await navigator.serviceWorker.getRegistration())!.update());
    await expect(page.getByTestId('update-prompt')).toBeVisible();
    // Still the old version in charge, the new one waiting for the user.
    expect(await page.evaluate(async () => Boolean((await navigator.serviceWorker.getRegistration())!.waiting))).toBe(
      true,
    );

    // A second tab of the old version is open too.
    const otherTab = await page.context().newPage();
    await otherTab.goto(`http://localhost:${PORT}/`);
    await expect(otherTab.getByTestId('update-prompt')).toBeVisible();

    await Promise.all([page.waitForEvent('load'), page.getByRole('button', { name: 'Reload to update' }).click()]);
    await app.waitForServiceWorker();
    const state = await page.evaluate(async () => {
      const registration = (await navigator.serviceWorker.getRegistration())!;
      return { waiting: Boolean(registration.waiting), active: registration.active?.state };
    });
    expect(state).toEqual({ waiting: false, active: 'activated' });
    await expect(page.getByTestId('update-prompt')).toHaveCount(0);

    // The other tab now runs old code under the new worker: it keeps offering the reload,
    // and taking it brings that tab onto the new version as well.
    await expect(otherTab.getByTestId('update-prompt')).toBeVisible();
    await Promise.all([
      otherTab.waitForEvent('load'),
      otherTab.getByRole('button', { name: 'Reload to update' }).click(),
    ]);
    await expect(otherTab.getByTestId('update-prompt')).toHaveCount(0);
    expect(await otherTab.evaluate(() => navigator.serviceWorker.controller?.state)).toBe('activated');
  } finally {
    server.close();
    await rm(root, { recursive: true, force: true });
  }
});
