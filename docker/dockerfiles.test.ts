// What the images are built from and how they run, read from the Dockerfiles (no Docker engine
// here to build them): pinned bases, multi-stage builds, a non-root user, a healthcheck, the
// CUDA provider asked for at install time, no devDependencies, and the two offload images alike.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { all, environment, execForm, healthcheck, last, readDockerfile, type Stage } from './dockerfile.ts';

const CPU = 'docker/offload-server.Dockerfile';
const CUDA = 'docker/offload-server.cuda.Dockerfile';
const WEB = 'docker/web.Dockerfile';
const DOCKERFILES = [CPU, CUDA, WEB];

/** An image reference pinned to an exact version (x.y.z in the tag) or a digest. */
const PINNED = /^[\w./-]+(:[\w.-]*\d+\.\d+\.\d+[\w.-]*)?(@sha256:[0-9a-f]{64})?$/;

function final(path: string): Stage {
  return readDockerfile(path).at(-1)!;
}

/** Instructions of the final stage up to and including CMD, in order. */
function keywordsBeforeCmd(stage: Stage): string[] {
  const keywords = stage.instructions.map((instruction) => instruction.keyword);
  return keywords.slice(0, keywords.lastIndexOf('CMD'));
}

describe.each(DOCKERFILES)('%s', (path) => {
  const stages = readDockerfile(path);
  const names = stages.map((stage) => stage.name).filter(Boolean);

  it('builds in stages from base images pinned to exact versions', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const { from } of stages) {
      if (names.includes(from)) continue; // an earlier stage
      expect(from, `${path}: FROM ${from}`).toMatch(PINNED);
      expect(from.includes('@sha256:') || /:[^@]*\d+\.\d+\.\d+/.test(from), `${path}: FROM ${from}`).toBe(true);
      expect(from).not.toMatch(/:latest\b/);
    }
  });

  it('runs as a non-root user, with a healthcheck and an exec-form command', () => {
    const stage = final(path);
    const user = last(stage, 'USER');
    expect(user, `${path} sets USER`).toBeDefined();
    expect(user).not.toMatch(/^(root|0)(:|$)/);
    expect(keywordsBeforeCmd(stage)).toContain('USER');
    expect(healthcheck(stage)?.command.length).toBeGreaterThan(1);
    expect(execForm(last(stage, 'CMD')!).length).toBeGreaterThan(0);
  });

  it('has an ignore file that keeps host dependencies and build output out of the context', () => {
    const ignore = readFileSync(`${path}.dockerignore`, 'utf8').split('\n');
    for (const entry of ['**/node_modules', 'dist', '.git', 'docker/secrets']) expect(ignore).toContain(entry);
  });
});

describe('the offload server images', () => {
  const cpu = readDockerfile(CPU);
  const cuda = readDockerfile(CUDA);

  it('install only production dependencies, onnxruntime-node CPU-only or with CUDA 12', () => {
    // onnxruntime-node's own install script names the builds it can fetch for a platform.
    const require = createRequire(import.meta.url);
    const metadata = require('onnxruntime-node/script/install-metadata.js') as {
      requirements: Record<string, string[]>;
    };
    expect(metadata.requirements['linux/x64']).toContain('cuda12');

    for (const [stages, flag] of [
      [cpu, 'skip'],
      [cuda, 'cuda12'],
    ] as const) {
      const installer = stages.find((stage) => all(stage, 'RUN').some((run) => run.includes('npm install')))!;
      expect(environment(installer).ONNXRUNTIME_NODE_INSTALL).toBe(flag);
      const install = all(installer, 'RUN').find((run) => run.includes('npm install'))!;
      expect(install).toMatch(/--omit=dev/);
      expect(install).toMatch(/--workspace @sfa\/offload-server/);
      expect(install).not.toMatch(/--include-workspace-root/);
    }
    // The command runs tsx, so tsx must be one of the server's production dependencies.
    const server = JSON.parse(readFileSync('offload-server/package.json', 'utf8')) as {
      dependencies: Record<string, string>;
    };
    expect(server.dependencies).toHaveProperty('tsx');
    expect(server.dependencies).toHaveProperty('onnxruntime-node');
  });

  it('run the same command, user, healthcheck and environment, bar the execution provider', () => {
    const [a, b] = [cpu.at(-1)!, cuda.at(-1)!];
    expect(execForm(last(a, 'CMD')!)).toEqual(execForm(last(b, 'CMD')!));
    expect(execForm(last(a, 'CMD')!)).toEqual(['node', '--import', 'tsx', 'offload-server/src/main.ts']);
    expect(last(a, 'USER')).toBe(last(b, 'USER'));
    expect(healthcheck(a)).toEqual(healthcheck(b));
    expect(last(a, 'WORKDIR')).toBe(last(b, 'WORKDIR'));
    const { SFA_EXECUTION_PROVIDER: cpuProvider, ...cpuEnv } = environment(a);
    const { SFA_EXECUTION_PROVIDER: cudaProvider, ...cudaEnv } = environment(b);
    expect([cpuProvider, cudaProvider]).toEqual(['cpu', 'cuda']);
    expect(cpuEnv).toEqual(cudaEnv);
    expect(cpuEnv).toMatchObject({ PORT: '8787', SFA_DATA_DIR: '/data', SFA_MODELS_DIR: '/models' });
    expect(all(a, 'VOLUME')).toEqual(['["/data", "/models"]']);
    expect(all(b, 'VOLUME')).toEqual(['["/data", "/models"]']);
  });

  it('put the CUDA server on CUDA 12 with cuDNN, glibc, and the Node of the CPU image', () => {
    const base = cuda.at(-1)!.from;
    expect(base).toMatch(/^nvidia\/cuda:12\.\d+\.\d+-cudnn-runtime-ubuntu\d+\.\d+/);
    const nodeStage = cuda.find((stage) => stage.name === 'node')!;
    expect(nodeStage.from).toBe(cpu.at(-1)!.from);
    expect(all(cuda.at(-1)!, 'COPY')).toContain('--from=node /usr/local/bin/node /usr/local/bin/node');
    // Node 20.19 or newer (package.json engines): require(esm) and the fetch the healthcheck uses.
    const [major, minor] = /node:(\d+)\.(\d+)\./.exec(nodeStage.from)!.slice(1).map(Number);
    expect(major! > 20 || (major === 20 && minor! >= 19)).toBe(true);
  });
});

describe(WEB, () => {
  it('builds the app, compresses it, and serves it from unprivileged nginx', () => {
    const stages = readDockerfile(WEB);
    expect(all(stages[0]!, 'RUN')).toContain('npm run build');
    expect(all(stages[0]!, 'RUN').some((run) => run.startsWith('find dist') && run.includes('gzip -9 -k'))).toBe(true);
    expect(stages.at(-1)!.from).toMatch(/^nginxinc\/nginx-unprivileged:/);
    expect(all(stages.at(-1)!, 'COPY')).toContain('--from=build /src/dist /usr/share/nginx/html');
  });
});
