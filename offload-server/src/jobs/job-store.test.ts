// Jobs on disk: keys that are hashes (a client's id never becomes a path), records that round
// trip, a damaged record removed rather than trusted, saves applied in the order asked.

import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobStore, sameRequest, type JobRecord } from './job-store.ts';

let dir: string;
let store: JobStore;

function record(key: string, state: JobRecord['state'] = 'upload'): JobRecord {
  return {
    version: 1,
    key,
    jobId: 'job-12345678',
    tokenId: 't-abc',
    request: {
      model: 'quick',
      stems: ['vocals'],
      format: 'f32',
      shifts: 0,
      seed: 0,
      input: { bytes: 5, sha256: 'a'.repeat(64) },
    },
    state,
    createdAt: 1,
    updatedAt: 1,
  };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sfa-store-'));
  store = new JobStore(dir);
  await store.init();
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('JobStore', () => {
  it('files jobs under a hash of token and id, never under the id itself', () => {
    const key = store.keyFor('t-abc', '../../etc');
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    expect(store.keyFor('t-abc', '../../etc')).toBe(key);
    expect(store.keyFor('t-other', '../../etc')).not.toBe(key);
    expect(store.inputPath(key)).toBe(join(dir, 'jobs', key, 'input.bin'));
    expect(() => store.inputPath('../x')).toThrow(/not a job key/);
  });

  it('round-trips records and removes files but keeps the record when asked', async () => {
    const key = store.keyFor('t-abc', 'job-12345678');
    await store.create(record(key));
    await writeFile(store.inputPath(key), 'input');
    await writeFile(store.stemPath(key, 0), 'stem');
    expect(await store.load(key)).toEqual(record(key));
    await store.removeFiles(key);
    expect(await readdir(join(dir, 'jobs', key))).toEqual(['job.json']);
    expect(await store.keys()).toContain(key);
    await store.remove(key);
    expect(await store.load(key)).toBeUndefined();
  });

  it('removes a damaged record instead of trusting it', async () => {
    const key = store.keyFor('t-abc', 'damaged-1');
    await store.create(record(key));
    await writeFile(join(dir, 'jobs', key, 'job.json'), '{"version":1,"key":"oops"}');
    expect(await store.load(key)).toBeUndefined();
    expect(await store.keys()).not.toContain(key);
  });

  it('applies saves of one job in the order they were asked', async () => {
    const key = store.keyFor('t-abc', 'racing-1');
    await store.create(record(key));
    await Promise.all((['queued', 'running', 'cancelled'] as const).map((state) => store.save(record(key, state))));
    expect(JSON.parse(await readFile(join(dir, 'jobs', key, 'job.json'), 'utf8')).state).toBe('cancelled');
  });

  it('tells requests apart by every field a job depends on', () => {
    const base = record('x').request;
    expect(sameRequest(base, { ...base })).toBe(true);
    expect(sameRequest(base, { ...base, stems: ['drums'] })).toBe(false);
    expect(sameRequest(base, { ...base, seed: 1 })).toBe(false);
    expect(sameRequest(base, { ...base, input: { ...base.input, sha256: 'b'.repeat(64) } })).toBe(false);
  });
});
