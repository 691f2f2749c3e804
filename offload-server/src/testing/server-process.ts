// Real offload server processes for the tests, started the way the Docker image starts them
// (tsx offload-server/src/main.ts) with their configuration in the environment, on loopback.

import { spawn, type ChildProcess } from 'node:child_process';
import { connect, createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const TSX = `${ROOT}node_modules/.bin/tsx`;

export interface ServerProcess {
  url: string;
  port: number;
  /** The server's own process id (tsx runs it as a child of the spawned process). */
  pid: number;
  child: ChildProcess;
  /** Every line the process wrote to stdout (JSON logs) and stderr. */
  lines: string[];
  /** Resolves when /readyz answers 200. */
  ready(): Promise<void>;
  /** SIGTERM, and waits for the exit. */
  stop(): Promise<void>;
  /** SIGKILL: the process dies mid-work, as in a crash. */
  kill(): Promise<void>;
}

/** A port free right now on loopback (for a server that must come back on the same port). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    process.kill(-child.pid!, signal);
  } catch {
    // Already gone.
  }
}

/** Resolves once nothing listens on `port` any more (the killed server's socket is gone). */
async function portClosed(port: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (!open) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`port ${port} is still taken after the server was killed`);
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise((resolve) => child.once('exit', () => resolve()));
}

/** Starts a server with `env` (PORT defaults to 0) and waits for its "listening" line. */
export async function startServerProcess(env: Record<string, string>, timeoutMs = 30_000): Promise<ServerProcess> {
  // tsx runs the server in a child process of its own: the server gets a process group so a
  // kill reaches it, not only tsx (which relays SIGTERM, but nothing can relay SIGKILL).
  const child = spawn(TSX, ['offload-server/src/main.ts'], {
    cwd: ROOT,
    detached: true,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', PORT: '0', SFA_LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let pid = 0;
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      // Not left running behind a failed start.
      signalGroup(child, 'SIGKILL');
      reject(new Error(`no listening line in ${timeoutMs} ms:\n${lines.join('\n')}`));
    }, timeoutMs);
    let pending = '';
    const onData = (chunk: Buffer) => {
      pending += chunk.toString();
      const parts = pending.split('\n');
      pending = parts.pop()!;
      for (const line of parts) {
        lines.push(line);
        if (!line.startsWith('{')) continue;
        const entry = JSON.parse(line) as { msg?: string; url?: string; pid?: number };
        if (entry.msg === 'listening' && entry.url) {
          pid = entry.pid ?? 0;
          clearTimeout(timer);
          resolve(entry.url);
        }
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (chunk: Buffer) => lines.push(...chunk.toString().split('\n').filter(Boolean)));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the server exited with ${code}:\n${lines.join('\n')}`));
    });
  });
  const port = Number(new URL(url).port);
  return {
    url,
    port,
    pid,
    child,
    lines,
    async ready() {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        const status = await fetch(`${url}/readyz`).then(
          (r) => r.status,
          () => 0,
        );
        if (status === 200) return;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`${url} was not ready in ${timeoutMs} ms`);
    },
    async stop() {
      signalGroup(child, 'SIGTERM');
      await exited(child);
    },
    async kill() {
      signalGroup(child, 'SIGKILL');
      await exited(child);
      await portClosed(port);
    },
  };
}
