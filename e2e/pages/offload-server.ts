// A real offload server process for the specs (offload-server/src/main.ts, as the Docker image
// runs it) on loopback, with a models folder of generated models: the band-mask model with
// htdemucs's contract, and a slow exact gain model for jobs long enough to interrupt.
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GraphBuilder } from '../../models/builders/onnx-graph.ts';
import { waveformDescriptor } from '../../shared/src/separation/descriptor-presets.ts';
import { freePort, startServerProcess, type ServerProcess } from '../../offload-server/src/testing/server-process.ts';
import type { TestModel } from './test-models.ts';

export const OFFLOAD_TOKEN = 'e2e-offload-token-0123456789';

const GAINS = [0.1, 0.2, 0.3, 0.4];

/**
 * stems[s] = GAINS[s] * waveform after `matmuls` products with an identity matrix: exact, but
 * as slow as a test needs a job to be.
 */
export function slowGainModel(matmuls: number, id = 'slow-gains'): TestModel {
  const descriptor = waveformDescriptor({
    id,
    name: 'Slow gains (test)',
    stems: ['drums', 'bass', 'other', 'vocals'],
    segmentLength: 44_032,
  });
  const { inputs, outputs } = descriptor.contract;
  const g = new GraphBuilder();
  const input = g.input(inputs.waveform.name, inputs.waveform.shape);
  const identity = new Float32Array(256 * 256);
  for (let i = 0; i < 256; i++) identity[i * 257] = 1;
  const eye = g.constant([256, 256], identity);
  let x = g.node('Reshape', [input, g.ints([-1, 256])]);
  for (let i = 0; i < matmuls; i++) x = g.node('MatMul', [x, eye]);
  const back = g.node('Reshape', [x, g.ints([1, 2, descriptor.segmentLength])]);
  g.node('Mul', [g.node('Unsqueeze', [back, g.ints([1])]), g.constant([1, GAINS.length, 1, 1], GAINS)], {}, [
    outputs.stems.name,
  ]);
  g.output(outputs.stems.name, outputs.stems.shape);
  return { descriptor, bytes: g.encode() };
}

export interface OffloadServer {
  url: string;
  process: ServerProcess;
  /** SIGKILL, as in a crash; `restart` brings it back on the same port and data. */
  kill(): Promise<void>;
  restart(): Promise<void>;
  close(): Promise<void>;
}

/** Starts a server allowing `origin`, with `models` in its models folder. */
export async function startOffloadServer(origin: string, models: TestModel[]): Promise<OffloadServer> {
  const dir = await mkdtemp(join(tmpdir(), 'sfa-e2e-offload-'));
  const modelsDir = join(dir, 'models');
  await mkdir(modelsDir);
  for (const { descriptor, bytes } of models) {
    await writeFile(join(modelsDir, `${descriptor.id}.onnx`), bytes);
    await writeFile(join(modelsDir, `${descriptor.id}.json`), JSON.stringify(descriptor));
  }
  const env = {
    PORT: String(await freePort()),
    HOST: '127.0.0.1',
    SFA_TOKENS: OFFLOAD_TOKEN,
    SFA_ALLOWED_ORIGINS: origin,
    SFA_DATA_DIR: join(dir, 'data'),
    SFA_MODELS_DIR: modelsDir,
    SFA_THREADS: '1',
  };
  const start = async () => {
    const child = await startServerProcess(env);
    await child.ready();
    return child;
  };
  let current: ServerProcess | undefined = await start();
  const server: OffloadServer = {
    url: current.url,
    get process() {
      return current!;
    },
    async kill() {
      await current?.kill();
      current = undefined;
    },
    async restart() {
      current = await start();
    },
    async close() {
      await current?.stop();
      current = undefined;
      await rm(dir, { recursive: true, force: true });
    },
  };
  return server;
}
