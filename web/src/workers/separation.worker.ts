// Stem separation off the main thread: onnxruntime-web (WebGPU or WASM) or the built-in Quick
// separator, run as stored jobs that resume after a reload. Also what this device can do, a
// calibration run per model, and a check run for models with no verified checksum.
// Exposed with comlink; the page imports only its type.
import * as Comlink from 'comlink';
import './comlink-errors.ts';
import { RunQueue } from '@sfa/shared/inference/run-queue';
import { SfaError } from '@sfa/shared/protocol/errors';
import type { PlanarAudio } from '@sfa/shared/separation/types';
import { runJob, separatorFor, type JobProgress, type RunnerCache } from '../separation/job-runner.ts';
import { chooseWasmThreads, probeWebGpu, wasmThreads, type WebGpuReport } from '../separation/runtime.ts';
import { loadSeparator, QUICK_MODEL_ID, type JobProvider } from '../separation/separators.ts';
import { openLibrary, type StemSetRecord } from '../storage/db.ts';
import { setCalibration } from '../storage/calibration.ts';

const jobs = new Map<string, AbortController>();
const cache: RunnerCache = {};
/**
 * Jobs, calibrations and model checks take turns: they share the loaded model (and one WebGPU
 * device cannot serve two runs at once). Cancels and the device report do not wait.
 */
const turns = new RunQueue();

function releaseCallback(callback: unknown): void {
  // A callback arrives as a comlink proxy: close its port.
  (callback as Partial<Comlink.Remote<unknown>> | undefined)?.[Comlink.releaseProxy]?.();
}

/** Runs or resumes stored job `jobId`; cancellable with `cancel(jobId)`. */
async function run(jobId: string, onProgress?: (progress: JobProgress) => void): Promise<StemSetRecord> {
  if (jobs.has(jobId)) throw new SfaError('bad-request', 'This separation is already running');
  const controller = new AbortController();
  jobs.set(jobId, controller);
  try {
    return await turns.run(async () => {
      if (controller.signal.aborted) throw new SfaError('aborted', 'The separation was cancelled');
      return runJob(await openLibrary(), jobId, { signal: controller.signal, onProgress, cache });
    });
  } finally {
    jobs.delete(jobId);
    releaseCallback(onProgress);
  }
}

function cancel(jobId: string): void {
  jobs.get(jobId)?.abort();
}

export interface DeviceReport {
  webgpu: WebGpuReport;
  crossOriginIsolated: boolean;
  cores: number;
  /** Threads a WASM session uses here. */
  wasmThreads: number;
}

async function device(): Promise<DeviceReport> {
  return {
    webgpu: await probeWebGpu(),
    crossOriginIsolated: globalThis.crossOriginIsolated === true,
    cores: navigator.hardwareConcurrency || 1,
    wasmThreads: wasmThreads(),
  };
}

/** Reproducible noise: the calibration and check runs need audio, not music. */
function noise(seconds: number, sampleRate: number): PlanarAudio {
  let state = 12345;
  const channel = () =>
    Float32Array.from({ length: Math.round(seconds * sampleRate) }, () => {
      state = (state * 1664525 + 1013904223) >>> 0;
      return (state / 2 ** 32 - 0.5) * 0.5;
    });
  return { sampleRate, channels: [channel(), channel()] };
}

export interface Calibration {
  modelId: string;
  provider: JobProvider;
  /** Seconds of processing per minute of stereo audio at the model's rate. */
  secondsPerMinute: number;
}

/**
 * Times model `modelId` on this device: the model is loaded (and warmed up by a first run that
 * is not timed), then one run over about one segment's worth of audio (Quick: 20 s) is timed.
 * Stored models keep the figure per provider.
 */
function calibrate(modelId: string): Promise<Calibration> {
  return turns.run(() => calibrateNow(modelId));
}

async function calibrateNow(modelId: string): Promise<Calibration> {
  const db = await openLibrary();
  const separator = await separatorFor(db, modelId, true, cache);
  const descriptor = modelId === QUICK_MODEL_ID ? undefined : (await db.get('models', modelId))?.descriptor;
  const rate = descriptor?.sampleRate ?? 44_100;
  const seconds = descriptor ? Math.max(5, descriptor.segmentLength / rate) : 20;
  await separator.separator.separate(noise(Math.min(seconds, 2), rate), { collect: false });
  const started = performance.now();
  await separator.separator.separate(noise(seconds, rate), { collect: false });
  const secondsPerMinute = ((performance.now() - started) / 1000 / seconds) * 60;
  if (descriptor) await setCalibration(db, modelId, separator.provider, secondsPerMinute);
  return { modelId, provider: separator.provider, secondsPerMinute };
}

/**
 * Loads model `modelId` and runs it once on two seconds of noise: a model whose checksum could
 * not be verified (or a user's own file) must at least load, match its descriptor and give
 * finite stems. Throws `model-invalid` / `model-mismatch` otherwise.
 */
function checkModel(modelId: string): Promise<{ provider: JobProvider }> {
  return turns.run(() => checkModelNow(modelId));
}

async function checkModelNow(modelId: string): Promise<{ provider: JobProvider }> {
  const db = await openLibrary();
  // Where jobs will run it: WebGPU when it fits, else WASM.
  const loaded = await loadSeparator(db, modelId, true);
  try {
    const { stems } = await loaded.separator.separate(noise(2, 44_100));
    for (const [name, channels] of Object.entries(stems)) {
      if (channels.some((channel) => channel.some((v) => !Number.isFinite(v)))) {
        throw new SfaError('model-invalid', `the model gave non-finite samples for "${name}"`);
      }
    }
    return { provider: loaded.provider };
  } finally {
    await loaded.release();
  }
}

/** Settings from the page; set before the first job (a started runtime keeps its threads). */
function configure({ wasmThreads: threads }: { wasmThreads?: number }): void {
  chooseWasmThreads(threads);
}

const api = { configure, run, cancel, device, calibrate, checkModel };
export type SeparationWorkerApi = typeof api;

Comlink.expose(api);
