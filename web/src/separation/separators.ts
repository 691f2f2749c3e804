// The separator a job runs: Quick (built in), or a stored model on WebGPU when this device's
// GPU can hold it (and, for an fp16 file, has shader-f16), else on WASM. If WebGPU fails to
// start, the model runs on WASM and the job records why. One model stays loaded between jobs;
// another one replaces it.
import { createOrtSession } from '@sfa/shared/inference/ort-session';
import { errorMessage, SfaError } from '@sfa/shared/protocol/errors';
import { descriptorTensors, type ModelDescriptor } from '@sfa/shared/separation/descriptor';
import { createOnnxSeparator } from '@sfa/shared/separation/onnx-separator';
import { createQuickSeparator } from '@sfa/shared/separation/quick/quick';
import type { Separator } from '@sfa/shared/separation/types';
import type { LibraryDb } from '../storage/db.ts';
import { loadRuntime, probeWebGpu, webGpuFits, type ExecutionProvider } from './runtime.ts';

/** The built-in DSP separator's id; every other id is a stored model's. */
export const QUICK_MODEL_ID = 'quick';

export type JobProvider = ExecutionProvider | 'cpu-dsp';

export interface LoadedSeparator {
  modelId: string;
  /** The model file's SHA-256 ('quick' for Quick): a job resumes only on the same file. */
  fileId: string;
  /** The model's display name. */
  name: string;
  separator: Separator;
  provider: JobProvider;
  /** Set when the model runs somewhere other than where it was meant to, and why. */
  fallbackReason?: string;
  release(): Promise<void>;
}

/** Bytes of the biggest tensor the model takes or gives (float32). */
export function largestTensorBytes(descriptor: ModelDescriptor): number {
  const { inputs, outputs } = descriptorTensors(descriptor);
  return Math.max(...[...inputs, ...outputs].map(([, spec]) => 4 * spec.shape.reduce((a, b) => a * b, 1)));
}

async function onProvider(
  provider: ExecutionProvider,
  bytes: Uint8Array,
  descriptor: ModelDescriptor,
): Promise<{ separator: Separator; release(): Promise<void> }> {
  const ort = await loadRuntime(provider);
  const session = await createOrtSession(ort, bytes, { runtimeName: 'onnxruntime-web', executionProvider: provider });
  try {
    return { separator: createOnnxSeparator(session, descriptor), release: () => session.release() };
  } catch (error) {
    await session.release();
    throw error;
  }
}

/**
 * Loads model `modelId` for a job. `preferWebGpu` false keeps it on WASM (after a WebGPU
 * failure during a run). Throws `not-found` for a model that is not stored, `model-invalid` /
 * `model-mismatch` for one that cannot run.
 */
export async function loadSeparator(db: LibraryDb, modelId: string, preferWebGpu: boolean): Promise<LoadedSeparator> {
  if (modelId === QUICK_MODEL_ID) {
    const separator = createQuickSeparator();
    return {
      modelId,
      fileId: QUICK_MODEL_ID,
      name: 'Quick (built in)',
      separator,
      provider: 'cpu-dsp',
      release: async () => {},
    };
  }
  const record = await db.get('models', modelId);
  if (!record) throw new SfaError('not-found', `The model "${modelId}" is not downloaded: download it in Settings`);
  const bytes = new Uint8Array(await record.blob.arrayBuffer());
  const precision = record.precision ?? 'fp32';
  let fallbackReason: string | undefined;
  if (preferWebGpu) {
    const fit = webGpuFits(await probeWebGpu(), largestTensorBytes(record.descriptor), precision);
    // An fp16 file was downloaded for a GPU with shader-f16; running it anywhere else is worth saying.
    if (!fit.fits && precision === 'fp16')
      fallbackReason = `${fit.reason ?? 'no WebGPU'}, so it runs on the CPU (WASM)`;
    if (fit.fits) {
      try {
        const loaded = await onProvider('webgpu', bytes, record.descriptor);
        return { modelId, fileId: record.sha256, name: record.descriptor.name, provider: 'webgpu', ...loaded };
      } catch (error) {
        // A model that does not match its descriptor fails the same way on WASM: say so now.
        if (error instanceof SfaError && error.code === 'model-mismatch') throw error;
        fallbackReason = `WebGPU could not start (${errorMessage(error)}), so it runs on the CPU (WASM)`;
      }
    }
  }
  try {
    const loaded = await onProvider('wasm', bytes, record.descriptor);
    return {
      modelId,
      fileId: record.sha256,
      name: record.descriptor.name,
      provider: 'wasm',
      fallbackReason,
      ...loaded,
    };
  } catch (error) {
    if (precision !== 'fp16' || (error instanceof SfaError && error.code === 'model-mismatch')) throw error;
    // ORT's CPU provider runs float16 graphs by casting around the kernels it lacks; a file it
    // still cannot run was meant for a GPU. Downloading again picks the fp32 file on this device.
    throw new SfaError(
      'model-invalid',
      `The fp16 file of “${record.descriptor.name}” does not run on the CPU (${errorMessage(error)}): it needs a GPU ` +
        'with half-precision shaders (shader-f16). Delete the model in Settings and download it again to get the fp32 file.',
      { cause: error },
    );
  }
}
