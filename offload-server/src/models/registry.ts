// The models this server runs: the built-in Quick, and each `<id>.onnx` + `<id>.json` pair in
// SFA_MODELS_DIR. ONNX sessions are created once per model on the chosen execution provider,
// warmed up on a segment of silence before the server says it is ready, and lent to one job
// at a time (a separator reuses its buffers); a second concurrent job of the same model gets a
// session of its own, up to the device's concurrency.

import { readdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { createOrtSession, type OrtModuleLike } from '@sfa/shared/inference/ort-session';
import type { Capabilities } from '@sfa/shared/offload/protocol';
import { modelIdSchema } from '@sfa/shared/offload/protocol';
import { errorMessage, SfaError } from '@sfa/shared/protocol/errors';
import { validateDescriptor, type ModelDescriptor } from '@sfa/shared/separation/descriptor';
import { createOnnxSeparator } from '@sfa/shared/separation/onnx-separator';
import { createQuickSeparator } from '@sfa/shared/separation/quick/quick';
import type { Separator } from '@sfa/shared/separation/types';
import type { Logger } from '../log.ts';
import type { ExecutionProvider } from './execution-provider.ts';

export type ModelInfo = Capabilities['models'][number];

export interface SeparatorLease {
  separator: Separator;
  release(): void;
}

interface OnnxModel {
  info: ModelInfo;
  descriptor: ModelDescriptor;
  path: string;
  idle: Separator[];
  created: number;
  waiters: ((separator: Separator) => void)[];
  /** The first session, created and warmed up at start; later ones are made on demand. */
  ready: Promise<void>;
}

const QUICK_INFO: ModelInfo = {
  id: 'quick',
  name: 'Quick (built-in DSP)',
  kind: 'quick',
  stems: ['vocals', 'drums', 'bass', 'other', 'instrumental'],
  defaultStems: ['vocals', 'drums', 'bass', 'other'],
  status: 'ready',
};

/** The stems a model can make: its own, plus 'instrumental' (mix - vocals) where it has vocals. */
function stemsOf(descriptor: ModelDescriptor): string[] {
  const stems = [...descriptor.stems];
  if (stems.includes('vocals') && !stems.includes('instrumental')) stems.push('instrumental');
  return stems;
}

export interface ModelRegistryOptions {
  ort: OrtModuleLike;
  provider: ExecutionProvider;
  modelsDir: string | undefined;
  threads: number;
  /** Sessions per model at most: the device's job concurrency. */
  concurrency: number;
  log: Logger;
}

export class ModelRegistry {
  readonly #options: ModelRegistryOptions;
  readonly #onnx = new Map<string, OnnxModel>();
  readonly #broken: ModelInfo[] = [];

  private constructor(options: ModelRegistryOptions) {
    this.#options = options;
  }

  /** Reads the models folder (descriptors only; sessions load in `warmUp`). */
  static async open(options: ModelRegistryOptions): Promise<ModelRegistry> {
    const registry = new ModelRegistry(options);
    if (options.modelsDir) await registry.#scan(options.modelsDir);
    return registry;
  }

  async #scan(dir: string): Promise<void> {
    let names: string[];
    try {
      names = await readdir(dir);
    } catch (error) {
      throw new SfaError('not-found', `SFA_MODELS_DIR: cannot read ${dir}: ${errorMessage(error)}`);
    }
    for (const name of names.filter((n) => n.endsWith('.json')).sort()) {
      const id = basename(name, '.json');
      const broken = (message: string) => {
        this.#options.log.warn('model skipped', { model: id, reason: message });
        if (modelIdSchema.safeParse(id).success) {
          this.#broken.push({
            id,
            name: id,
            kind: 'waveform',
            stems: [],
            defaultStems: [],
            status: 'failed',
            error: message,
          });
        }
      };
      if (!modelIdSchema.safeParse(id).success || id === 'quick') {
        broken(`"${id}" is not a usable model id`);
        continue;
      }
      if (!names.includes(`${id}.onnx`)) {
        broken(`${id}.json has no ${id}.onnx beside it`);
        continue;
      }
      let descriptor: ModelDescriptor;
      try {
        descriptor = validateDescriptor(JSON.parse(await readFile(join(dir, name), 'utf8')));
      } catch (error) {
        broken(`${name}: ${errorMessage(error)}`);
        continue;
      }
      if (descriptor.id !== id) {
        broken(`${name} describes "${descriptor.id}", not "${id}"`);
        continue;
      }
      const stems = stemsOf(descriptor);
      const model: OnnxModel = {
        info: {
          id,
          name: descriptor.name,
          kind: descriptor.contract.kind,
          stems,
          defaultStems: [...descriptor.stems],
          sampleRate: descriptor.sampleRate,
          segmentLength: descriptor.segmentLength,
          contract: { ...descriptor.contract },
          status: 'loading',
        },
        descriptor,
        path: join(dir, `${id}.onnx`),
        idle: [],
        created: 0,
        waiters: [],
        ready: Promise.resolve(),
      };
      this.#onnx.set(id, model);
    }
  }

  /** Every model with its status, Quick first. */
  list(): ModelInfo[] {
    return [QUICK_INFO, ...[...this.#onnx.values()].map((m) => m.info), ...this.#broken];
  }

  /** The model `id` if it can run jobs (loading counts: jobs wait for it). */
  get(id: string): ModelInfo | undefined {
    if (id === 'quick') return QUICK_INFO;
    const info = this.#onnx.get(id)?.info;
    return info && info.status !== 'failed' ? info : undefined;
  }

  /**
   * Loads one session per ONNX model and runs it once on silence (the first run pays for
   * allocations and kernel choices), one model at a time. A model that fails is marked failed
   * and the others still load. Resolves when all are done.
   */
  async warmUp(): Promise<void> {
    const quick = createQuickSeparator();
    await quick.separate({ sampleRate: 44_100, channels: [new Float32Array(44_100)] }, { collect: false });
    for (const model of this.#onnx.values()) {
      model.ready = this.#createSeparator(model).then(
        async (separator) => {
          const { sampleRate, segmentLength } = model.descriptor;
          const silence = () => new Float32Array(segmentLength);
          const started = performance.now();
          await separator.separate({ sampleRate, channels: [silence(), silence()] }, { collect: false });
          model.idle.push(separator);
          model.info.status = 'ready';
          this.#options.log.info('model ready', {
            model: model.info.id,
            backend: this.#options.provider.name,
            warmUpMs: Math.round(performance.now() - started),
          });
        },
        (error: unknown) => {
          model.info.status = 'failed';
          model.info.error = errorMessage(error);
          this.#options.log.error('model failed to load', { model: model.info.id, error: errorMessage(error) });
        },
      );
      await model.ready;
    }
  }

  async #createSeparator(model: OnnxModel): Promise<Separator> {
    model.created++;
    try {
      const bytes = await readFile(model.path);
      const session = await createOrtSession(
        this.#options.ort,
        new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length),
        {
          runtimeName: 'onnxruntime-node',
          executionProvider: this.#options.provider.name,
          threads: this.#options.threads,
        },
      );
      return createOnnxSeparator(session, model.descriptor);
    } catch (error) {
      model.created--;
      throw error;
    }
  }

  /**
   * A separator for one job, to release when the job ends. Waits while the model is loading,
   * and while every session of it is busy and no more may be made.
   */
  async acquire(id: string): Promise<SeparatorLease> {
    if (id === 'quick') return { separator: createQuickSeparator(), release: () => {} };
    const model = this.#onnx.get(id);
    if (!model) throw new SfaError('not-found', `no model "${id}" on this server`);
    await model.ready;
    if (model.info.status === 'failed') {
      throw new SfaError('model-invalid', `model "${id}" could not be loaded: ${model.info.error ?? 'unknown error'}`);
    }
    const separator =
      model.idle.pop() ??
      (model.created < this.#options.concurrency
        ? await this.#createSeparator(model)
        : await new Promise<Separator>((resolve) => model.waiters.push(resolve)));
    let released = false;
    return {
      separator,
      release: () => {
        if (released) return;
        released = true;
        const next = model.waiters.shift();
        if (next) next(separator);
        else model.idle.push(separator);
      },
    };
  }
}
