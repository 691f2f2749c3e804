// The session adapter: metadata from the model file, runs queued one at a time, run time
// counted, and a model that cannot be loaded reported as such.
import * as ortNode from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../../../models/builders/onnx-graph.ts';
import { createOrtSession, type OrtModuleLike, type OrtSessionLike } from './ort-session.ts';
import { RunQueue } from './run-queue.ts';

function gainModel(): Uint8Array {
  const g = new GraphBuilder();
  const x = g.input('x', ['batch', 3]);
  g.node('Mul', [x, g.constant([1, 3], [1, 2, 3])], {}, ['y']);
  g.output('y', ['batch', 3]);
  return g.encode();
}

describe('createOrtSession', () => {
  it('reads names and shapes (symbolic dims by name) and runs with float32 tensors', async () => {
    const session = await createOrtSession(ortNode, gainModel(), {
      runtimeName: 'onnxruntime-node',
      executionProvider: 'cpu',
    });
    expect(session.backend).toBe('onnxruntime-node/cpu');
    expect(session.inputs).toEqual([{ name: 'x', type: 'float32', shape: ['batch', 3] }]);
    expect(session.outputs).toEqual([{ name: 'y', type: 'float32', shape: ['batch', 3] }]);
    const { y } = await session.run({ x: { data: Float32Array.of(1, 1, 1, 2, 2, 2), dims: [2, 3] } });
    expect([...y!.data]).toEqual([1, 2, 3, 2, 4, 6]);
    expect(y!.dims).toEqual([2, 3]);
    expect(session.stats.runs).toBe(1);
    expect(session.stats.runMs).toBeGreaterThan(0);
  });

  it('never lets two runs overlap on one session', async () => {
    let active = 0;
    let most = 0;
    const fake: OrtSessionLike = {
      inputNames: ['x'],
      outputNames: ['y'],
      async run(feeds) {
        active++;
        most = Math.max(most, active);
        await new Promise((resolve) => setTimeout(resolve, 5));
        active--;
        return { y: feeds.x! };
      },
      release: async () => undefined,
    };
    const ort: OrtModuleLike = {
      InferenceSession: { create: async () => fake },
      Tensor: class {
        readonly type = 'float32';
        constructor(
          _type: 'float32',
          readonly data: Float32Array,
          readonly dims: readonly number[],
        ) {}
      },
    };
    const session = await createOrtSession(ort, new Uint8Array(1), { runtimeName: 'fake', executionProvider: 'cpu' });
    const feeds = { x: { data: new Float32Array(1), dims: [1] } };
    await Promise.all([session.run(feeds), session.run(feeds), session.run(feeds)]);
    expect(most).toBe(1);
    expect(session.stats.runs).toBe(3);
  });
});

describe('RunQueue', () => {
  it('runs in order and goes on after a failure', async () => {
    const queue = new RunQueue();
    const order: number[] = [];
    const failed = queue.run(async () => {
      order.push(1);
      throw new Error('boom');
    });
    const next = queue.run(async () => order.push(2));
    await expect(failed).rejects.toThrow('boom');
    await next;
    expect(order).toEqual([1, 2]);
  });
});
