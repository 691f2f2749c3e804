// The models folder: good pairs load, every bad one is listed with its reason and never runs,
// Quick is always there, and sessions are lent one job at a time up to the concurrency.

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../log.ts';
import { gainDescriptor, writeModels } from '../testing/fixtures.ts';
import { ModelRegistry } from './registry.ts';

let dir: string;
const log = createLogger('error', () => {});

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sfa-registry-'));
  await writeModels(dir);
  await writeFile(join(dir, 'orphan.json'), JSON.stringify(gainDescriptor('orphan')));
  await writeFile(join(dir, 'renamed.json'), JSON.stringify(gainDescriptor('something-else')));
  await writeFile(join(dir, 'renamed.onnx'), 'x');
  await writeFile(join(dir, 'broken.json'), '{ nope');
  await writeFile(join(dir, 'broken.onnx'), 'x');
  await writeFile(join(dir, 'garbage.json'), JSON.stringify(gainDescriptor('garbage')));
  await writeFile(join(dir, 'garbage.onnx'), new Uint8Array(300).fill(7));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function open(concurrency = 1) {
  return ModelRegistry.open({ ort, provider: { name: 'cpu' }, modelsDir: dir, threads: 1, concurrency, log });
}

describe('ModelRegistry', () => {
  it('lists Quick, the good models, and each bad one with its reason', async () => {
    const registry = await open();
    await registry.warmUp();
    const byId = Object.fromEntries(registry.list().map((m) => [m.id, m]));
    expect(registry.list()[0]!.id).toBe('quick');
    expect(byId.gains).toMatchObject({ status: 'ready', kind: 'waveform' });
    expect(byId.orphan).toMatchObject({ status: 'failed', error: 'orphan.json has no orphan.onnx beside it' });
    expect(byId.renamed).toMatchObject({
      status: 'failed',
      error: 'renamed.json describes "something-else", not "renamed"',
    });
    expect(byId.broken?.status).toBe('failed');
    expect(byId.garbage).toMatchObject({ status: 'failed', error: expect.stringMatching(/could not be loaded/) });
    for (const id of ['orphan', 'renamed', 'broken', 'garbage']) expect(registry.get(id), id).toBeUndefined();
    expect(registry.get('gains')?.id).toBe('gains');
    await expect(registry.acquire('garbage')).rejects.toMatchObject({ code: 'model-invalid' });
    await expect(registry.acquire('nothing')).rejects.toMatchObject({ code: 'not-found' });
  });

  it('lends a session to one job at a time, making more up to the concurrency', async () => {
    const registry = await open(2);
    await registry.warmUp();
    const first = await registry.acquire('gains');
    const second = await registry.acquire('gains');
    expect(second.separator).not.toBe(first.separator);
    let third: Awaited<ReturnType<ModelRegistry['acquire']>> | undefined;
    const waiting = registry.acquire('gains').then((lease) => (third = lease));
    await new Promise((r) => setTimeout(r, 20));
    expect(third).toBeUndefined();
    first.release();
    await waiting;
    expect(third!.separator).toBe(first.separator);
    const quick = await registry.acquire('quick');
    expect(quick.separator.id).toBe('quick');
  });
});
