// Configuration from the environment: defaults, lists, token files, the loopback-only open
// mode, and a message naming the variable for every bad value.

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, isLoopbackHost, loadConfig } from './config.ts';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sfa-config-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('loadConfig', () => {
  it('reads defaults and lists', () => {
    const config = loadConfig({ PORT: '9000', SFA_TOKENS: 'a,,b ' });
    expect(config).toMatchObject({
      host: '127.0.0.1',
      port: 9000,
      tokens: ['a', 'b'],
      open: false,
      allowedOrigins: [],
      concurrency: 1,
      queueDepth: 16,
      executionProvider: 'auto',
      logLevel: 'info',
      modelsDir: undefined,
    });
    expect(config.threads).toBeGreaterThanOrEqual(1);
  });

  it('reads every variable', () => {
    const config = loadConfig({
      HOST: '0.0.0.0',
      SFA_TOKENS: 'x',
      SFA_MAX_UPLOAD_BYTES: '1000',
      SFA_MAX_DURATION_SEC: '60',
      SFA_DATA_DIR: '/srv/data',
      SFA_MODELS_DIR: '/srv/models',
      SFA_CONCURRENCY: '2',
      SFA_QUEUE_DEPTH: '0',
      SFA_MAX_JOBS_PER_TOKEN: '3',
      SFA_RESULT_TTL_SEC: '30',
      SFA_EXECUTION_PROVIDER: 'CUDA',
      SFA_THREADS: '4',
      SFA_LOG_LEVEL: 'debug',
    });
    expect(config).toMatchObject({
      host: '0.0.0.0',
      maxUploadBytes: 1000,
      maxDurationSec: 60,
      dataDir: '/srv/data',
      modelsDir: '/srv/models',
      concurrency: 2,
      queueDepth: 0,
      maxJobsPerToken: 3,
      resultTtlSec: 30,
      executionProvider: 'cuda',
      threads: 4,
      logLevel: 'debug',
    });
  });

  it('joins tokens from SFA_TOKENS and SFA_TOKENS_FILE, skipping blanks and comments', async () => {
    const file = join(dir, 'tokens');
    await writeFile(file, '# the team\nfile-one\n\n  file-two  \r\na\n');
    expect(loadConfig({ SFA_TOKENS: 'a', SFA_TOKENS_FILE: file }).tokens).toEqual(['a', 'file-one', 'file-two']);
  });

  it('runs open only when asked, and only on loopback', () => {
    expect(loadConfig({ SFA_ALLOW_OPEN: '1' })).toMatchObject({ open: true, tokens: [] });
    expect(loadConfig({ SFA_ALLOW_OPEN: '1', HOST: '::1' }).open).toBe(true);
    expect(() => loadConfig({ SFA_ALLOW_OPEN: '1', HOST: '0.0.0.0' })).toThrow(/only allowed on loopback/);
    expect(() => loadConfig({})).toThrow(/no tokens: set SFA_TOKENS/);
    expect(() => loadConfig({ SFA_ALLOW_OPEN: '1', SFA_TOKENS: 'a' })).toThrow(/choose one/);
  });

  it.each([
    [{ PORT: 'eighty' }, /PORT must be a whole number/],
    [{ PORT: '70000' }, /PORT must be a whole number from 0 to 65535/],
    [{ SFA_ALLOWED_ORIGINS: 'app.example/path' }, /not an origin/],
    [{ SFA_CONCURRENCY: '0' }, /SFA_CONCURRENCY must be a whole number from 1/],
    [{ SFA_EXECUTION_PROVIDER: 'tpu' }, /SFA_EXECUTION_PROVIDER must be one of auto, cuda, cpu/],
    [{ SFA_LOG_LEVEL: 'loud' }, /SFA_LOG_LEVEL must be one of/],
    [{ SFA_ALLOW_OPEN: 'yes' }, /SFA_ALLOW_OPEN must be 1 or 0/],
    [{ SFA_TOKENS_FILE: '/nonexistent/tokens' }, /SFA_TOKENS_FILE: cannot read/],
    [{ SFA_TOKENS: 'has space' }, /space or a non-ASCII/],
  ])('refuses %o with a message naming the variable', (env, message) => {
    const withToken = { SFA_TOKENS: 'ok', ...env };
    expect(() => loadConfig(withToken)).toThrow(ConfigError);
    expect(() => loadConfig(withToken)).toThrow(message);
  });
});

describe('isLoopbackHost', () => {
  it('knows loopback names and addresses', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', '::1', 'localhost']) expect(isLoopbackHost(host), host).toBe(true);
    for (const host of ['0.0.0.0', '192.168.1.2', '::', 'example.com']) expect(isLoopbackHost(host), host).toBe(false);
  });
});
