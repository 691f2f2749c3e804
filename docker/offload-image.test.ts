// Runs the offload server exactly as its image does (no Docker engine here to run the image):
// the image's CMD from its working directory (the repository root stands in for /app), with the
// image's environment, as an unprivileged user, /data and /models in temp folders, tokens from a
// secret file; then probes it with the image's HEALTHCHECK and stops it as `docker stop` does.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { environment, execForm, healthcheck, last, readDockerfile } from './dockerfile.ts';
import { which } from './compose-config.ts';

const IMAGE = readDockerfile('docker/offload-server.Dockerfile').at(-1)!;
const TOKEN = 'image-test-token';
const NOBODY = { uid: 65534, gid: 65534 };

const isRoot = process.getuid?.() === 0;
// As root (CI), drop to nobody; otherwise this user is already unprivileged.
const asUser = isRoot ? ['setpriv', '--reuid=nobody', '--regid=nogroup', '--clear-groups', '--'] : [];
const setprivMissing = isRoot && !which('setpriv');
if (setprivMissing) console.warn('docker/offload-image.test.ts: setpriv (util-linux) is missing; cannot drop root');

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

function run(command: string[], env: NodeJS.ProcessEnv): ReturnType<typeof spawnSync> {
  const [file, ...args] = [...asUser, ...command];
  return spawnSync(file!, args, { env, encoding: 'utf8', timeout: 15_000 });
}

/**
 * The image's user reads /app; here it must reach the checkout. A clone under a private folder
 * (CI clones into a mode-700 directory owned by root) is opened for search (o+x, not read) for
 * the duration of the test, and closed again after.
 */
function openPathToCheckout(): [string, number][] {
  const opened: [string, number][] = [];
  if (!isRoot) return opened;
  for (let dir = process.cwd(); ; dir = dirname(dir)) {
    const mode = statSync(dir).mode & 0o7777;
    if ((mode & 0o001) === 0) {
      chmodSync(dir, mode | 0o001);
      opened.push([dir, mode]);
    }
    if (dirname(dir) === dir) break;
  }
  return opened;
}

describe.skipIf(setprivMissing)('the offload server image, run as its CMD says', { timeout: 60_000 }, () => {
  let temp = '';
  let opened: [string, number][] = [];
  let server: ChildProcess | undefined;
  let exited: Promise<number | null>;
  let port = 0;
  let env: NodeJS.ProcessEnv = {};
  let output = '';

  beforeAll(async () => {
    temp = mkdtempSync(join(tmpdir(), 'sfa-image-'));
    const paths = { data: join(temp, 'data'), models: join(temp, 'models'), tokens: join(temp, 'sfa_tokens') };
    port = await freePort();
    // Only the image's environment, plus what compose or `docker run` adds: the port under test,
    // the volumes' mount points here, the secret file. PATH as the node image sets it.
    env = {
      PATH: `${dirname(process.execPath)}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`,
      ...environment(IMAGE),
      PORT: String(port),
      SFA_DATA_DIR: paths.data,
      SFA_MODELS_DIR: paths.models,
      SFA_TOKENS_FILE: paths.tokens,
    };
    chmodSync(temp, 0o755);
    for (const dir of [paths.data, paths.models]) mkdirSync(dir, { mode: 0o700 });
    writeFileSync(paths.tokens, `${TOKEN}\n`, { mode: 0o400 });
    if (isRoot) for (const path of Object.values(paths)) chownSync(path, NOBODY.uid, NOBODY.gid);

    // The user must be able to read the checkout, as the image's user reads /app: by absolute
    // path, as node resolves modules (a relative one works from an unreachable working folder).
    opened = openPathToCheckout();
    const root = process.cwd();
    const readable = run(
      ['sh', '-c', `test -r '${root}/offload-server/src/main.ts' && test -r '${root}/node_modules/tsx/package.json'`],
      env,
    );
    if (readable.status !== 0) {
      throw new Error(`${isRoot ? 'nobody' : 'this user'} cannot read the checkout at ${process.cwd()}`);
    }
    const [file, ...args] = [...asUser, ...execForm(last(IMAGE, 'CMD')!)];
    const child = spawn(file!, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    server = child;
    exited = new Promise((resolve) => child.on('exit', resolve));
    child.stdout.on('data', (chunk: Buffer) => (output += chunk));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk));
  });

  afterAll(() => {
    if (server && server.exitCode === null) server.kill('SIGKILL');
    if (temp) rmSync(temp, { recursive: true, force: true });
    for (const [dir, mode] of opened.reverse()) chmodSync(dir, mode);
  });

  async function get(path: string, headers: Record<string, string> = {}): Promise<number> {
    return fetch(`http://127.0.0.1:${port}${path}`, { headers }).then(
      (response) => response.status,
      () => 0,
    );
  }

  it('comes up live, then ready on the execution provider the image names', async () => {
    await expect.poll(() => get('/healthz'), { timeout: 20_000, interval: 200 }).toBe(200);
    await expect.poll(() => get('/readyz'), { timeout: 20_000, interval: 200 }).toBe(200);
    const readiness = (await fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.json())) as {
      executionProvider: string;
    };
    expect(readiness.executionProvider, output).toBe(environment(IMAGE).SFA_EXECUTION_PROVIDER);
  });

  it('runs as the unprivileged user, not as root', () => {
    const status = readFileSync(`/proc/${server!.pid}/status`, 'utf8');
    const uid = Number(/^Uid:\s+(\d+)/m.exec(status)?.[1]);
    expect(uid).not.toBe(0);
    if (isRoot) expect(uid).toBe(NOBODY.uid);
  });

  it('takes its tokens from the secret file; /metrics, like /healthz, needs none', async () => {
    expect(await get('/v1/capabilities')).toBe(401);
    expect(await get('/v1/capabilities', { Authorization: `Bearer ${TOKEN}` })).toBe(200);
    // prometheus.yml scrapes without a token.
    expect(await get('/metrics')).toBe(200);
  });

  it('passes its HEALTHCHECK while it serves, fails it once stopped, and stops cleanly on SIGTERM', async () => {
    const probe = healthcheck(IMAGE)!.command;
    expect(run(probe, env).status, 'healthcheck while serving').toBe(0);
    // `docker stop` sends SIGTERM to the command, which the server handles itself (no wrapper).
    server!.kill('SIGTERM');
    expect(await exited, output).toBe(0);
    expect(run(probe, env).status, 'healthcheck once stopped').toBe(1);
  });
});
