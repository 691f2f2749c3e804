// `npm run bench:import`: time from drop to "stored with peaks" for 4-minute MP3 and WAV files
// (and 10-minute ones for the long-task check) in headless Chromium against the production
// build, the main thread's longest task meanwhile, and the JS shipped on first load. The
// reference, measured in the same run and page: Chromium's own decodeAudioData of the same
// file (no hashing, peaks or storage), so the ratio says what our pipeline costs on top.
import { spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import { chromium } from 'playwright-core';
import { encodeWav } from '../../shared/src/audio/wav-encode.ts';
import { CHROMIUM_ARGS, findChromium } from '../find-chromium.mjs';
import { encodeMp3 } from '../mp3-encode.ts';
import { synthesiseSong } from './song.ts';

const PORT = 4190;
const SAMPLE_RATE = 44_100;
const WORK_DIR = new URL('../.bench/', import.meta.url);

async function makeFiles(): Promise<{ label: string; path: string; bytes: number }[]> {
  await mkdir(WORK_DIR, { recursive: true });
  const files = [];
  for (const minutes of [4, 10]) {
    const song = synthesiseSong(minutes * 60, SAMPLE_RATE);
    for (const [format, bytes] of [
      ['mp3', await encodeMp3(song, SAMPLE_RATE)],
      ['wav', encodeWav(song, SAMPLE_RATE, 16)],
    ] as const) {
      const path = new URL(`song-${minutes}min.${format}`, WORK_DIR).pathname;
      await writeFile(path, bytes);
      files.push({ label: `${minutes}-min ${format.toUpperCase()}`, path, bytes: bytes.length });
    }
  }
  return files;
}

async function startPreview(): Promise<() => void> {
  const vite = new URL('../../node_modules/vite/bin/vite.js', import.meta.url).pathname;
  const server = spawn(process.execPath, [vite, 'preview', '--port', String(PORT), '--strictPort'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    server.stdout.on('data', (chunk) => String(chunk).includes('Local') && resolve());
    server.on('exit', (code) => reject(new Error(`vite preview exited with ${code}`)));
  });
  return () => server.kill('SIGTERM');
}

const files = await makeFiles();
const stop = await startPreview();
const browser = await chromium.launch({ executablePath: findChromium(), args: CHROMIUM_ARGS });
try {
  // No service worker: its background precaching would compete with the first import.
  const context = await browser.newContext({ serviceWorkers: 'block' });
  // tsx compiles with esbuild's keepNames, which wraps named functions in a `__name` helper
  // that does not exist in the page the callbacks below are sent to.
  await context.addInitScript('globalThis.__name = (target) => target;');
  const page = await context.newPage();

  // JS shipped for the first load: every script response before the library is shown.
  const scripts = new Map<string, number>();
  page.on('response', async (response) => {
    if (response.request().resourceType() === 'script' || response.url().endsWith('.js')) {
      scripts.set(response.url(), gzipSync(await response.body()).length);
    }
  });
  await page.goto(`http://localhost:${PORT}/`);
  await page.getByRole('heading', { name: 'Library' }).waitFor();
  await page.waitForLoadState('networkidle');
  const firstLoadKb = [...scripts.values()].reduce((sum, size) => sum + size, 0) / 1024;
  const firstLoadFiles = scripts.size;
  page.removeAllListeners('response');

  await page.evaluate(() => {
    const win = window as unknown as { __longTasks: PerformanceEntry[] };
    win.__longTasks = [];
    new PerformanceObserver((list) => win.__longTasks.push(...list.getEntries())).observe({ type: 'longtask' });
  });

  console.log(`bench:import — ${new Date().toISOString()} — Chromium ${browser.version()}`);
  console.log(`first load: ${firstLoadKb.toFixed(1)} KB of JS, gzip (${firstLoadFiles} files; no ORT yet)\n`);
  console.log(
    'file             size      import (drop→stored)   native decodeAudioData   ratio   longest main-thread task',
  );

  for (const file of files) {
    await page.evaluate(() => {
      const win = window as unknown as { __longTasks: PerformanceEntry[]; __pickedAt: number; __picked: File };
      win.__longTasks = [];
      const input = document.querySelector<HTMLInputElement>('[data-testid="file-input"]')!;
      input.addEventListener(
        'change',
        () => {
          win.__pickedAt = performance.now();
          win.__picked = input.files![0]!;
        },
        { once: true, capture: true },
      );
    });
    // The user's path: the button opens the picker (and starts the import worker), a file is chosen.
    const [chooser] = await Promise.all([
      page.waitForEvent('filechooser'),
      page.getByRole('button', { name: 'Add audio files…' }).click(),
    ]);
    await chooser.setFiles(file.path);
    const fileName = file.path.split('/').pop()!;
    const importMs = await page.evaluate(async (name) => {
      const win = window as unknown as { __pickedAt: number };
      const done = () =>
        [...document.querySelectorAll('[data-testid="import-item"]')].find(
          (item) =>
            item.textContent?.includes(name) &&
            item.getAttribute('data-status') !== 'importing' &&
            item.getAttribute('data-status') !== 'queued',
        );
      await new Promise<void>((resolve) => {
        if (done()) return resolve();
        const observer = new MutationObserver(() => done() && (observer.disconnect(), resolve()));
        observer.observe(document.body, { subtree: true, childList: true, attributes: true });
      });
      if (done()!.getAttribute('data-status') !== 'imported') throw new Error(`import failed: ${done()!.textContent}`);
      return performance.now() - win.__pickedAt;
    }, fileName);
    const longestTask = await page.evaluate(() =>
      Math.max(
        0,
        ...(window as unknown as { __longTasks: PerformanceEntry[] }).__longTasks.map((task) => task.duration),
      ),
    );
    // Reference: the browser's own decoder on the same file, in the same page, after the
    // import (so it cannot warm anything up for us).
    const nativeMs = await page
      .evaluate(async () => {
        const bytes = await (window as unknown as { __picked: File }).__picked.arrayBuffer();
        const context = new OfflineAudioContext(2, 1, 44_100);
        const start = performance.now();
        await context.decodeAudioData(bytes);
        return performance.now() - start;
      })
      .catch(() => Number.NaN);
    const ratio = Number.isFinite(nativeMs) ? `${(importMs / nativeMs).toFixed(2)}x` : 'n/a';
    console.log(
      `${file.label.padEnd(16)} ${(file.bytes / 1024 ** 2).toFixed(1).padStart(5)} MB  ${importMs.toFixed(0).padStart(10)} ms  ${Number.isFinite(nativeMs) ? nativeMs.toFixed(0).padStart(15) + ' ms' : '            n/a'}  ${ratio.padStart(10)}   ${longestTask === 0 ? 'none over 50 ms' : `${longestTask.toFixed(0)} ms`}`,
    );
  }

  // Opening the longest track for playback: decode in the worker, AudioBuffer on the page.
  const longest = files.at(-1)!;
  await page.evaluate(() => ((window as unknown as { __longTasks: PerformanceEntry[] }).__longTasks = []));
  const openStart = Date.now();
  await page.getByRole('row', { name: /PCM/ }).filter({ hasText: '10:00' }).getByRole('link').click();
  await page.getByTestId('play').and(page.locator(':not([disabled])')).waitFor({ timeout: 120_000 });
  const openMs = Date.now() - openStart;
  const openLongest = await page.evaluate(() =>
    Math.max(0, ...(window as unknown as { __longTasks: PerformanceEntry[] }).__longTasks.map((task) => task.duration)),
  );
  console.log(
    `\nopen ${longest.label} for playback: ${openMs} ms to playable; longest main-thread task ${openLongest === 0 ? 'none over 50 ms' : `${openLongest.toFixed(0)} ms`}`,
  );
} finally {
  await browser.close();
  stop();
}
