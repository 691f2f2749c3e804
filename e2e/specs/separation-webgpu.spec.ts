// Separation on WebGPU: headless Chromium here has WebGPU on SwiftShader (software Vulkan) with
// the flags below. It proves the WebGPU path is right, not that it is fast. A WebGPU runtime that
// fails to start (its .wasm cannot be fetched) falls back to WASM, and the job says so.
import { expect, test, type Page } from '@playwright/test';
import { CHROMIUM_ARGS, findChromium } from '../find-chromium.mjs';
import { AppPage, fixture } from '../pages/app-page.ts';
import { storeModel } from '../pages/stored-model.ts';
import { maxStemDifference, newestStemSetId, nodeSeparation, storedStems } from '../pages/stems.ts';
import { maskModel } from '../pages/test-models.ts';

const SONG = 'song-a-minor-120.wav';
const TITLE = 'song-a-minor-120';
const WEBGPU_ARGS = [
  '--enable-unsafe-webgpu',
  '--enable-features=Vulkan',
  '--use-vulkan=swiftshader',
  '--use-webgpu-adapter=swiftshader',
];

test.use({ launchOptions: { executablePath: findChromium(), args: [...CHROMIUM_ARGS, ...WEBGPU_ARGS] } });

async function separateWithModel(page: Page) {
  const model = maskModel();
  const app = new AppPage(page);
  await app.open();
  await storeModel(page, model.descriptor, model.bytes);
  await app.importFiles(fixture(SONG));
  await app.openTrack(TITLE);
  await page.getByTestId('separation-model').selectOption(model.descriptor.id);
  await page.getByRole('button', { name: `Separate ${TITLE}` }).click();
  return model;
}

test("separates on WebGPU when the adapter allows, with stems equal to the Node engine's", async ({ page }) => {
  test.setTimeout(120_000);
  const model = await separateWithModel(page);
  await expect(page.getByTestId('separation-job')).toHaveAttribute('data-provider', 'webgpu', { timeout: 30_000 });
  const set = page.getByTestId('stem-set');
  await expect(set.getByTestId('stem')).toHaveCount(4, { timeout: 90_000 });
  await expect(set).toContainText('WebGPU');
  const stored = await storedStems(page, await newestStemSetId(page));
  const expected = await nodeSeparation(fixture(SONG), model.descriptor.stems, model);
  // GPU float32 arithmetic in another order than the CPU's: agreement to 1e-4 of full scale.
  expect(maxStemDifference(stored, expected.stems)).toBeLessThan(1e-4);
});

test('a WebGPU runtime that fails to start falls back to WASM and says why', async ({ page, context }) => {
  test.setTimeout(120_000);
  // The WebGPU build's binary cannot be fetched: its session cannot be created.
  await context.route('**/ort-wasm-simd-threaded.asyncify.wasm', (route) => route.abort('failed'));
  await separateWithModel(page);
  const job = page.getByTestId('separation-job');
  await expect(job).toHaveAttribute('data-provider', 'wasm', { timeout: 30_000 });
  await expect(job.getByTestId('separation-fallback')).toContainText('WebGPU could not start');
  await expect(page.getByTestId('stem-set').getByTestId('stem')).toHaveCount(4, { timeout: 90_000 });
});

test("the device panel reports WebGPU, threads and storage, and measures each model's time per minute", async ({
  page,
}) => {
  test.setTimeout(120_000);
  const model = maskModel();
  const app = new AppPage(page);
  await app.open();
  await storeModel(page, model.descriptor, model.bytes);
  await page.goto('/#/settings');
  const panel = page.getByTestId('capability-panel');
  await expect(panel.getByTestId('webgpu')).toContainText(/^Yes/);
  await expect(panel.getByTestId('threads')).toHaveText(/\d+ cores · WebAssembly uses \d+ threads?/);
  await expect(panel.getByTestId('storage-available')).toContainText('available of');
  const row = panel.locator(`[data-testid="calibration-row"][data-model="${model.descriptor.id}"]`);
  await expect(row.getByTestId('calibration')).toHaveText('not measured');
  await row.getByRole('button', { name: `Measure ${model.descriptor.name}` }).click();
  await expect(row.getByTestId('calibration')).toHaveText(/^\d+(\.\d)? s on WebGPU$/, { timeout: 90_000 });
  const quick = panel.locator('[data-testid="calibration-row"][data-model="quick"]');
  await quick.getByRole('button', { name: /^Measure/ }).click();
  await expect(quick.getByTestId('calibration')).toHaveText(/^\d+(\.\d)? s on built-in DSP$/, { timeout: 60_000 });
  // The measured figure is kept with the model.
  await page.reload();
  await expect(row.getByTestId('calibration')).toHaveText(/s on WebGPU$/);
});
