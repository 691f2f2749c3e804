// Separation models as a user meets them in "Models & settings": a catalogue added by URL,
// downloads with progress that survive reloads and work offline, wrong checksums refused,
// dropped connections and cancels resumed, a storage check before downloading, deletion,
// importing a local .onnx file, and the fp32 file chosen where the GPU has no shader-f16. The
// models come from a local server (e2e/model-server.ts) that serves generated ONNX files with the
// real contracts' tensors, as a catalogue's host would.
import { expect, test } from '@playwright/test';
import { mdxDescriptor } from '../../shared/src/separation/descriptor-presets.ts';
import { buildMdxMaskModel } from '../../models/builders/test-models.ts';
import { startModelServer, type ModelServer } from '../model-server.ts';
import { AppPage, ARTIFACTS } from '../pages/app-page.ts';
import { ModelsPage, storedModels, storedModelSha256 } from '../pages/models-page.ts';

const MB = 1024 * 1024;
let server: ModelServer;

test.beforeAll(async () => {
  server = await startModelServer();
});

test.afterAll(async () => {
  await server?.close();
});

test.beforeEach(() => {
  server.throttle(undefined);
});

const BIG = 'test-htdemucs';
const BIG_NAME = 'Test htdemucs (band masks)';

test('downloads a model with progress, and it stays ready after a reload and offline', async ({ page, context }) => {
  const models = new ModelsPage(page);
  await models.open();
  await new AppPage(page).waitForServiceWorker();
  await models.addCatalogue(server.catalogueUrl);
  await expect(models.row(BIG)).toContainText('Test models');
  await expect(models.row(BIG).getByTestId('model-size')).toHaveAttribute(
    'data-bytes',
    String(server.modelBytes(BIG).length),
  );

  // About 4 s at 6 MB/s: long enough to watch.
  server.throttle(6 * MB);
  await models.click('Download', BIG_NAME);
  await models.expectState(BIG, 'downloading');
  const seen: number[] = [];
  await expect
    .poll(
      async () => {
        const figures = await models.figures(BIG);
        seen.push(figures.received);
        return figures.rate > 0 && figures.eta !== undefined && figures.received > 2 * MB;
      },
      { timeout: 20_000, intervals: [200] },
    )
    .toBe(true);
  const figures = await models.figures(BIG);
  expect(figures.total).toBe(server.modelBytes(BIG).length);
  expect(figures.rate).toBeGreaterThan(2 * MB);
  expect(figures.rate).toBeLessThan(12 * MB);
  expect(figures.text).toMatch(/MB of 24 MB · [\d.]+ MB\/s · \d+ s left/);
  expect(seen).toEqual([...seen].sort((a, b) => a - b));
  // From the top: the sticky header would otherwise be drawn mid-page in a full-page shot.
  await page.evaluate(() => scrollTo(0, 0));
  await page.screenshot({ path: `${ARTIFACTS}model-settings-downloading.png`, fullPage: true });

  await models.expectState(BIG, 'ready');
  await expect(models.row(BIG).getByTestId('checksum')).toHaveAttribute('data-status', 'verified');
  expect(await storedModels(page)).toEqual({ models: [BIG], downloads: [], parts: 0 });
  expect(await storedModelSha256(page, BIG)).toBe(server.sha256(BIG));
  // The "ready to work offline" note would cover a row.
  const note = page.getByRole('button', { name: 'OK', exact: true });
  if (await note.isVisible()) await note.click();
  await page.evaluate(() => scrollTo(0, 0));
  await page.screenshot({ path: `${ARTIFACTS}model-settings.png`, fullPage: true });

  await page.reload();
  await models.expectState(BIG, 'ready');

  await context.setOffline(true);
  await page.reload();
  await expect(page.getByRole('heading', { name: 'Separation models' })).toBeVisible();
  await models.expectState(BIG, 'ready');
  // The catalogue cannot be fetched offline: the copy fetched before is listed, and that is said.
  await expect(page.getByTestId('catalogue-error')).toContainText('showing the copy fetched before');
  await expect(models.row('test-mdx')).toHaveAttribute('data-state', 'not-downloaded');
});

test('without shader-f16 (SwiftShader has none) the fp32 file is downloaded, though an fp16 one is offered', async ({
  page,
}) => {
  const models = new ModelsPage(page);
  await models.open();
  await models.addCatalogue(server.catalogueUrl);
  const row = models.row('test-mdx');
  // The row says which file a download will fetch, and why, before anything is fetched.
  const precision = row.getByTestId('model-precision');
  await expect(precision).toHaveAttribute('data-precision', 'fp32');
  await expect(precision).toHaveText('fp32');
  await expect(precision).toHaveAttribute('title', /no WebGPU|no half-precision shaders \(shader-f16\)/);
  await expect(row.getByTestId('model-size')).toHaveAttribute(
    'data-bytes',
    String(server.modelBytes('test-mdx').length),
  );
  expect(server.modelBytes('test-mdx', 'fp16').length).toBeLessThan(server.modelBytes('test-mdx').length);

  const fp32Before = server.modelRequests('test-mdx').length;
  const fp16Before = server.modelRequests('test-mdx', 'fp16').length;
  await models.click('Download', 'Test MDX-Net (mask)');
  await models.expectState('test-mdx', 'ready');
  expect(server.modelRequests('test-mdx').slice(fp32Before)).toMatchObject([{ method: 'GET', status: 200 }]);
  expect(server.modelRequests('test-mdx', 'fp16')).toHaveLength(fp16Before);
  expect(await storedModelSha256(page, 'test-mdx')).toBe(server.sha256('test-mdx'));
  await expect(precision).toHaveAttribute('data-precision', 'fp32');
  await expect(precision).toHaveAttribute('title', 'The full-precision (fp32) file is stored');
  await page.reload();
  await models.expectState('test-mdx', 'ready');
  await expect(models.row('test-mdx').getByTestId('model-precision')).toHaveText('fp32');
});

test('a download whose checksum is wrong is refused, and nothing of it is kept', async ({ page }) => {
  const models = new ModelsPage(page);
  await models.open();
  await models.addCatalogue(server.catalogueUrl);
  await models.click('Download', 'Test model with a wrong checksum');
  await expect(models.error('test-bad-checksum')).toContainText(`should be ${'0'.repeat(64)}`);
  await expect(models.error('test-bad-checksum')).toContainText(`got ${server.sha256('test-bad-checksum')}`);
  await models.expectState('test-bad-checksum', 'not-downloaded');
  expect(await storedModels(page)).toEqual({ models: [], downloads: [], parts: 0 });
});

test('a dropped connection leaves a paused download that Resume continues from where it stopped', async ({ page }) => {
  const models = new ModelsPage(page);
  await models.open();
  await models.addCatalogue(server.catalogueUrl);
  server.cutNext(BIG, 10 * MB);
  await models.click('Download', BIG_NAME);
  await expect(models.error(BIG)).toContainText(/interrupted at .* Resume continues from there/);
  await models.expectState(BIG, 'paused');
  const [paused] = (await storedModels(page)).downloads;
  expect(paused!.receivedBytes).toBeGreaterThan(0);
  expect(paused!.receivedBytes).toBeLessThanOrEqual(10 * MB);

  const before = server.modelRequests(BIG).length;
  await models.click('Resume download of', BIG_NAME);
  await models.expectState(BIG, 'ready');
  const resumed = server.modelRequests(BIG).slice(before);
  expect(resumed).toHaveLength(1);
  expect(resumed[0]).toMatchObject({ range: `bytes=${paused!.receivedBytes}-`, ifRange: paused!.etag, status: 206 });
  expect(await storedModelSha256(page, BIG)).toBe(server.sha256(BIG));
  expect(await storedModels(page)).toEqual({ models: [BIG], downloads: [], parts: 0 });
  await expect(models.error(BIG)).toHaveCount(0);
});

test('cancel keeps what arrived; Resume finishes the download; a reload in between changes nothing', async ({
  page,
}) => {
  const models = new ModelsPage(page);
  await models.open();
  await models.addCatalogue(server.catalogueUrl);
  server.throttle(4 * MB);
  await models.click('Download', BIG_NAME);
  await expect.poll(async () => (await models.figures(BIG)).received, { timeout: 20_000 }).toBeGreaterThan(6 * MB);
  await models.click('Cancel download of', BIG_NAME);
  await models.expectState(BIG, 'paused');
  await expect(models.error(BIG)).toHaveCount(0);
  await expect(models.row(BIG).getByTestId('model-state')).toContainText(/Paused at [\d.]+ MB of 24 MB/);
  const [paused] = (await storedModels(page)).downloads;
  expect(paused!.receivedBytes).toBeGreaterThan(6 * MB);
  expect(paused!.parts).toBeGreaterThan(1);

  await page.reload();
  await models.expectState(BIG, 'paused');
  server.throttle(undefined);
  const before = server.modelRequests(BIG).length;
  await models.click('Resume download of', BIG_NAME);
  await models.expectState(BIG, 'ready');
  expect(server.modelRequests(BIG).slice(before)[0]).toMatchObject({
    range: `bytes=${paused!.receivedBytes}-`,
    status: 206,
  });
  expect(await storedModelSha256(page, BIG)).toBe(server.sha256(BIG));
});

test('with too little storage, a clear message before downloading, and no request', async ({ page }) => {
  // Chromium (138 on) tells pages an artificial quota (usage + up to 10 GiB) whatever it enforces,
  // so the small quota the CDP override enforces is also what estimate() reports here, as Firefox
  // and Safari report theirs.
  await page.addInitScript((room) => {
    const estimate = navigator.storage.estimate.bind(navigator.storage);
    navigator.storage.estimate = async () => {
      const figures = await estimate();
      return { ...figures, quota: (figures.usage ?? 0) + room };
    };
  }, 8 * MB);
  const models = new ModelsPage(page);
  await models.open();
  const session = await page.context().newCDPSession(page);
  const origin = new URL(page.url()).origin;
  await session.send('Storage.overrideQuotaForOrigin', { origin, quotaSize: 8 * MB });
  await models.addCatalogue(server.catalogueUrl);
  const before = server.modelRequests(BIG).length;
  await models.click('Download', BIG_NAME);
  await expect(models.error(BIG)).toContainText(/Not enough storage to download .*: it needs about \d+ MB free/);
  await expect(models.error(BIG)).toContainText(/and 8\.0 MB is available/);
  await models.expectState(BIG, 'not-downloaded');
  expect(server.modelRequests(BIG)).toHaveLength(before);
  expect(await storedModels(page)).toEqual({ models: [], downloads: [], parts: 0 });
  await session.send('Storage.overrideQuotaForOrigin', { origin });
});

test('when storage fills up during a download, it says so, keeps what fits, and resumes once there is room', async ({
  page,
}) => {
  // No estimate() stub: Chromium reports plenty, and only the write finds the enforced limit.
  const models = new ModelsPage(page);
  await models.open();
  const session = await page.context().newCDPSession(page);
  const origin = new URL(page.url()).origin;
  await session.send('Storage.overrideQuotaForOrigin', { origin, quotaSize: 12 * MB });
  await models.addCatalogue(server.catalogueUrl);
  await models.click('Download', BIG_NAME);
  await expect(models.error(BIG)).toContainText(
    /Storage filled up while saving .* Delete tracks or models .* then Resume/,
  );
  expect((await storedModels(page)).models).toEqual([]);

  await session.send('Storage.overrideQuotaForOrigin', { origin });
  await models.click('Resume download of', BIG_NAME);
  await models.expectState(BIG, 'ready');
  expect(await storedModelSha256(page, BIG)).toBe(server.sha256(BIG));
  expect(await storedModels(page)).toEqual({ models: [BIG], downloads: [], parts: 0 });
});

test('deleting frees a model and a paused download; an unverified model records its hash', async ({ page }) => {
  const models = new ModelsPage(page);
  await models.open();
  await models.addCatalogue(server.catalogueUrl);
  await models.click('Download', 'Test model without a checksum');
  await models.expectState('test-unverified', 'ready');
  await expect(models.row('test-unverified').getByTestId('checksum')).toHaveAttribute('data-status', 'recorded');
  expect(await storedModelSha256(page, 'test-unverified')).toBe(server.sha256('test-unverified'));

  server.cutNext(BIG, 5 * MB);
  await models.click('Download', BIG_NAME);
  await models.expectState(BIG, 'paused');
  expect((await storedModels(page)).parts).toBeGreaterThan(0);

  await models.click('Delete', 'Test model without a checksum');
  await models.click('Delete', BIG_NAME);
  await models.expectState('test-unverified', 'not-downloaded');
  await models.expectState(BIG, 'not-downloaded');
  expect(await storedModels(page)).toEqual({ models: [], downloads: [], parts: 0 });
  await page.reload();
  await models.expectState('test-unverified', 'not-downloaded');
});

test('imports a local .onnx file described with the form, checked against the file', async ({ page }) => {
  const models = new ModelsPage(page);
  await models.open();
  await page.getByTestId('model-file-input').setInputFiles({
    name: 'notes.onnx',
    mimeType: 'application/octet-stream',
    buffer: Buffer.from('not a model'),
  });
  await expect(page.getByTestId('import-error')).toContainText('not an ONNX model');

  const descriptor = mdxDescriptor({ id: 'x', nFft: 5120, dimF: 2048, dimT: 128 });
  const bytes = buildMdxMaskModel(descriptor, new Float32Array(2048).fill(1));
  await models.pickModelFile({
    name: 'My_UVR_Karaoke.onnx',
    mimeType: 'application/octet-stream',
    buffer: Buffer.from(bytes),
  });
  const form = page.getByTestId('import-form');
  await expect(form).toContainText('n_fft, compensation and primary stem are not in it');
  await expect(form.getByLabel('dim_f')).toHaveValue('2048');
  await expect(form.getByLabel('dim_t')).toHaveValue('128');
  await form.getByLabel('n_fft').fill('5120');
  await form.getByLabel('Compensation').fill('1.065');
  await form.getByLabel('Primary stem').fill('instrumental');
  await form.getByLabel('Secondary stem (mix − primary)').fill('vocals');

  // A contract the file does not have is refused, naming the difference; nothing is stored.
  await form.getByLabel('dim_t').fill('256');
  await form.getByRole('button', { name: 'Import model' }).click();
  await expect(page.getByTestId('import-error')).toContainText('does not match');
  await expect(page.getByTestId('import-error')).toContainText('axis 3');
  expect((await storedModels(page)).models).toEqual([]);

  await form.getByLabel('dim_t').fill('128');
  await form.getByRole('button', { name: 'Import model' }).click();
  await expect(page.getByTestId('import-done')).toContainText('my_uvr_karaoke');
  const row = models.row('my_uvr_karaoke');
  await expect(row).toHaveAttribute('data-state', 'ready');
  await expect(row).toContainText('Imported file');
  await expect(row.getByTestId('checksum')).toHaveAttribute('data-status', 'local');
  await expect(row).toContainText('instrumental, vocals');
  expect((await storedModels(page)).models).toEqual(['my_uvr_karaoke']);

  // The same file again gets its own id.
  await models.pickModelFile({
    name: 'My_UVR_Karaoke.onnx',
    mimeType: 'application/octet-stream',
    buffer: Buffer.from(bytes),
  });
  await page.getByTestId('import-form').getByLabel('n_fft').fill('5120');
  await page.getByTestId('import-form').getByRole('button', { name: 'Import model' }).click();
  await expect(models.row('my_uvr_karaoke-2')).toHaveAttribute('data-state', 'ready');
});
