// The server in-process through app.request(): health and readiness, tokens, CORS, the
// capabilities document, metrics, and the JSON error format.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { capabilitiesSchema } from '@sfa/shared/offload/protocol';
import { createApp } from './app.ts';
import { loadConfig } from './config.ts';
import { createLogger } from './log.ts';
import { createContext, type ServerContext } from './server.ts';
import { writeModels } from './testing/fixtures.ts';

let dir: string;
const lines: string[] = [];
const log = createLogger('info', (line) => lines.push(line));

async function context(env: Record<string, string>): Promise<ServerContext> {
  return createContext(loadConfig({ SFA_DATA_DIR: join(dir, 'data'), SFA_EXECUTION_PROVIDER: 'cpu', ...env }), log);
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sfa-app-'));
  await writeModels(join(dir, 'models'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('offload server app', () => {
  it('is alive at once and ready once the models are warm', async () => {
    const ctx = await context({ SFA_ALLOW_OPEN: '1', SFA_MODELS_DIR: join(dir, 'models') });
    const app = createApp(ctx);
    expect(await (await app.request('/healthz')).json()).toEqual({ status: 'ok' });
    const before = await app.request('/readyz');
    expect(before.status).toBe(503);
    expect(await before.json()).toMatchObject({
      status: 'starting',
      models: [{ id: 'quick' }, { id: 'gains', status: 'loading' }],
    });
    await ctx.warmUp();
    const after = await app.request('/readyz');
    expect(after.status).toBe(200);
    expect(await after.json()).toMatchObject({
      status: 'ready',
      executionProvider: 'cpu',
      models: [{}, { status: 'ready' }],
    });
  });

  it('requires a valid bearer token on /v1 when tokens are configured', async () => {
    const app = createApp(await context({ SFA_TOKENS: 'secret-a, secret-b' }));
    const missing = await app.request('/v1/capabilities');
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe('unauthorized');
    const wrong = await app.request('/v1/capabilities', { headers: { Authorization: 'Bearer secret-' } });
    expect(wrong.status).toBe(401);
    const right = await app.request('/v1/capabilities', { headers: { Authorization: 'Bearer secret-b' } });
    expect(right.status).toBe(200);
    expect(((await right.json()) as { auth: string }).auth).toBe('bearer');
    expect((await app.request('/healthz')).status).toBe(200);
    expect(lines.join('\n')).not.toContain('secret-');
  });

  it('describes its models, execution provider, formats and limits', async () => {
    const ctx = await context({
      SFA_ALLOW_OPEN: '1',
      SFA_MODELS_DIR: join(dir, 'models'),
      SFA_MAX_DURATION_SEC: '600',
      SFA_QUEUE_DEPTH: '3',
    });
    await ctx.warmUp();
    const body = capabilitiesSchema.parse(await (await createApp(ctx).request('/v1/capabilities')).json());
    expect(body.auth).toBe('none');
    expect(body.executionProvider.name).toBe('cpu');
    expect(body.models.map((m) => [m.id, m.kind, m.status])).toEqual([
      ['quick', 'quick', 'ready'],
      ['gains', 'waveform', 'ready'],
    ]);
    expect(body.models[1]).toMatchObject({
      stems: ['drums', 'bass', 'other', 'vocals', 'instrumental'],
      defaultStems: ['drums', 'bass', 'other', 'vocals'],
      sampleRate: 44_100,
      contract: { kind: 'waveform', inputs: { waveform: { name: 'input' } } },
    });
    expect(body.outputFormats).toEqual(['pcm16', 'f32', 'flac']);
    expect(body.inputFormats).toContain('mp3');
    expect(body.limits).toMatchObject({ maxDurationSec: 600, queueDepth: 3, concurrency: 1 });
  });

  it('serves Prometheus metrics without a token', async () => {
    const response = await createApp(await context({ SFA_TOKENS: 'secret-a' })).request('/metrics');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await response.text();
    for (const name of [
      'sfa_jobs{state="running"} 0',
      'sfa_queue_depth 0',
      'sfa_active_jobs 0',
      '# TYPE sfa_inference_seconds histogram',
      'sfa_bytes_received_total 0',
      'sfa_bytes_sent_total 0',
      '# TYPE sfa_errors_total counter',
      'process_resident_memory_bytes',
    ]) {
      expect(text).toContain(name);
    }
  });

  it('sends CORS headers only to allowed origins', async () => {
    const app = createApp(await context({ SFA_ALLOW_OPEN: '1', SFA_ALLOWED_ORIGINS: 'https://app.example' }));
    const allowed = await app.request('/v1/capabilities', { headers: { Origin: 'https://app.example' } });
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://app.example');
    const other = await app.request('/v1/capabilities', { headers: { Origin: 'https://evil.example' } });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });

  it("answers a browser's preflight for a request with a token, without asking for one", async () => {
    const app = createApp(await context({ SFA_TOKENS: 'secret-a', SFA_ALLOWED_ORIGINS: 'https://app.example' }));
    const preflight = await app.request('/v1/capabilities', {
      method: 'OPTIONS',
      headers: {
        Origin: 'https://app.example',
        'Access-Control-Request-Method': 'GET',
        'Access-Control-Request-Headers': 'authorization',
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('https://app.example');
    expect(preflight.headers.get('access-control-allow-headers')).toMatch(/authorization/i);
  });

  it('answers the job endpoint without a WebSocket upgrade, and unknown routes, with JSON errors', async () => {
    const app = createApp(await context({ SFA_ALLOW_OPEN: '1' }));
    const plain = await app.request('/v1/jobs');
    expect(plain.status).toBe(426);
    expect(((await plain.json()) as { error: { message: string } }).error.message).toMatch(/WebSocket/);
    const response = await app.request('/nope');
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: { code: 'not-found', message: 'No route for GET /nope' } });
  });
});
