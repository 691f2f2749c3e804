// onnxruntime-web in the separation worker: which execution provider this device can use, and
// the runtime for each, loaded on first use. One provider per session, chosen here and recorded
// (a provider list would fall back silently). WebGPU gets the adapter's real limits; WASM gets
// SIMD and as many threads as the device has cores (cross-origin isolation gives it threads).
// The runtimes' .mjs/.wasm files come from this app (/ort/<version>/, see web/build/ort-assets.ts).
import { errorMessage } from '@sfa/shared/protocol/errors';
import type { OrtModuleLike } from '@sfa/shared/inference/ort-session';
import type { ModelPrecision } from '../storage/db.ts';

export type ExecutionProvider = 'webgpu' | 'wasm';

/** The limits that decide whether a model's tensors fit in WebGPU buffers. */
export interface GpuLimits {
  maxBufferSize: number;
  maxStorageBufferBindingSize: number;
  maxComputeWorkgroupStorageSize: number;
}

export interface WebGpuReport {
  available: boolean;
  /** Why WebGPU cannot be used, when it cannot. */
  reason?: string;
  adapter?: { vendor: string; architecture: string; device: string; description: string; fallback: boolean };
  limits?: GpuLimits;
  features: string[];
  /** The adapter supports half-precision shaders ('shader-f16'). */
  f16: boolean;
}

/** What onnxruntime-web exports that the worker uses: the engine's subset, plus `env`. */
export interface OrtWeb extends OrtModuleLike {
  env: {
    versions: { web?: string };
    logLevel?: string;
    wasm: { wasmPaths?: string; numThreads?: number; proxy?: boolean };
    webgpu: { adapter?: unknown; powerPreference?: 'low-power' | 'high-performance' };
  };
}

let chosenThreads: number | undefined;

/**
 * Threads for WASM: the user's choice, else every core up to 8, when the page is cross-origin
 * isolated; else one. A runtime keeps the count it started with.
 */
export function wasmThreads(): number {
  if (!globalThis.crossOriginIsolated) return 1;
  const cores = Math.max(1, Math.min(8, navigator.hardwareConcurrency || 1));
  return chosenThreads ? Math.min(chosenThreads, cores) : cores;
}

/** The user's thread count for WASM (undefined: automatic); applies to runtimes started later. */
export function chooseWasmThreads(threads: number | undefined): void {
  chosenThreads = threads && threads > 0 ? Math.floor(threads) : undefined;
}

let adapterPromise: Promise<GPUAdapter | null> | undefined;

function requestAdapter(): Promise<GPUAdapter | null> {
  adapterPromise ??= (async () => {
    if (!('gpu' in navigator) || !navigator.gpu) return null;
    return navigator.gpu.requestAdapter({ powerPreference: 'high-performance' });
  })().catch((error: unknown) => {
    adapterPromise = undefined;
    throw error;
  });
  return adapterPromise;
}

/** What WebGPU this device offers, without starting a runtime. */
export async function probeWebGpu(): Promise<WebGpuReport> {
  let adapter: GPUAdapter | null;
  try {
    adapter = await requestAdapter();
  } catch (error) {
    return {
      available: false,
      reason: `the GPU adapter request failed: ${errorMessage(error)}`,
      features: [],
      f16: false,
    };
  }
  if (!adapter) {
    const reason = 'gpu' in navigator ? 'the browser offers no GPU adapter' : 'this browser has no WebGPU';
    return { available: false, reason, features: [], f16: false };
  }
  const info = adapter.info;
  const features = [...adapter.features].sort();
  return {
    available: true,
    adapter: {
      vendor: info.vendor,
      architecture: info.architecture,
      device: info.device,
      description: info.description,
      fallback: (info as GPUAdapterInfo & { isFallbackAdapter?: boolean }).isFallbackAdapter ?? false,
    },
    limits: {
      maxBufferSize: adapter.limits.maxBufferSize,
      maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize,
      maxComputeWorkgroupStorageSize: adapter.limits.maxComputeWorkgroupStorageSize,
    },
    features,
    f16: features.includes('shader-f16'),
  };
}

/**
 * Whether `report`'s adapter can hold a model whose largest input or output tensor is
 * `largestTensorBytes`: the runtime asks for the adapter's own limits (not WebGPU's 128 MiB
 * defaults) when it creates its device, so those are what count. An fp16 file also needs
 * half-precision shaders (`shader-f16`); its inputs and outputs are float32 all the same.
 */
export function webGpuFits(
  report: WebGpuReport,
  largestTensorBytes: number,
  precision: ModelPrecision = 'fp32',
): { fits: boolean; reason?: string } {
  if (!report.available || !report.limits) return { fits: false, reason: report.reason };
  if (precision === 'fp16' && !report.f16) {
    return {
      fits: false,
      reason: 'the model is the fp16 file and this GPU has no half-precision shaders (shader-f16)',
    };
  }
  const limit = Math.min(report.limits.maxBufferSize, report.limits.maxStorageBufferBindingSize);
  if (largestTensorBytes > limit) {
    const mib = (bytes: number) => `${Math.round(bytes / 2 ** 20)} MiB`;
    return {
      fits: false,
      reason: `the model needs ${mib(largestTensorBytes)} buffers and this GPU allows ${mib(limit)}`,
    };
  }
  return { fits: true };
}

const runtimes = new Map<ExecutionProvider, Promise<OrtWeb>>();

async function startRuntime(provider: ExecutionProvider): Promise<OrtWeb> {
  // Two builds: the CPU one is half the download of the WebGPU one, and a device without
  // WebGPU never fetches the bigger file.
  const ort = (provider === 'webgpu'
    ? await import('onnxruntime-web/webgpu')
    : await import('onnxruntime-web/wasm')) as unknown as OrtWeb;
  const version = ort.env.versions.web;
  if (!version) throw new Error('onnxruntime-web did not report its version');
  ort.env.wasm.wasmPaths = new URL(`/ort/${version}/`, location.origin).href;
  ort.env.wasm.numThreads = wasmThreads();
  // The worker is the thread that waits; a proxy worker would only add copies (and cannot be
  // used with WebGPU).
  ort.env.wasm.proxy = false;
  ort.env.logLevel = 'error';
  if (provider === 'webgpu') {
    const adapter = await requestAdapter();
    if (!adapter) throw new Error('no GPU adapter');
    ort.env.webgpu.adapter = adapter;
  }
  return ort;
}

/** The runtime for `provider`, loaded once; a failed load is forgotten so a later call retries. */
export function loadRuntime(provider: ExecutionProvider): Promise<OrtWeb> {
  let runtime = runtimes.get(provider);
  if (!runtime) {
    runtime = startRuntime(provider);
    runtimes.set(provider, runtime);
    runtime.catch(() => runtimes.delete(provider));
  }
  return runtime;
}
