// The installable app: manifest, precache contents, share target, update prompt.
import { expect, test } from '@playwright/test';
import { readFile, readdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { AppPage } from '../pages/app-page.ts';
import { FIXTURE_TRACKS } from '../fixtures/expected.ts';
import { DIST } from '../dist-dir.ts';

test('the manifest makes the app installable and registers it for audio files and shares', async ({ request }) => {
  const manifest = (await (await request.get('/manifest.webmanifest')).json()) as Record<string, unknown> & {
    icons: { sizes: string; purpose?: string }[];
    file_handlers: { action: string; accept: Record<string, string[]> }[];
    share_target: { action: string; method: string; params: { files: { name: string }[] } };
  };
  expect(manifest.display).toBe('standalone');
  expect(manifest.start_url).toBe('/');
  expect(manifest.icons.map((icon) => icon.sizes)).toEqual(expect.arrayContaining(['192x192', '512x512']));
  expect(manifest.icons.some((icon) => icon.purpose === 'maskable')).toBe(true);
  const extensions = Object.values(manifest.file_handlers[0]!.accept).flat();
  expect(extensions).toEqual(expect.arrayContaining(['.wav', '.mp3', '.flac', '.ogg', '.opus', '.m4a']));
  expect(manifest.share_target).toMatchObject({ action: '/share-target', method: 'POST' });
  expect(manifest.share_target.params.files[0]!.name).toBe('audio');
  for (const icon of ['icons/icon-192.png', 'icons/icon-512.png']) {
    expect((await request.get(`/${icon}`)).headers()['content-type']).toBe('image/png');
  }
});

test('every response carries the cross-origin isolation headers', async ({ request }) => {
  for (const path of ['/', '/manifest.webmanifest', '/sw.js']) {
    const headers = (await request.get(path)).headers();
    expect(headers['cross-origin-opener-policy']).toBe('same-origin');
    expect(headers['cross-origin-embedder-policy']).toBe('require-corp');
  }
});

test('the service worker precaches the app shell and the decoders, and nothing else', async () => {
  const sw = await readFile(`${DIST}sw.js`, 'utf8');
  const urls = [...sw.matchAll(/"url":"([^"]+)"/g)].map((match) => match[1]!);
  const assets = await readdir(`${DIST}assets`);
  expect(urls).toEqual(
    expect.arrayContaining(['index.html', 'manifest.webmanifest', 'favicon.svg', 'icons/icon-192.png']),
  );
  // All JS and CSS the app can load (page, import and analysis workers, lazily loaded decoders) is there...
  const neverUsed = (name: string) => name.startsWith('opus-ml-'); // speech-enhancement build we never enable
  for (const asset of assets.filter((name) => /\.(js|css)$/.test(name) && !neverUsed(name))) {
    expect(urls).toContain(`assets/${asset}`);
  }
  expect(urls.some((url) => /import\.worker/.test(url))).toBe(true);
  expect(urls.some((url) => /analysis\.worker/.test(url))).toBe(true);
  // ...and nothing that is not needed offline.
  expect(urls.filter((url) => url.endsWith('.map') || neverUsed(url.replace('assets/', '')))).toEqual([]);
});

test('audio shared to the installed app lands in the library', async ({ page }) => {
  const app = new AppPage(page);
  await app.open();
  await app.waitForServiceWorker();
  const bytes = [
    ...(await readFile(fileURLToPath(new URL(`../fixtures/${FIXTURE_TRACKS.mp3.file}`, import.meta.url)))),
  ];
  // What the OS share sheet sends: a multipart POST to the manifest's share_target action.
  const landedOn = await page.evaluate(async (data) => {
    const form = new FormData();
    form.append('audio', new File([new Uint8Array(data)], 'shared song.mp3', { type: 'audio/mpeg' }));
    const response = await fetch('/share-target', { method: 'POST', body: form });
    return response.url;
  }, bytes);
  expect(new URL(landedOn).search).toBe('?shared');
  await page.goto(landedOn);
  await app.waitForImports();
  await expect(app.row(FIXTURE_TRACKS.mp3.title)).toHaveCount(1);
  expect(new URL(page.url()).search).toBe('');
});
