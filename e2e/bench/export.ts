// `npm run bench:export`: exporting in the app, in headless Chromium against the production
// build. A 4-minute 44.1 kHz stereo song is imported and separated with Quick, then its 4 stems
// are exported as WAV 24, FLAC 24 and MP3 (VBR V2), each as separate files, and as one ZIP of
// WAV 24: seconds from the click on Export to the files listed, and × real time (the song's
// length over that). The reference, measured in the same run and page: reading every stored
// chunk from IndexedDB once, one chunk per transaction as the export worker does, without
// encoding (an export reads them once per file). Memory during the ZIP export: the RSS of every
// renderer process of this browser (the tab and its workers), from /proc every 100 ms.
// Figures come from one run on a shared machine: compare ratios, not absolute times.
import { chromium, type Page } from 'playwright-core';
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { encodeWav } from '../../shared/src/audio/wav-encode.ts';
import { DIST } from '../dist-dir.ts';
import { CHROMIUM_ARGS, findChromium } from '../find-chromium.mjs';
import { serveStatic } from '../static-server.ts';
import { synthesiseSong } from './song.ts';
import { rendererRssMb, sampleRendererMemory } from './renderer-memory.ts';
import { measureMixerLoad, measureWorkletOffline, printMixerLoad, workletPath } from './mixer-load.ts';

const RATE = 44_100;
const SONG_SEC = 240;
const PORT = Number(process.env.BENCH_PORT ?? 4198);
const WORK_DIR = new URL('../.bench/', import.meta.url);
const TITLE = `bench-export-${SONG_SEC}s`;
const STEMS = ['vocals', 'drums', 'bass', 'other'];

let browserPid = 0;

async function songFile(): Promise<string> {
  await mkdir(WORK_DIR, { recursive: true });
  const path = fileURLToPath(new URL(`${TITLE}.wav`, WORK_DIR));
  await writeFile(path, encodeWav(synthesiseSong(SONG_SEC, RATE), RATE, 16));
  return path;
}

async function importAndSeparate(page: Page, file: string): Promise<void> {
  await page.getByTestId('file-input').setInputFiles(file);
  const link = page.getByRole('link', { name: TITLE, exact: true });
  await link.waitFor({ timeout: 180_000 });
  await link.click();
  await page.getByTestId('separation-model').selectOption('quick');
  await page.getByRole('button', { name: `Separate ${TITLE}` }).click();
  await page.getByTestId('open-export').click({ timeout: 600_000 });
  await page.getByTestId('export-panel').waitFor();
}

/** Reads every chunk of the newest stem set once, one transaction each; milliseconds. */
function readAllChunksMs(page: Page): Promise<number> {
  return page.evaluate(async () => {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const request = indexedDB.open('sound-forge-alchemy');
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
    const get = <T>(store: string, key: IDBValidKey | IDBKeyRange) =>
      new Promise<T>((resolve, reject) => {
        const request = db.transaction(store).objectStore(store).get(key);
        request.onsuccess = () => resolve(request.result as T);
        request.onerror = () => reject(request.error);
      });
    const sets = await new Promise<{ id: string; createdAt: number }[]>((resolve, reject) => {
      const request = db.transaction('stemSets').objectStore('stemSets').getAll();
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
    const id = sets.sort((a, b) => b.createdAt - a.createdAt)[0]!.id;
    const started = performance.now();
    // Each value arrives deserialised (structured clone): every sample is read.
    for (let index = 0; await get<unknown>('stemChunks', [id, index]); index++);
    const ms = performance.now() - started;
    db.close();
    return ms;
  });
}

interface ExportCase {
  label: string;
  format: string;
  mp3Quality?: number;
  zip: boolean;
  names: string[];
}

/** Runs one export through the panel; milliseconds from the click to every file listed. */
async function timeExport(page: Page, run: ExportCase): Promise<number> {
  const panel = page.getByTestId('export-panel');
  await panel.getByRole('radio', { name: 'Each stem as a file' }).check();
  for (const stem of STEMS) await panel.getByRole('checkbox', { name: stem, exact: true }).check();
  await panel.getByTestId('export-format').selectOption(run.format);
  if (run.mp3Quality !== undefined) {
    await panel.getByRole('radio', { name: 'Variable bit rate' }).check();
    await panel.getByTestId('export-vbr-quality').selectOption(String(run.mp3Quality));
  }
  await panel.getByRole('checkbox', { name: 'As one ZIP' }).setChecked(run.zip);
  const started = performance.now();
  await panel.getByTestId('export-start').click();
  for (const name of run.names) {
    await panel.locator(`[data-testid="export-result"][data-name="${name}"]`).waitFor({ timeout: 600_000 });
  }
  const ms = performance.now() - started;
  const error = panel.getByTestId('export-error');
  if (await error.count()) throw new Error(`${run.label}: ${await error.innerText()}`);
  return ms;
}

async function main(): Promise<void> {
  const song = await songFile();
  const server = await serveStatic(DIST, PORT);
  const browserServer = await chromium.launchServer({ executablePath: findChromium(), args: CHROMIUM_ARGS });
  browserPid = browserServer.process().pid ?? 0;
  const browser = await chromium.connect(browserServer.wsEndpoint());
  try {
    // No service worker: its background precaching would compete with the first import.
    const context = await browser.newContext({ baseURL: `http://localhost:${PORT}`, serviceWorkers: 'block' });
    // tsx compiles with esbuild's keepNames, which wraps named functions in a `__name` helper
    // that does not exist in the page the callbacks below are sent to.
    await context.addInitScript('globalThis.__name = (target) => target;');
    const page = await context.newPage();
    await page.goto('/');
    await page.getByRole('heading', { name: 'Library' }).waitFor();
    console.log(
      `bench:export — ${new Date().toISOString()} — Chromium ${browser.version()} — ${cpus()[0]?.model} × ${cpus().length}`,
    );
    console.log(
      `${SONG_SEC / 60}-minute song, ${RATE / 1000} kHz stereo, separated with Quick into ${STEMS.length} stems\n`,
    );
    await importAndSeparate(page, song);

    // Twice: the first read also warms IndexedDB's caches; the second is the reference.
    await readAllChunksMs(page);
    const readMs = await readAllChunksMs(page);

    const stemNames = (extension: string) => STEMS.map((stem) => `${TITLE} (${stem}).${extension}`);
    const cases: ExportCase[] = [
      { label: 'WAV 24, 4 files', format: 'wav24', zip: false, names: stemNames('wav') },
      { label: 'FLAC 24, 4 files', format: 'flac24', zip: false, names: stemNames('flac') },
      { label: 'MP3 VBR V2, 4 files', format: 'mp3', mp3Quality: 2, zip: false, names: stemNames('mp3') },
      { label: 'ZIP of 4 WAV 24', format: 'wav24', zip: true, names: [`${TITLE} (stems).zip`] },
    ];
    const rows: string[] = [];
    let beforeZipMb = 0;
    let zipPeakMb = 0;
    for (const run of cases) {
      if (run.zip) beforeZipMb = await rendererRssMb(browserPid);
      const memory = run.zip ? sampleRendererMemory(browserPid) : undefined;
      const ms = await timeExport(page, run);
      if (memory) zipPeakMb = await memory.stop();
      const bytes = await page
        .getByTestId('export-result')
        .evaluateAll(
          (rows, names) =>
            rows
              .filter((row) => names.includes(row.getAttribute('data-name') ?? ''))
              .reduce((sum, row) => sum + Number(row.getAttribute('data-bytes')), 0),
          run.names,
        );
      rows.push(
        `| ${run.label} | ${(ms / 1000).toFixed(2)} s | ${(SONG_SEC / (ms / 1000)).toFixed(0)}x | ` +
          `${(ms / (readMs * STEMS.length)).toFixed(1)}x | ${(bytes / 1e6).toFixed(0)} MB |`,
      );
    }
    console.log('| export | time | × real time | / reading the chunks once per stem | bytes |');
    console.log('|---|---|---|---|---|');
    for (const row of rows) console.log(row);
    console.log(
      `\nReference: reading all ${STEMS.length} stems' chunks from IndexedDB once takes ${(readMs / 1000).toFixed(2)} s ` +
        `(an export reads them once per file: ${((readMs * STEMS.length) / 1000).toFixed(2)} s for 4 files).`,
    );
    console.log(
      `Memory (RSS of the browser's renderer processes, /proc every 100 ms): ${beforeZipMb.toFixed(0)} MB just before ` +
        `the ZIP export, peak ${zipPeakMb.toFixed(0)} MB during it (the ZIP is ${STEMS.length} × ` +
        `${((SONG_SEC * RATE * 2 * 3) / 1e6).toFixed(0)} MB of WAV).`,
    );

    printMixerLoad(
      await measureWorkletOffline(page, await workletPath(DIST)),
      "Mixer processor, 4 stereo stems, rendered offline (the built app's worklet; page clock): time per 128-frame quantum against its real-time budget",
    );
    printMixerLoad(
      await measureMixerLoad(page),
      'Mixer in the app, 4 stems playing in real time ("Audio load": the worklet\'s own clock, 1 ms resolution)',
    );
    await context.close();
  } finally {
    await browser.close();
    await browserServer.close();
    server.close();
  }
}

await main();
