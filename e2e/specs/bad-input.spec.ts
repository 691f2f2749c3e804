// Bad files get a clear message naming the file and what is wrong; the library is untouched.
import { expect, test } from '@playwright/test';
import { encodeWav } from '../../shared/src/audio/wav-encode.ts';
import { AppPage, fixture, storedCounts } from '../pages/app-page.ts';
import { FIXTURE_TRACKS } from '../fixtures/expected.ts';

test('refuses a corrupt FLAC and a text file renamed .mp3, leaving the library as it was', async ({ page }) => {
  const app = new AppPage(page);
  await app.open();
  await app.importFiles(fixture(FIXTURE_TRACKS.wav.file));
  await expect(app.rows()).toHaveCount(1);

  await app.importFiles([fixture('corrupt.flac'), fixture('not-audio.mp3')]);
  const messages = page.getByTestId('import-message');
  await expect(messages.filter({ hasText: 'corrupt.flac:' })).toHaveCount(1);
  await expect(messages.filter({ hasText: /not-audio\.mp3: .*not an audio file/i })).toHaveCount(1);
  await expect(app.rows()).toHaveCount(1);
  await page.reload();
  await expect(app.rows()).toHaveCount(1);
  await expect(app.row(FIXTURE_TRACKS.wav.title)).toHaveCount(1);
});

test('says what is wrong with empty, silent-by-construction, truncated and unsupported files', async ({ page }) => {
  const app = new AppPage(page);
  await app.open();
  await app.importFiles([
    fixture('empty.mp3'),
    fixture('empty-audio.wav'),
    fixture('truncated.wav'),
    fixture('adpcm.wav'),
  ]);
  const messageOf = (name: string) => page.getByTestId('import-message').filter({ hasText: `${name}:` });
  await expect(messageOf('empty.mp3')).toContainText(/empty/i);
  await expect(messageOf('empty-audio.wav')).toContainText(/no audio/i);
  await expect(messageOf('truncated.wav')).toContainText(/truncated/i);
  await expect(messageOf('adpcm.wav')).toContainText(/unsupported codec/i);
  await expect(app.rows()).toHaveCount(0);
});

test('imports the good files of 20 dropped at once and reports the bad ones', async ({ page }) => {
  const app = new AppPage(page);
  await app.open();
  const good = Array.from({ length: 15 }, (_, i) => {
    const sampleRate = [8000, 22_050, 44_100, 48_000, 96_000][i % 5]!;
    const channel = new Float32Array(Math.round(sampleRate * (0.5 + i * 0.1)));
    for (let n = 0; n < channel.length; n++)
      channel[n] = 0.3 * Math.sin((2 * Math.PI * (200 + 37 * i) * n) / sampleRate);
    const channels = i % 3 === 0 ? [channel] : [channel, channel.map((v) => -v)];
    return {
      name: `batch ${String(i).padStart(2, '0')}.wav`,
      mimeType: 'audio/wav',
      buffer: Buffer.from(encodeWav(channels, sampleRate, 16)),
    };
  });
  const bad = [
    { name: 'notes.mp3', mimeType: 'audio/mpeg', buffer: Buffer.from('These are my notes, not a song.\n') },
    { name: 'page.flac', mimeType: 'audio/flac', buffer: Buffer.from('<!doctype html><html><body>404</body></html>') },
    { name: 'zeros.wav', mimeType: 'audio/wav', buffer: Buffer.alloc(4096) },
    { name: 'nothing.ogg', mimeType: 'audio/ogg', buffer: Buffer.alloc(0) },
    { name: 'half.wav', mimeType: 'audio/wav', buffer: Buffer.from(good[0]!.buffer.subarray(0, 2000)) },
  ];
  // Drop them on the page the way a file manager would.
  const files = [...good, ...bad].map((file) => ({
    name: file.name,
    type: file.mimeType,
    base64: file.buffer.toString('base64'),
  }));
  await page.evaluate((list) => {
    const transfer = new DataTransfer();
    for (const file of list) {
      const bytes = Uint8Array.from(atob(file.base64), (char) => char.charCodeAt(0));
      transfer.items.add(new File([bytes], file.name, { type: file.type }));
    }
    for (const type of ['dragenter', 'dragover', 'drop']) {
      window.dispatchEvent(new DragEvent(type, { dataTransfer: transfer, bubbles: true, cancelable: true }));
    }
  }, files);
  await app.waitForImports();
  await expect(app.rows()).toHaveCount(15);
  await expect(app.importItems().and(page.locator('[data-status="failed"]'))).toHaveCount(5);
  for (const file of bad)
    await expect(page.getByTestId('import-message').filter({ hasText: `${file.name}:` })).toHaveCount(1);
  await expect(page.getByTestId('import-panel')).toContainText('15 added, 5 not imported');
});

test('storage full: a clear message and no half-written track', async ({ page }) => {
  const app = new AppPage(page);
  await app.open();
  // Shrink this origin's quota below what an import needs. (Chromium honours the override only
  // while the origin has written nothing to IndexedDB yet, so it comes first.)
  const session = await page.context().newCDPSession(page);
  const origin = new URL(page.url()).origin;
  await session.send('Storage.overrideQuotaForOrigin', { origin, quotaSize: 16 * 1024 });
  await app.importFiles(fixture(FIXTURE_TRACKS.flac.file));
  await expect(page.getByTestId('import-message').filter({ hasText: `${FIXTURE_TRACKS.flac.file}:` })).toContainText(
    /storage is full/i,
  );
  await expect(app.rows()).toHaveCount(0);
  expect(await storedCounts(page)).toEqual({ tracks: 0, files: 0, peaks: 0 });

  // With room again, the same file imports.
  await session.send('Storage.overrideQuotaForOrigin', { origin });
  await page.reload();
  await app.importFiles(fixture(FIXTURE_TRACKS.flac.file));
  await expect(app.row(FIXTURE_TRACKS.flac.title)).toHaveCount(1);
  expect(await storedCounts(page)).toEqual({ tracks: 1, files: 1, peaks: 1 });
});
