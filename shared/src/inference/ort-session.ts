// Adapts an onnxruntime package (onnxruntime-node or onnxruntime-web, passed in by the caller so
// shared code never imports either) to the engine's `InferenceSession`. The types below are
// the structural subset of the ORT API the adapter uses; both packages satisfy them.

import { errorMessage, SfaError } from '../protocol/errors.ts';
import { RunQueue } from './run-queue.ts';
import type { Float32Tensor, InferenceSession, RunStats, ValueInfo } from './session.ts';

export interface OrtTensorLike {
  readonly data: unknown;
  readonly dims: readonly number[];
  readonly type: string;
}

export interface OrtValueMetadataLike {
  readonly name: string;
  readonly isTensor: boolean;
  readonly type?: string;
  readonly shape?: ReadonlyArray<number | string>;
}

export interface OrtSessionLike {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  readonly inputMetadata?: readonly OrtValueMetadataLike[];
  readonly outputMetadata?: readonly OrtValueMetadataLike[];
  run(feeds: Record<string, OrtTensorLike>, fetches: readonly string[]): Promise<Record<string, OrtTensorLike>>;
  release(): Promise<void>;
}

export interface OrtSessionOptionsLike {
  executionProviders?: string[];
  intraOpNumThreads?: number;
  interOpNumThreads?: number;
  graphOptimizationLevel?: 'disabled' | 'basic' | 'extended' | 'layout' | 'all';
  logSeverityLevel?: 0 | 1 | 2 | 3 | 4;
}

export interface OrtModuleLike {
  InferenceSession: { create(model: Uint8Array, options?: OrtSessionOptionsLike): Promise<OrtSessionLike> };
  Tensor: new (type: 'float32', data: Float32Array, dims: readonly number[]) => OrtTensorLike;
}

export interface OrtSessionOptions {
  /** Goes into `backend`, e.g. 'onnxruntime-node'. */
  runtimeName: string;
  /** One provider, chosen by the caller ('cpu', 'wasm', 'webgpu', 'cuda'): a list falls back silently. */
  executionProvider: string;
  /** Intra-op threads (onnxruntime-node; the web runtime takes env.wasm.numThreads instead). */
  threads?: number;
}

function valueInfos(names: readonly string[], metadata: readonly OrtValueMetadataLike[] | undefined): ValueInfo[] {
  return names.map((name) => {
    const meta = metadata?.find((m) => m.name === name);
    if (!meta?.isTensor) return { name };
    return { name, type: meta.type, shape: meta.shape && meta.shape.length > 0 ? [...meta.shape] : undefined };
  });
}

/**
 * Loads `model` (the .onnx file's bytes) on `ort`. Throws `SfaError('model-invalid')` when the
 * runtime cannot load it (not ONNX, truncated, unsupported operators).
 */
export async function createOrtSession(
  ort: OrtModuleLike,
  model: Uint8Array,
  { runtimeName, executionProvider, threads }: OrtSessionOptions,
): Promise<InferenceSession> {
  let session: OrtSessionLike;
  try {
    session = await ort.InferenceSession.create(model, {
      executionProviders: [executionProvider],
      graphOptimizationLevel: 'all',
      logSeverityLevel: 3,
      ...(threads ? { intraOpNumThreads: threads, interOpNumThreads: 1 } : {}),
    });
  } catch (error) {
    throw new SfaError('model-invalid', `the model could not be loaded: ${errorMessage(error)}`, { cause: error });
  }
  const queue = new RunQueue();
  const stats: RunStats = { runs: 0, runMs: 0 };
  return {
    backend: `${runtimeName}/${executionProvider}`,
    inputs: valueInfos(session.inputNames, session.inputMetadata),
    outputs: valueInfos(session.outputNames, session.outputMetadata),
    stats,
    run(feeds, outputNames = session.outputNames) {
      return queue.run(async () => {
        const ortFeeds: Record<string, OrtTensorLike> = {};
        for (const [name, tensor] of Object.entries(feeds)) {
          ortFeeds[name] = new ort.Tensor('float32', tensor.data, tensor.dims);
        }
        const started = performance.now();
        const results = await session.run(ortFeeds, outputNames);
        stats.runMs += performance.now() - started;
        stats.runs++;
        const outputs: Record<string, Float32Tensor> = {};
        for (const name of outputNames) {
          const value = results[name];
          if (!value || !(value.data instanceof Float32Array)) {
            throw new SfaError('model-mismatch', `the model's output "${name}" is not a float32 tensor`);
          }
          outputs[name] = { data: value.data, dims: value.dims };
        }
        return outputs;
      });
    },
    release: () => session.release(),
  };
}
