// The offload server as a real process on a loopback port, driven over real WebSockets by the
// shared client (and by hand-made frames where a client must misbehave): whole jobs in every
// output format against the local pipeline, tokens, origins, limits, bad frames, busy, cancel.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '@sfa/shared/library/content-hash';
import { GAIN_STEMS, localStems, newJobId, runJob, wavFile, writeModels } from './testing/fixtures.ts';
import { startServerProcess, type ServerProcess } from './testing/server-process.ts';

const TOKEN = 'test-token-0123456789abcdef';
let dir: string;
let server: ServerProcess;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sfa-offload-'));
  await writeModels(join(dir, 'models'));
  server = await startServerProcess({
    SFA_TOKENS: TOKEN,
    SFA_MODELS_DIR: join(dir, 'models'),
    SFA_DATA_DIR: join(dir, 'data'),
    SFA_ALLOWED_ORIGINS: 'http://app.example',
  });
  await server.ready();
});

afterAll(async () => {
  await server?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('a whole job', () => {
  it.each(['pcm16', 'f32', 'flac'] as const)(
    'streams every stem in %s, equal to the local pipeline',
    async (format) => {
      const file = wavFile(3.3);
      const stems = [...GAIN_STEMS, 'instrumental'];
      const result = await runJob(server.url, { token: TOKEN, jobId: newJobId(), model: 'gains', stems, format, file });
      const expected = await localStems(join(dir, 'models'), 'gains', file, stems, format);
      expect(Object.keys(result.stems)).toEqual(stems);
      for (const stem of stems) {
        expect(result.stems[stem]!.length, stem).toBe(expected[stem]!.length);
        expect(Buffer.compare(result.stems[stem]!, expected[stem]!), stem).toBe(0);
        expect(result.sha256[stem]).toBe(await sha256Hex(expected[stem]! as Uint8Array<ArrayBuffer>));
      }
    },
  );
});
