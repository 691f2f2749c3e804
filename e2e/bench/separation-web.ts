// `npm run bench:separation-web`: separation in the app, in headless Chromium, with the model of
// htdemucs's contract, layers and size the engine's benchmark uses (random weights):
//   - the whole job in the app on WASM with 1 and 2 threads: wall time, real-time factor, the
//     time inside session.run (the job records it), and the app's share on top of those runs;
//   - in the same run, the bare session.run of the same model on onnxruntime-node (1 and 2
//     threads), and the ratio of web to native per run;
//   - time from "Separate" to the first stem audible (the model on 30 s; Quick on 4 minutes);
//   - the tab's peak memory (every renderer process's RSS, sampled) for a 10-minute track: the
//     model's job over its first segments (memory is flat after the first), and Quick's whole job.
// Figures come from one run on a shared machine: compare ratios, not absolute times.

import { chromium, type Browser, type Page } from 'playwright-core';
import * as ortNode from 'onnxruntime-node';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { encodeWav } from '../../shared/src/audio/wav-encode.ts';
import { htdemucsDescriptor } from '../../shared/src/separation/descriptor-presets.ts';
import { buildHtdemucsLikeModel } from '../../models/builders/htdemucs-like.ts';
import { DIST } from '../dist-dir.ts';
import { rendererRssMb, sampleRendererMemory } from './renderer-memory.ts';
import { CHROMIUM_ARGS, findChromium } from '../find-chromium.mjs';
import { startModelServer } from '../model-server.ts';
import { storeModelFromUrl } from '../pages/stored-model.ts';
import { serveStatic } from '../static-server.ts';
import { synthesiseSong } from './song.ts';

const RATE = 44_100;
const PORT = Number(process.env.BENCH_PORT ?? 4196);
const WORK_DIR = new URL('../.bench/', import.meta.url);
const MODEL_PATH = fileURLToPath(new URL('htdemucs-like.onnx', WORK_DIR));
const JOB_SEC = 30;
const descriptor = htdemucsDescriptor({ id: 'htdemucs-like', name: 'htdemucs-sized test model' });

async function modelBytes(): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(MODEL_PATH));
  } catch {
    const { bytes } = buildHtdemucsLikeModel(descriptor);
    await mkdir(WORK_DIR, { recursive: true });
    await writeFile(MODEL_PATH, bytes);
    return bytes;
  }
}

async function songFile(seconds: number): Promise<string> {
  const path = fileURLToPath(new URL(`bench-song-${seconds}s.wav`, WORK_DIR));
  try {
    await readFile(path, { flag: 'r' }).then(() => undefined);
  } catch {
    await writeFile(path, encodeWav(synthesiseSong(seconds, RATE), RATE, 16));
  }
  return path;
}

/** Mean milliseconds of one bare session.run on onnxruntime-node (after a warm-up run). */
async function nodeRunMs(bytes: Uint8Array, threads: number): Promise<number> {
  const session = await ortNode.InferenceSession.create(bytes, {
    executionProviders: ['cpu'],
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
  });
  const { waveform, spectrogram } = descriptor.contract.inputs as Record<string, { name: string; shape: number[] }>;
  const tensor = (shape: number[]) =>
    new ortNode.Tensor('float32', Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, Math.random), shape);
  const feeds = { [waveform!.name]: tensor(waveform!.shape), [spectrogram!.name]: tensor(spectrogram!.shape) };
  await session.run(feeds);
  const runs = 3;
  const started = performance.now();
  for (let i = 0; i < runs; i++) await session.run(feeds);
  const ms = (performance.now() - started) / runs;
  await session.release();
  return ms;
}

let browserPid = 0;

interface JobFigures {
  jobMs: number;
  modelRunMs?: number;
  modelRuns?: number;
  /** From the click on Separate to the first stem sounding: the finished stem, and a preview of what is stored. */
  firstAudibleMs: number;
  firstPreviewMs?: number;
  peakRssMb: number;
}

async function openApp(browser: Browser, threads?: number): Promise<Page> {
  const context = await browser.newContext({ baseURL: `http://localhost:${PORT}` });
  const page = await context.newPage();
  await page.goto('/');
  if (threads) await page.evaluate((t) => localStorage.setItem('sfa.wasmThreads', String(t)), threads);
  await page.reload();
  await page.getByRole('heading', { name: 'Library' }).waitFor();
  return page;
}

async function importAndOpen(page: Page, file: string): Promise<void> {
  await page.getByTestId('file-input').setInputFiles(file);
  const title = file
    .split('/')
    .pop()!
    .replace(/\.wav$/, '');
  const link = page.getByRole('link', { name: title, exact: true });
  await link.waitFor({ timeout: 180_000 });
  await link.click();
  await page.getByTestId('play').waitFor({ state: 'visible' });
  await page.waitForFunction(
    () => !(document.querySelector('[data-testid=play]') as HTMLButtonElement).disabled,
    undefined,
    {
      timeout: 180_000,
    },
  );
}

async function stemSetTiming(page: Page): Promise<{ jobMs: number; modelRunMs?: number; modelRuns?: number }> {
  return page.evaluate(async () => {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const request = indexedDB.open('sound-forge-alchemy');
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
    const sets = await new Promise<{ createdAt: number; timing: { jobMs: number } }[]>((resolve) => {
      const request = db.transaction('stemSets').objectStore('stemSets').getAll();
      request.onsuccess = () => resolve(request.result);
    });
    db.close();
    return sets.sort((a, b) => b.createdAt - a.createdAt)[0]!.timing;
  });
}

/** Runs one separation from the track view; with `stopAfterSegments`, cancels after that many. */
async function separateAndListen(page: Page, modelId: string, stopAfterSegments?: number): Promise<JobFigures> {
  await page.getByTestId('separation-model').selectOption(modelId);
  const memory = sampleRendererMemory(browserPid, 250);
  const started = performance.now();
  await page.getByRole('button', { name: /^Separate / }).click();
  if (stopAfterSegments) {
    await page
      .getByTestId('separation-status')
      .filter({ hasText: new RegExp(`segment (${stopAfterSegments}|[${stopAfterSegments + 1}-9]\\d*) of`) })
      .waitFor({ timeout: 600_000 });
    const peakRssMb = await memory.stop();
    await page.getByRole('button', { name: 'Cancel' }).click();
    return { jobMs: performance.now() - started, firstAudibleMs: NaN, peakRssMb };
  }
  // Meanwhile, the first stem stored so far is played as soon as the job offers it.
  const preview = page.getByTestId('stem-preview');
  const previewed = (async () => {
    try {
      await preview.getByRole('button').first().click({ timeout: 1_200_000 });
      await preview.getByRole('button', { pressed: true }).waitFor({ timeout: 60_000 });
      return performance.now() - started;
    } catch {
      return undefined; // the job ended first (Quick)
    }
  })();
  const set = page.getByTestId('stem-set').first();
  await set.waitFor({ timeout: 1_200_000 });
  const firstPreviewMs = await Promise.race([
    previewed,
    new Promise<undefined>((resolve) => setTimeout(resolve, 2_000, undefined)),
  ]);
  const peakRssMb = await memory.stop();
  // The finished stems play in the mixer: audible once it has loaded them and started.
  await set.getByTestId('open-mixer').click();
  await page.getByTestId('mixer-play').click();
  await page.locator('[data-testid="mixer-play"][aria-label="Pause mix"]').waitFor({ timeout: 60_000 });
  const firstAudibleMs = performance.now() - started;
  return { ...(await stemSetTiming(page)), firstAudibleMs, firstPreviewMs, peakRssMb };
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

async function main(): Promise<void> {
  const bytes = await modelBytes();
  const [song30, song240, song600] = [await songFile(JOB_SEC), await songFile(240), await songFile(600)];
  const server = await serveStatic(DIST, PORT);
  const models = await startModelServer({ models: [{ descriptor, bytes }] });
  const storeModel = (page: Page) =>
    storeModelFromUrl(page, descriptor, models.modelUrl(descriptor.id), models.sha256(descriptor.id));
  const browserServer = await chromium.launchServer({ executablePath: findChromium(), args: CHROMIUM_ARGS });
  browserPid = browserServer.process().pid ?? 0;
  const browser = await chromium.connect(browserServer.wsEndpoint());
  console.log(`CPU: ${cpus()[0]?.model} × ${cpus().length}; model ${(bytes.length / 1e6).toFixed(0)} MB`);
  try {
    const rows: string[] = [];
    const jobs: Record<number, JobFigures> = {};
    for (const threads of [1, 2]) {
      const node = await nodeRunMs(bytes, threads);
      const page = await openApp(browser, threads);
      await storeModel(page);
      await importAndOpen(page, song30);
      const job = await separateAndListen(page, descriptor.id);
      jobs[threads] = job;
      const perRun = job.modelRunMs! / job.modelRuns!;
      rows.push(
        `| WASM, ${threads} thread${threads > 1 ? 's' : ''} | ${seconds(job.jobMs)} | ${(job.jobMs / 1000 / JOB_SEC).toFixed(2)} | ` +
          `${job.modelRuns} × ${seconds(perRun)} = ${seconds(job.modelRunMs!)} | ${((job.jobMs / job.modelRunMs! - 1) * 100).toFixed(1)}% | ` +
          `${seconds(node)} | ${(perRun / node).toFixed(2)}x |`,
      );
      await page.context().close();
    }
    console.log(`\nThe ${JOB_SEC} s song, htdemucs-sized model, whole job in the app (decode, model, storage):\n`);
    console.log(
      '| runtime | job | RTF | inside session.run | app on top of the runs | bare run, onnxruntime-node | web / node per run |',
    );
    console.log('|---|---|---|---|---|---|---|');
    for (const row of rows) console.log(row);
    const preview = jobs[2]!.firstPreviewMs;
    console.log(
      `\nSeparate → first stem audible, model, 30 s song, 2 threads: ${preview ? `${seconds(preview)} (a preview of what is stored); ` : ''}` +
        `${seconds(jobs[2]!.firstAudibleMs)} for the finished stem`,
    );

    const quickPage = await openApp(browser);
    await importAndOpen(quickPage, song240);
    const quick = await separateAndListen(quickPage, 'quick');
    console.log(
      `Separate → first stem audible, Quick, 4-minute song: ${seconds(quick.firstAudibleMs)} (job ${seconds(quick.jobMs)})`,
    );
    await quickPage.context().close();

    const memoryPage = await openApp(browser, 2);
    await storeModel(memoryPage);
    await importAndOpen(memoryPage, song600);
    const idle = await rendererRssMb(browserPid);
    const modelMemory = await separateAndListen(memoryPage, descriptor.id, 3);
    const quickMemory = await separateAndListen(memoryPage, 'quick');
    console.log(
      `\nTab memory, 10-minute song (renderer RSS; ${idle.toFixed(0)} MB with the track open before separating):`,
    );
    console.log(`  model on WASM, first 3 segments: peak ${modelMemory.peakRssMb.toFixed(0)} MB`);
    console.log(`  Quick, whole job: peak ${quickMemory.peakRssMb.toFixed(0)} MB (job ${seconds(quickMemory.jobMs)})`);
    await memoryPage.context().close();
  } finally {
    await browser.close();
    await browserServer.close();
    server.close();
    await models.close();
  }
}

await main();
