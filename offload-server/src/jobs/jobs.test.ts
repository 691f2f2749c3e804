// What the job manager does with what a previous process left on disk, and with results past
// their time: unfinished uploads and expired results go, interrupted runs wait for their client.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../log.ts';
import { ServerMetrics } from '../metrics.ts';
import { ModelRegistry } from '../models/registry.ts';
import { JobStore, type JobRecord } from './job-store.ts';
import { JobManager } from './jobs.ts';

let dir: string;
const log = createLogger('error', () => {});

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sfa-jobs-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function manager(dataDir: string, resultTtlSec: number) {
  const store = new JobStore(dataDir);
  const registry = await ModelRegistry.open({
    ort,
    provider: { name: 'cpu' },
    modelsDir: undefined,
    threads: 1,
    concurrency: 1,
    log,
  });
  const config = {
    concurrency: 1,
    queueDepth: 1,
    maxJobsPerToken: 1,
    maxUploadBytes: 1e6,
    maxDurationSec: 60,
    resultTtlSec,
  };
  const jobs = new JobManager({ config, store, registry, metrics: new ServerMetrics(), log });
  return { store, jobs };
}

function record(store: JobStore, jobId: string, state: JobRecord['state'], ageSec: number): JobRecord {
  const time = Date.now() - ageSec * 1000;
  return {
    version: 1,
    key: store.keyFor('t-1', jobId),
    jobId,
    tokenId: 't-1',
    request: {
      model: 'quick',
      stems: ['vocals'],
      format: 'f32',
      shifts: 0,
      seed: 0,
      input: { bytes: 5, sha256: 'a'.repeat(64) },
    },
    state,
    createdAt: time,
    updatedAt: time,
  };
}

describe('JobManager', () => {
  it('on start: drops unfinished uploads and expired results, marks cut-off runs interrupted', async () => {
    const { store, jobs } = await manager(join(dir, 'restart'), 3600);
    await store.init();
    const cases = {
      uploading: record(store, 'uploading-1', 'upload', 1),
      queued: record(store, 'queued-01', 'queued', 1),
      running: record(store, 'running-1', 'running', 1),
      fresh: record(store, 'fresh-done', 'done', 60),
      old: record(store, 'old-done-1', 'done', 7200),
      oldFailure: record(store, 'old-failed', 'failed', 7200),
    };
    for (const value of Object.values(cases)) await store.create(value);
    await jobs.init();
    const state = async (value: JobRecord) => (await store.load(value.key))?.state;
    expect(await state(cases.uploading)).toBeUndefined();
    expect(await state(cases.queued)).toBe('interrupted');
    expect(await state(cases.running)).toBe('interrupted');
    expect(await state(cases.fresh)).toBe('done');
    expect(await state(cases.old)).toBeUndefined();
    expect(await state(cases.oldFailure)).toBeUndefined();
    await jobs.close();
  });

  it('deletes finished results once their time is up', async () => {
    const { store, jobs } = await manager(join(dir, 'ttl'), 1);
    await store.init();
    const done = record(store, 'expiring-1', 'done', 0);
    await store.create(done);
    await jobs.init();
    expect((await store.load(done.key))?.state).toBe('done');
    // A one-second time to live is swept every second.
    const deadline = Date.now() + 5000;
    while ((await store.load(done.key)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(await store.load(done.key)).toBeUndefined();
    await jobs.close();
  });
});
