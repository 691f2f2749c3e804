// The steps the mixer and export specs share: a track separated with Quick, its stems opened in
// the mixer, a slider moved as a drag would move it.
import { expect, type Locator, type Page } from '@playwright/test';
import { AppPage } from './app-page.ts';

/** Imports `file` into a fresh app, opens it and separates it with Quick into all stems. */
export async function separateWithQuick(page: Page, file: string, title: string, timeout = 60_000): Promise<void> {
  const app = new AppPage(page);
  await app.open();
  await app.importFiles(file);
  await app.openTrack(title);
  await page.getByTestId('separation-model').selectOption('quick');
  await page.getByRole('radio', { name: /^All/ }).check();
  await page.getByRole('button', { name: `Separate ${title}` }).click();
  await expect(page.getByTestId('stem-set')).toHaveCount(1, { timeout });
}

/** Opens the track's stem set in the mixer; resolves once it can play. */
export async function openMixer(page: Page): Promise<Locator> {
  await page.getByTestId('open-mixer').click();
  const mixer = page.getByTestId('mixer');
  await expect(mixer.getByTestId('mixer-play')).toBeEnabled();
  return mixer;
}

/** Sets a range input as a drag would: the value, then an input event. */
export async function slide(input: Locator, value: number): Promise<void> {
  await input.evaluate((element: HTMLInputElement, to) => {
    element.value = String(to);
    element.dispatchEvent(new Event('input', { bubbles: true }));
  }, value);
}
