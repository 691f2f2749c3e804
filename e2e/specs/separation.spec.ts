// Separation in the app: Quick and a generated model with htdemucs's contract run in the
// separation worker (WASM here; WebGPU in separation-webgpu.spec.ts), store their stems chunk by
// chunk in IndexedDB, list them under the track, play them, survive reloads, resume after one
// mid-job, cancel, and work offline. Stored stems are compared with the Node engine's.
import { expect, test, type Page } from '@playwright/test';
import { ARTIFACTS, AppPage, fixture } from '../pages/app-page.ts';
import { startModelServer } from '../model-server.ts';
import { ModelsPage } from '../pages/models-page.ts';
import { storeModel } from '../pages/stored-model.ts';
import { maxStemDifference, storedChunkCount, newestStemSetId, nodeSeparation, storedStems } from '../pages/stems.ts';
import { maskModel, slowModel, type TestModel } from '../pages/test-models.ts';

const SONG = 'song-a-minor-120.wav';
const TITLE = 'song-a-minor-120';
/** The model server's band-mask model with htdemucs's contract (a 24 MB download). */
const DOWNLOADED = 'test-htdemucs';

async function separate(page: Page, model: string, stems: 'all' | 'vocals' | 'karaoke' = 'all') {
  await page.getByTestId('separation-model').selectOption(model);
  const labels = { all: /^All/, vocals: 'Vocals only', karaoke: 'Karaoke (no vocals)' };
  await page.getByRole('radio', { name: labels[stems] }).check();
  await page.getByRole('button', { name: `Separate ${TITLE}` }).click();
}

test('Quick separates a track into four stems in the worker; they are stored, listed, playable and kept', async ({
  page,
}) => {
  const app = new AppPage(page);
  await app.open();
  await app.importFiles(fixture(SONG));
  await app.openTrack(TITLE);
  await separate(page, 'quick');
  const set = page.getByTestId('stem-set');
  await expect(set).toHaveCount(1, { timeout: 60_000 });
  await expect(set.getByTestId('stem')).toHaveCount(4);
  await expect(set).toContainText('built-in DSP');

  const jobId = await newestStemSetId(page);
  const stored = await storedStems(page, jobId);
  const expected = await nodeSeparation(fixture(SONG), ['vocals', 'drums', 'bass', 'other']);
  // The same code on the same decoded samples; V8 in Chromium and in Node may differ only in
  // the last bits of Math functions, so allow float32 rounding, not a different result.
  expect(maxStemDifference(stored, expected.stems)).toBeLessThan(1e-5);

  // Each stem's waveform is drawn from its own peaks: painted pixels span many rows (a flat
  // line would paint one or two of the 40).
  const paintedRows = await set.locator('[data-stem="vocals"] canvas').evaluate((canvas: HTMLCanvasElement) => {
    const { width, height } = canvas;
    const pixels = canvas.getContext('2d')!.getImageData(0, 0, width, height).data;
    let rows = 0;
    for (let y = 0; y < height; y++) {
      let painted = false;
      for (let x = 0; x < width && !painted; x++) painted = pixels[(y * width + x) * 4 + 3]! > 0;
      if (painted) rows++;
    }
    return rows / height;
  });
  expect(paintedRows).toBeGreaterThan(0.1);

  // They play in the mixer (what it plays is measured in mixer.spec.ts).
  await set.getByTestId('open-mixer').click();
  await page.getByTestId('mixer-play').click();
  await expect(page.getByTestId('mixer-play')).toHaveAttribute('aria-label', 'Pause mix');
  await page.screenshot({ path: `${ARTIFACTS}track-with-stems.png`, fullPage: true });

  await page.reload();
  await expect(page.getByTestId('stem-set').getByTestId('stem')).toHaveCount(4);
});

test('karaoke makes only the instrumental stem', async ({ page }) => {
  const app = new AppPage(page);
  await app.open();
  await app.importFiles(fixture(SONG));
  await app.openTrack(TITLE);
  await separate(page, 'quick', 'karaoke');
  const set = page.getByTestId('stem-set');
  await expect(set.getByTestId('stem')).toHaveCount(1, { timeout: 60_000 });
  await expect(set.getByTestId('stem')).toHaveAttribute('data-stem', 'instrumental');
});

/** Opens the app with `model` stored and the fixture song imported, on the song's page. */
async function withModel(page: Page, model: TestModel): Promise<AppPage> {
  const app = new AppPage(page);
  await app.open();
  await app.waitForServiceWorker();
  await storeModel(page, model.descriptor, model.bytes);
  await app.importFiles(fixture(SONG));
  await app.openTrack(TITLE);
  return app;
}

function job(page: Page) {
  return page.getByTestId('separation-job');
}

test("a model with htdemucs's contract runs on WASM in the worker, and its stems equal the Node engine's", async ({
  page,
}) => {
  const model = maskModel();
  await withModel(page, model);
  await separate(page, model.descriptor.id);
  await expect(job(page)).toHaveAttribute('data-provider', 'wasm');
  const set = page.getByTestId('stem-set');
  await expect(set.getByTestId('stem')).toHaveCount(4, { timeout: 60_000 });
  await expect(set).toContainText('WebAssembly');
  const stored = await storedStems(page, await newestStemSetId(page));
  const expected = await nodeSeparation(fixture(SONG), model.descriptor.stems, model);
  // Same DSP code; the model's arithmetic on WASM and native CPU differs in float32 rounding only.
  expect(maxStemDifference(stored, expected.stems)).toBeLessThan(1e-4);
});

test("a reload mid-job resumes from the last stored chunk, and the stems equal an uninterrupted run's", async ({
  page,
}) => {
  test.setTimeout(240_000);
  const model = slowModel();
  await withModel(page, model);
  await separate(page, model.descriptor.id);
  await expect(page.getByTestId('separation-status')).toContainText(/segment [1-9]\d* of/, { timeout: 120_000 });
  // At least one chunk is stored before the reload, so there is something to go on from.
  await expect.poll(() => storedChunkCount(page), { timeout: 60_000 }).toBeGreaterThan(0);
  await page.reload();
  // It goes on by itself, from where it was: the first progress shown is past the start.
  await expect(page.getByTestId('separation-status')).toContainText(/segment [1-9]\d* of/, { timeout: 60_000 });
  const set = page.getByTestId('stem-set');
  await expect(set).toHaveCount(1, { timeout: 180_000 });
  const resumed = await storedStems(page, await newestStemSetId(page));

  await separate(page, model.descriptor.id);
  await expect(set).toHaveCount(2, { timeout: 180_000 });
  const uninterrupted = await storedStems(page, await newestStemSetId(page));
  // The same runtime on the same input: bit for bit, no sample missing or repeated.
  expect(maxStemDifference(resumed, uninterrupted)).toBe(0);
});

test('the stems stored so far can be heard while it runs; it can be cancelled, and resumed later', async ({ page }) => {
  test.setTimeout(180_000);
  const model = slowModel();
  await withModel(page, model);
  await separate(page, model.descriptor.id);
  await expect(page.getByTestId('separation-status')).toContainText('separating', { timeout: 60_000 });
  // What is stored can be listened to before the job ends.
  const preview = job(page).getByTestId('stem-preview');
  await expect(preview).toContainText('Listen to the first', { timeout: 60_000 });
  await preview.getByRole('button', { name: 'Preview vocals so far' }).click();
  await expect(preview.getByRole('button', { name: 'Stop vocals so far' })).toHaveAttribute('aria-pressed', 'true');
  await job(page).getByRole('button', { name: 'Cancel' }).click();
  await expect(job(page)).toHaveAttribute('data-state', 'cancelled', { timeout: 10_000 });
  await expect(page.getByTestId('stem-set')).toHaveCount(0);
  await job(page)
    .getByRole('button', { name: /Resume|Try again/ })
    .click();
  await expect(page.getByTestId('stem-set')).toHaveCount(1, { timeout: 150_000 });
});

test('a model downloaded from a catalogue separates, and once it and the runtime are cached, it works offline', async ({
  page,
  context,
}) => {
  test.setTimeout(120_000);
  const server = await startModelServer();
  try {
    const app = new AppPage(page);
    await app.open();
    await app.waitForServiceWorker();
    const models = new ModelsPage(page);
    await models.open();
    await models.addCatalogue(server.catalogueUrl);
    await models.click('Download', server.descriptors[DOWNLOADED]!.name);
    await models.expectState(DOWNLOADED, 'ready');
    await page.goto('/');
    await app.importFiles(fixture(SONG));
    await app.openTrack(TITLE);
    await separate(page, DOWNLOADED);
    await expect(page.getByTestId('stem-set')).toHaveCount(1, { timeout: 60_000 });

    await context.setOffline(true);
    await page.reload();
    await expect(page.getByRole('heading', { name: TITLE })).toBeVisible();
    await separate(page, DOWNLOADED, 'vocals');
    await expect(page.getByTestId('stem-set')).toHaveCount(2, { timeout: 60_000 });
    await expect(page.getByTestId('stem-set').first().getByTestId('stem')).toHaveAttribute('data-stem', 'vocals');
  } finally {
    await server.close();
  }
});
