// compose.lb.yml's load balancer, served for real by Debian's nginx with lb-nginx.conf in front
// of two stand-in offload servers: WebSockets pass through with their subprotocols, one job's
// connections all reach one server, other work spreads, /metrics stays inside, a dead server is
// skipped.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';

const NGINX = '/usr/sbin/nginx';
if (!existsSync(NGINX)) console.warn('docker/lb.test.ts: nginx is not installed (apt-get install nginx-light)');

interface Backend {
  name: string;
  server: Server;
  port: number;
  /** Paths it was asked for, and the subprotocols its WebSocket clients offered. */
  seen: string[];
  offered: string[][];
}

async function startBackend(name: string): Promise<Backend> {
  const backend: Backend = { name, server: createServer(), port: 0, seen: [], offered: [] };
  backend.server.on('request', (request, response) => {
    backend.seen.push(request.url ?? '');
    response.setHeader('X-Backend', name);
    response.end(name);
  });
  // Like the offload server: selects `sfa.v1`, never the token-carrying subprotocol.
  const wss = new WebSocketServer({
    server: backend.server,
    handleProtocols: (protocols) => (protocols.has('sfa.v1') ? 'sfa.v1' : false),
  });
  wss.on('connection', (socket, request) => {
    backend.seen.push(request.url ?? '');
    backend.offered.push(String(request.headers['sec-websocket-protocol']).split(/,\s*/));
    socket.on('message', (data) => socket.send(`${name}:${String(data)}`));
  });
  await new Promise<void>((resolve) => backend.server.listen(0, '127.0.0.1', resolve));
  backend.port = (backend.server.address() as { port: number }).port;
  return backend;
}

/** Polls `url` until it answers `status` (expect.poll works only inside a test). */
async function waitForStatus(url: string, status: number, why: () => Promise<string>): Promise<void> {
  for (const deadline = Date.now() + 10_000; Date.now() < deadline;) {
    if (
      (await fetch(url).then(
        (r) => r.status,
        () => 0,
      )) === status
    )
      return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${url} never answered ${status}: ${await why().catch(() => '')}`);
}

describe.skipIf(!existsSync(NGINX))('docker/lb-nginx.conf', () => {
  let prefix = '';
  let nginx: ChildProcess | undefined;
  let backends: Backend[] = [];
  let base = '';

  beforeAll(async () => {
    backends = [await startBackend('gpu-0'), await startBackend('gpu-1')];
    const probe = await startBackend('port-finder');
    const port = probe.port;
    await new Promise((resolve) => probe.server.close(resolve));
    base = `127.0.0.1:${port}`;

    prefix = await mkdtemp(join(tmpdir(), 'sfa-lb-'));
    let conf = (await readFile('docker/lb-nginx.conf', 'utf8')).replace('listen 8080;', `listen ${base};`);
    for (const backend of backends) conf = conf.replace(`${backend.name}:8787`, `127.0.0.1:${backend.port}`);
    expect(conf).not.toMatch(/gpu-\d:8787/);
    const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']
      .map((kind) => `${kind}_temp_path ${prefix}/${kind};`)
      .join('\n');
    await writeFile(
      join(prefix, 'nginx.conf'),
      `${process.getuid?.() === 0 ? 'user root;' : ''} daemon off; worker_processes 1; pid ${prefix}/nginx.pid; error_log ${prefix}/error.log;
events {}
http { access_log off; ${temp}
${conf}
}`,
    );
    nginx = spawn(NGINX, ['-p', prefix, '-c', join(prefix, 'nginx.conf')], { stdio: 'inherit' });
    await waitForStatus(`http://${base}/healthz`, 200, () => readFile(join(prefix, 'error.log'), 'utf8'));
  });

  afterAll(async () => {
    nginx?.kill('SIGTERM');
    for (const backend of backends) backend.server.closeAllConnections();
    await Promise.all(backends.map((backend) => new Promise((resolve) => backend.server.close(resolve))));
    if (prefix) await rm(prefix, { recursive: true, force: true });
  });

  async function backendFor(path: string): Promise<string> {
    const response = await fetch(`http://${base}${path}`);
    expect(response.status, path).toBe(200);
    return response.headers.get('x-backend')!;
  }

  function openSocket(path: string, protocols: string[]): Promise<{ socket: WebSocket; first: string }> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(`ws://${base}${path}`, protocols);
      socket.once('error', reject);
      socket.once('open', () => {
        socket.once('message', (data) => resolve({ socket, first: String(data) }));
        socket.send('hello');
      });
    });
  }

  it('answers its own /healthz and keeps /metrics from the outside', async () => {
    expect(await fetch(`http://${base}/healthz`).then((r) => r.json())).toEqual({ status: 'ok' });
    expect((await fetch(`http://${base}/metrics`)).status).toBe(404);
    expect(backends.flatMap((backend) => backend.seen).filter((path) => path.startsWith('/metrics'))).toEqual([]);
  });

  it('sends every connection of one job to one server, and spreads the rest', async () => {
    for (const job of ['job-aaaaaaaa', 'job-bbbbbbbb']) {
      const chosen = new Set<string>();
      for (let i = 0; i < 8; i++) chosen.add(await backendFor(`/v1/capabilities?job=${job}`));
      expect(chosen.size, job).toBe(1);
    }
    const byJob = new Set<string>();
    for (let i = 0; i < 16; i++) byJob.add(await backendFor(`/v1/capabilities?job=job-${i}-spread`));
    expect(byJob).toEqual(new Set(['gpu-0', 'gpu-1']));
    const unnamed = new Set<string>();
    for (let i = 0; i < 16; i++) unnamed.add(await backendFor('/v1/capabilities'));
    expect(unnamed).toEqual(new Set(['gpu-0', 'gpu-1']));
  });

  it('passes WebSockets through with their subprotocols, to the job’s server', async () => {
    const job = 'job-socket-1';
    const server = await backendFor(`/v1/capabilities?job=${job}`);
    const protocols = ['sfa.v1', 'sfa.bearer.dG9rZW4'];
    for (let i = 0; i < 3; i++) {
      const { socket, first } = await openSocket(`/v1/jobs?job=${job}`, protocols);
      expect(first).toBe(`${server}:hello`);
      expect(socket.protocol).toBe('sfa.v1');
      socket.close();
    }
    const backend = backends.find((b) => b.name === server)!;
    expect(backend.offered.at(-1)).toEqual(protocols);
  });

  it('skips a server that is down', async () => {
    const [dead, alive] = backends as [Backend, Backend];
    dead.server.closeAllConnections();
    await new Promise((resolve) => dead.server.close(resolve));
    for (let i = 0; i < 8; i++) expect(await backendFor(`/v1/capabilities?job=job-${i}-failover`)).toBe(alive.name);
    const { socket, first } = await openSocket('/v1/jobs', ['sfa.v1']);
    expect(first).toBe(`${alive.name}:hello`);
    socket.close();
  });
});
