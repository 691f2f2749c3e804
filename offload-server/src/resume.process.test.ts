// Resuming: a server killed mid-job and restarted on the same data, a server killed while a
// slow client still reads a finished job, and a replica gone for good behind nginx, where the
// other replica recomputes the job (seeded shifts included) and skips the bytes the client has.
// Every time the final stems must equal the local pipeline's: no byte missing or repeated.

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runOffloadJob, type OffloadEvent } from '@sfa/shared/offload/client';
import { GAIN_STEMS, localStems, newJobId, runJob, wavFile, WebSocket, writeModels } from './testing/fixtures.ts';
import { freePort, startServerProcess, type ServerProcess } from './testing/server-process.ts';

const TOKEN = 'resume-token-0123456789abcdef';
const NGINX = '/usr/sbin/nginx';
let dir: string;
let models: string;
const servers: ServerProcess[] = [];

async function start(env: Record<string, string>): Promise<ServerProcess> {
  const server = await startServerProcess({ SFA_TOKENS: TOKEN, SFA_MODELS_DIR: models, ...env });
  servers.push(server);
  return server;
}

function firstEvent(events: OffloadEvent[], type: OffloadEvent['type']): Promise<void> {
  return new Promise((resolve) => {
    const poll = () => (events.some((e) => e.type === type) ? resolve() : setTimeout(poll, 5));
    poll();
  });
}

function logged(server: ServerProcess, msg: string, jobId: string): boolean {
  return server.lines.some((line) => line.includes(`"msg":"${msg}"`) && line.includes(jobId));
}

async function until(check: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}

function expectEqualStems(got: Record<string, Uint8Array>, want: Record<string, Uint8Array>): void {
  expect(Object.keys(got)).toEqual(Object.keys(want));
  for (const stem of Object.keys(want)) {
    expect(got[stem]!.length, stem).toBe(want[stem]!.length);
    expect(Buffer.compare(got[stem]!, want[stem]!), stem).toBe(0);
  }
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sfa-resume-'));
  models = join(dir, 'models');
  await writeModels(models, 400);
});

afterAll(async () => {
  await Promise.all(servers.map((server) => server.stop()));
  await rm(dir, { recursive: true, force: true });
});

describe('a server that dies and comes back', () => {
  it('redoes a job killed mid-run from its input on disk; the client keeps its bytes', async () => {
    const port = String(await freePort());
    const data = join(dir, 'restart-run');
    const first = await start({ PORT: port, SFA_DATA_DIR: data });
    await first.ready();
    const file = wavFile(8);
    const jobId = newJobId('crash');
    const events: OffloadEvent[] = [];
    const job = runJob(first.url, {
      token: TOKEN,
      jobId,
      model: 'slow',
      format: 'pcm16',
      file,
      reconnectDelayMs: 200,
      onEvent: (e) => events.push(e),
    });
    await firstEvent(events, 'stem-data');
    await first.kill();
    const bytesBeforeKill = events.reduce((sum, e) => sum + (e.type === 'stem-data' ? e.bytes.length : 0), 0);
    expect(logged(first, 'job done', jobId)).toBe(false);

    const second = await start({ PORT: port, SFA_DATA_DIR: data });
    const result = await job;
    expectEqualStems(result.stems, await localStems(models, 'slow', file, GAIN_STEMS, 'pcm16'));
    expect(bytesBeforeKill).toBeGreaterThan(0);
    expect(result.stats.connections).toBeGreaterThanOrEqual(2);
    // The input was not sent again: the restarted server had it on disk.
    expect(result.stats.uploadedBytes).toBe(file.length);
    expect(logged(second, 'job resumed after a restart', jobId)).toBe(true);
  }, 90_000);

  it('streams a finished job from disk after a restart, to a client that read slowly', async () => {
    const port = String(await freePort());
    const data = join(dir, 'restart-done');
    const first = await start({ PORT: port, SFA_DATA_DIR: data });
    await first.ready();
    // A client whose socket stops reading after the first stem bytes: the server must hold
    // the rest on disk, not in memory, and keep it for the client's return.
    const sockets: WebSocket[] = [];
    class Recorded extends WebSocket {
      constructor(url: string, protocols?: string | string[]) {
        super(url, protocols);
        sockets.push(this);
      }
    }
    const file = wavFile(30);
    const jobId = newJobId('slowreader');
    const events: OffloadEvent[] = [];
    const job = runOffloadJob({
      serverUrl: first.url,
      WebSocket: Recorded,
      token: TOKEN,
      jobId,
      model: 'gains',
      format: 'f32',
      file,
      reconnectDelayMs: 200,
      onEvent: (e) => {
        if (e.type === 'stem-data' && !events.some((x) => x.type === 'stem-data')) sockets.at(-1)!.pause();
        events.push(e);
      },
    });
    await until(() => logged(first, 'job done', jobId));
    // Backpressure: with the client not reading, the server stopped sending once the socket
    // held its high-water mark (plus what the kernel buffers), far short of the 42 MB of stems.
    await new Promise((r) => setTimeout(r, 300));
    const sent = (await (await fetch(`${first.url}/metrics`)).text()).match(/^sfa_bytes_sent_total (\d+)$/m);
    expect(Number(sent![1])).toBeLessThan(20e6);
    await first.kill();
    sockets.at(-1)!.resume();

    const second = await start({ PORT: port, SFA_DATA_DIR: data });
    const result = await job;
    expectEqualStems(result.stems, await localStems(models, 'gains', file, GAIN_STEMS, 'f32'));
    expect(result.stats.connections).toBeGreaterThanOrEqual(2);
    expect(logged(second, 'job started', jobId)).toBe(false);
  }, 90_000);
});

describe.skipIf(!existsSync(NGINX))('two replicas behind nginx', () => {
  let nginx: ChildProcess | undefined;

  afterAll(() => {
    nginx?.kill('SIGTERM');
  });

  it('finishes on the other replica when one is gone for good, skipping the bytes the client has', async () => {
    const a = await start({ SFA_DATA_DIR: join(dir, 'replica-a') });
    const b = await start({ SFA_DATA_DIR: join(dir, 'replica-b') });
    await Promise.all([a.ready(), b.ready()]);
    const port = await freePort();
    const prefix = await mkdtemp(join(dir, 'nginx-'));
    const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']
      .map((kind) => `${kind}_temp_path ${prefix}/${kind};`)
      .join('\n');
    // B is a backup: every connection goes to A while A is up, so the test knows who runs what.
    await writeFile(
      join(prefix, 'nginx.conf'),
      `${process.getuid?.() === 0 ? 'user root;' : ''} daemon off; worker_processes 1; pid ${prefix}/nginx.pid;
error_log ${prefix}/error.log;
events {}
http {
  access_log off; ${temp}
  map $http_upgrade $connection_upgrade { default upgrade; '' close; }
  upstream sfa { server 127.0.0.1:${a.port} max_fails=1 fail_timeout=60s; server 127.0.0.1:${b.port} backup; }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://sfa;
      proxy_http_version 1.1;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection $connection_upgrade;
      proxy_read_timeout 120s;
      proxy_buffering off;
    }
  }
}`,
    );
    nginx = spawn(NGINX, ['-p', prefix, '-c', join(prefix, 'nginx.conf')], { stdio: 'inherit' });
    const url = `http://127.0.0.1:${port}`;
    let status = 0;
    for (let i = 0; i < 200 && status !== 200; i++) {
      status = await fetch(`${url}/healthz`).then(
        (r) => r.status,
        () => 0,
      );
      if (status !== 200) await new Promise((r) => setTimeout(r, 50));
    }
    expect(status).toBe(200);

    const file = wavFile(6);
    const jobId = newJobId('replica');
    const events: OffloadEvent[] = [];
    const options = { token: TOKEN, jobId, model: 'slow', format: 'flac' as const, file, shifts: 1, seed: 7 };
    const job = runJob(url, { ...options, reconnectDelayMs: 200, onEvent: (e) => events.push(e) });
    await firstEvent(events, 'stem-data');
    await a.kill();
    const result = await job;

    expectEqualStems(result.stems, await localStems(models, 'slow', file, GAIN_STEMS, 'flac', options));
    expect(logged(a, 'job opened', jobId)).toBe(true);
    expect(logged(a, 'job done', jobId)).toBe(false);
    expect(logged(b, 'job done', jobId)).toBe(true);
    // B had nothing: the file went up again, and B sent only what the client lacked.
    expect(result.stats.uploadedBytes).toBe(2 * file.length);
    const total = Object.values(result.stems).reduce((sum, stem) => sum + stem.length, 0);
    expect(result.stats.receivedBytes).toBe(total);
    expect(result.stats.connections).toBe(2);
    const secondAccepted = events.findIndex(
      (e, i) => e.type === 'accepted' && events.slice(0, i).some((x) => x.type === 'accepted'),
    );
    const fromA = events
      .slice(0, secondAccepted)
      .reduce((sum, e) => sum + (e.type === 'stem-data' ? e.bytes.length : 0), 0);
    expect(fromA).toBeGreaterThan(0);
    const metrics = await (await fetch(`${b.url}/metrics`)).text();
    expect(metrics).toContain(`sfa_bytes_sent_total ${total - fromA}\n`);
    expect(events.filter((e) => e.type === 'accepted').map((e) => e.type === 'accepted' && e.upload)).toEqual([
      true,
      true,
    ]);
  }, 120_000);
});
