// Offloading from the app: a real offload server process (tsx offload-server/src/main.ts) on a
// real WebSocket. Settings test the connection (capabilities, a wrong token); with "always
// offload", the PWA sends the track to the server, and the stems it streams back land in the
// library and equal the Node engine's; a server killed mid-job and restarted, the job goes on.
import { expect, test, type Page } from '@playwright/test';
import { AppPage, fixture } from '../pages/app-page.ts';
import { OFFLOAD_TOKEN, slowGainModel, startOffloadServer, type OffloadServer } from '../pages/offload-server.ts';
import { maxStemDifference, storedChunkCount, newestStemSetId, nodeSeparation, storedStems } from '../pages/stems.ts';
import { maskModel } from '../pages/test-models.ts';

const SONG = 'song-a-minor-120.wav';
const TITLE = 'song-a-minor-120';
const MASK = maskModel();
/** About a minute of one CPU core for the song: long enough to kill the server midway. */
const SLOW = slowGainModel(150);

let server: OffloadServer;

test.beforeAll(async ({ baseURL }) => {
  server = await startOffloadServer(new URL(baseURL!).origin, [MASK, SLOW]);
});

test.afterAll(async () => {
  await server?.close();
});

async function configure(page: Page, { token = OFFLOAD_TOKEN, policy = 'Always on the offload server' } = {}) {
  await page.goto('/#/settings');
  const section = page.getByRole('region', { name: 'Offload server' });
  await section.getByLabel('Server URL').fill(server.url);
  await section.getByLabel('Token').fill(token);
  await section.getByRole('radio', { name: policy }).check();
  await section.getByRole('button', { name: 'Test connection' }).click();
  return section;
}

async function separate(page: Page, model: string) {
  await page.getByTestId('separation-model').selectOption(model);
  await page.getByRole('radio', { name: /^All/ }).check();
  await page.getByRole('button', { name: `Separate ${TITLE}` }).click();
}

async function openSong(page: Page): Promise<AppPage> {
  const app = new AppPage(page);
  await page.goto('/');
  await app.importFiles(fixture(SONG));
  await app.openTrack(TITLE);
  return app;
}

test('Test connection shows the server’s capabilities, and says so when the token is wrong', async ({ page }) => {
  const app = new AppPage(page);
  await app.open();
  let section = await configure(page, { token: 'not-the-token' });
  await expect(section.getByTestId('offload-error')).toContainText('refused the token');
  await expect(section.getByTestId('offload-capabilities')).toHaveCount(0);

  section = await configure(page);
  const capabilities = section.getByTestId('offload-capabilities');
  await expect(capabilities).toBeVisible();
  await expect(capabilities).toContainText('protocol 1');
  await expect(section.getByTestId('offload-provider')).toContainText(/CPU|CUDA/);
  await expect(section.getByTestId('offload-models')).toContainText(MASK.descriptor.name);
  await expect(section.getByTestId('offload-models')).toContainText('Quick');
  // Kept in this browser.
  await page.reload();
  await expect(page.getByRole('region', { name: 'Offload server' }).getByLabel('Server URL')).toHaveValue(server.url);
});

test('with “always offload”, the server separates the track; its stems are in the library and equal the Node engine’s', async ({
  page,
}) => {
  test.setTimeout(120_000);
  const app = new AppPage(page);
  await app.open();
  const section = await configure(page);
  await expect(section.getByTestId('offload-capabilities')).toBeVisible();
  await openSong(page);

  // A model only the server has is offered, and runs there.
  await separate(page, MASK.descriptor.id);
  const host = new URL(server.url).host;
  const sets = page.getByTestId('stem-set');
  await expect(sets).toHaveCount(1, { timeout: 60_000 });
  await expect(sets.first().getByTestId('stem')).toHaveCount(4);
  await expect(sets.first()).toContainText(`on your offload server ${host}`);
  const masked = await storedStems(page, await newestStemSetId(page));
  const maskExpected = await nodeSeparation(fixture(SONG), MASK.descriptor.stems, MASK);
  // Float32 output: the server's engine's samples, unchanged; the same code on the same CPU.
  expect(maxStemDifference(masked, maskExpected.stems)).toBeLessThan(1e-5);

  await separate(page, 'quick');
  await expect(sets).toHaveCount(2, { timeout: 60_000 });
  const quick = await storedStems(page, await newestStemSetId(page));
  const quickExpected = await nodeSeparation(fixture(SONG), ['vocals', 'drums', 'bass', 'other']);
  expect(maxStemDifference(quick, quickExpected.stems)).toBeLessThan(1e-5);

  await page.reload();
  await expect(page.getByTestId('stem-set')).toHaveCount(2);
});

test('a server killed mid-job and restarted: the job goes on where it was and completes', async ({ page }) => {
  test.setTimeout(240_000);
  const app = new AppPage(page);
  await app.open();
  await configure(page);
  await openSong(page);
  await separate(page, SLOW.descriptor.id);
  const job = page.getByTestId('separation-job');
  await expect(job).toHaveAttribute('data-route', 'offload');
  await expect(job.getByTestId('separation-provider')).toContainText(`your offload server ${new URL(server.url).host}`);
  await expect(page.getByTestId('separation-status')).toContainText('separating on the server', { timeout: 60_000 });
  // Some stems are already stored: the job must go on from them, not lose them.
  await expect.poll(() => storedChunkCount(page), { timeout: 60_000 }).toBeGreaterThan(0);
  await expect(job).toHaveAttribute('data-state', 'running');

  await server.kill();
  await expect(page.getByTestId('separation-status')).toContainText('reconnecting', { timeout: 30_000 });
  await server.restart();

  const sets = page.getByTestId('stem-set');
  await expect(sets).toHaveCount(1, { timeout: 180_000 });
  const stored = await storedStems(page, await newestStemSetId(page));
  const expected = await nodeSeparation(fixture(SONG), SLOW.descriptor.stems, SLOW);
  expect(maxStemDifference(stored, expected.stems)).toBeLessThan(1e-5);
});

async function stemBytesSent(): Promise<number> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith('sfa_bytes_sent_total '));
  return line ? Number(line.split(' ')[1]) : 0;
}

test('a reload mid-job: the job goes on from its stored chunks, which check against the server’s hashes', async ({
  page,
}) => {
  test.setTimeout(240_000);
  const app = new AppPage(page);
  await app.open();
  await configure(page);
  await openSong(page);
  const sentBefore = await stemBytesSent();
  await separate(page, SLOW.descriptor.id);
  // Past half the stems stored, so that fetching them all again would show in the count below.
  await expect.poll(() => storedChunkCount(page), { timeout: 90_000 }).toBeGreaterThanOrEqual(2);
  await page.reload();

  const sets = page.getByTestId('stem-set');
  await expect(sets).toHaveCount(1, { timeout: 180_000 });
  const stored = await storedStems(page, await newestStemSetId(page));
  const expected = await nodeSeparation(fixture(SONG), SLOW.descriptor.stems, SLOW);
  expect(maxStemDifference(stored, expected.stems)).toBeLessThan(1e-5);
  // Each stem byte crossed once (a float WAV: 4 bytes a sample, a short header): had the held
  // bytes not hashed to the server's checksum, the stems would have come again from byte 0.
  const samples = expected.stems[SLOW.descriptor.stems[0]!]!.reduce((sum, channel) => sum + channel.length, 0);
  const stemBytes = SLOW.descriptor.stems.length * samples * 4;
  const sent = (await stemBytesSent()) - sentBefore;
  expect(sent).toBeGreaterThanOrEqual(stemBytes);
  expect(sent).toBeLessThan(stemBytes * 1.5);
});

test('a server gone for good: the job says so and offers to finish on this device, which completes it', async ({
  page,
}) => {
  test.setTimeout(180_000);
  const app = new AppPage(page);
  await app.open();
  await configure(page);
  await openSong(page);
  await server.kill();
  try {
    await separate(page, 'quick');
    const job = page.getByTestId('separation-job');
    await expect(job).toHaveAttribute('data-route', 'offload');
    // The client tries again for a while (about 45 s) before it calls the server gone.
    await expect(job).toHaveAttribute('data-state', 'failed', { timeout: 120_000 });
    await expect(job).toContainText('offload server');
    await expect(job.getByRole('button', { name: 'Retry on server' })).toBeVisible();
    await job.getByRole('button', { name: 'Finish on this device' }).click();
    const sets = page.getByTestId('stem-set');
    await expect(sets).toHaveCount(1, { timeout: 60_000 });
    await expect(sets).toContainText('built-in DSP');
    const stored = await storedStems(page, await newestStemSetId(page));
    const expected = await nodeSeparation(fixture(SONG), ['vocals', 'drums', 'bass', 'other']);
    expect(maxStemDifference(stored, expected.stems)).toBeLessThan(1e-5);
  } finally {
    await server.restart();
  }
});
