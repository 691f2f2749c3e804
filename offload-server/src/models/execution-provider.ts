// Which ONNX Runtime execution provider the server runs models on, chosen once at start: CUDA
// when SFA_EXECUTION_PROVIDER allows it and its provider loads (probed with a one-node model,
// as a provider list would fall back to CPU silently), else CPU. What is in use is reported.

import { execFile } from 'node:child_process';
import type { OrtModuleLike } from '@sfa/shared/inference/ort-session';
import { errorMessage } from '@sfa/shared/protocol/errors';
import type { ExecutionProviderChoice } from '../config.ts';

/**
 * An ONNX model of one Identity node on a float [1] input 'x' (output 'y'), encoded once with
 * models/builders/onnx-graph.ts (execution-provider.test.ts checks it still matches), so the
 * server needs neither a model file nor onnx-proto to probe a provider.
 */
export const PROBE_MODEL_BASE64 =
  'CAgSE3NmYSBtb2RlbHMvYnVpbGRlcnM6VQohCgF4EgF5Gg9JZGVudGl0eV9ub2RlXzAiCElkZW50aXR5Eg5zZmEtdGVzdC1tb2RlbFoPCgF4EgoKCAgBEgQKAggBYg8KAXkSCgoICAESBAoCCAFCBAoAEBE=';

export interface ExecutionProvider {
  name: 'cuda' | 'cpu';
  /** The GPU's name, where CUDA is in use and nvidia-smi says. */
  gpu?: string;
  /** Why CUDA is not in use, when it was tried. */
  note?: string;
}

export class ExecutionProviderError extends Error {
  override readonly name = 'ExecutionProviderError';
}

async function probe(ort: OrtModuleLike, provider: string): Promise<void> {
  const model = Uint8Array.from(atob(PROBE_MODEL_BASE64), (c) => c.charCodeAt(0));
  // Severity 4 (fatal only): a CPU build's failure to load CUDA is expected, not worth a log line.
  const session = await ort.InferenceSession.create(model, { executionProviders: [provider], logSeverityLevel: 4 });
  try {
    const result = await session.run({ x: new ort.Tensor('float32', new Float32Array([1.5]), [1]) }, ['y']);
    if ((result.y?.data as Float32Array | undefined)?.[0] !== 1.5)
      throw new Error('the probe model gave a wrong answer');
  } finally {
    await session.release();
  }
}

function gpuName(): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile('nvidia-smi', ['--query-gpu=name', '--format=csv,noheader'], { timeout: 3000 }, (error, stdout) => {
      resolve(error ? undefined : stdout.split('\n')[0]?.trim() || undefined);
    });
  });
}

/**
 * Chooses the provider: 'cpu' uses CPU; 'auto' tries CUDA, then CPU; 'cuda' throws
 * ExecutionProviderError when CUDA does not load (asking for a GPU and silently getting a CPU
 * would make every job ten times slower without a word).
 */
export async function chooseExecutionProvider(
  ort: OrtModuleLike & { env?: { logLevel?: string } },
  choice: ExecutionProviderChoice,
): Promise<ExecutionProvider> {
  if (choice !== 'cpu') {
    // A CPU build logs its failure to load CUDA from the runtime's environment, which is set
    // up by the first session: keep that one quiet (the reason is reported, and thrown).
    if (ort.env) ort.env.logLevel = 'fatal';
    try {
      await probe(ort, 'cuda');
      const gpu = await gpuName();
      return { name: 'cuda', ...(gpu ? { gpu } : {}) };
    } catch (error) {
      const why = `CUDA did not load: ${errorMessage(error).split('\n')[0]}`;
      if (choice === 'cuda') throw new ExecutionProviderError(`SFA_EXECUTION_PROVIDER=cuda, but ${why}`);
      await probe(ort, 'cpu');
      return { name: 'cpu', note: why };
    }
  }
  await probe(ort, 'cpu');
  return { name: 'cpu' };
}
