// The compose files as Docker Compose itself resolves them (Debian's docker-compose, `config`
// only: no engine needed): which services each profile starts, limits, healthchecks, the GPU
// reservation, volumes, the token secret, Prometheus, and the load-balanced GPU setup.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  activeServices,
  composeConfig,
  DOCKER_COMPOSE,
  yamlToObject,
  type ComposeConfig,
  type ComposeService,
} from './compose-config.ts';
import { healthcheck, readDockerfile } from './dockerfile.ts';

const COMPOSE = 'docker/compose.yml';
const COMPOSE_LB = 'docker/compose.lb.yml';
const OFFLOAD_IMAGES = ['docker/offload-server.Dockerfile', 'docker/offload-server.cuda.Dockerfile'];

if (!DOCKER_COMPOSE) console.warn('docker/compose.test.ts: docker-compose is not installed, compose checks skipped');

function volumeNames(service: ComposeService): Record<string, string> {
  // "name:/path:rw" -> { "/path": "name" }
  return Object.fromEntries(
    (service.volumes ?? []).map((volume) => volume.split(':')).map(([name, path]) => [path, name]),
  );
}

function expectEveryServiceHardened(services: Record<string, ComposeService>): void {
  for (const [name, service] of Object.entries(services)) {
    expect(service.restart, name).toBe('unless-stopped');
    expect(service.read_only, name).toBe(true);
    expect(service.healthcheck?.test?.[0], name).toBe('CMD');
    expect(service.healthcheck?.test?.length, name).toBeGreaterThan(1);
    const limits = service.deploy?.resources?.limits;
    expect(Number(limits?.cpus), name).toBeGreaterThan(0);
    expect(limits?.memory, name).toMatch(/^\d+[mg]$/);
    if (service.image) expect(service.image, name).not.toMatch(/:latest$|^[^:]+$/);
    if (service.build) expect(existsSync(service.build.dockerfile), service.build.dockerfile).toBe(true);
  }
}

describe.skipIf(!DOCKER_COMPOSE)('docker/compose.yml', () => {
  // Resolved in beforeAll: a skipped suite's body still runs when vitest collects it.
  let config: ComposeConfig;
  let web: ComposeService | undefined;
  let offload: ComposeService | undefined;
  let gpu: ComposeService | undefined;
  let prometheus: ComposeService | undefined;
  beforeAll(() => {
    config = composeConfig(COMPOSE);
    ({ web, offload, 'offload-gpu': gpu, prometheus } = config.services);
  });

  it('starts web and the CPU server by default, the GPU server with `gpu`, Prometheus with `monitoring`', () => {
    expect(activeServices(composeConfig(COMPOSE, []), [])).toEqual(['offload', 'web']);
    expect(activeServices(composeConfig(COMPOSE, ['gpu']), ['gpu'])).toEqual(['offload', 'offload-gpu', 'web']);
    expect(activeServices(composeConfig(COMPOSE, ['monitoring']), ['monitoring'])).toEqual([
      'offload',
      'prometheus',
      'web',
    ]);
    expect(web?.build?.dockerfile).toBe('docker/web.Dockerfile');
    expect(offload?.build?.dockerfile).toBe('docker/offload-server.Dockerfile');
    expect(gpu?.build?.dockerfile).toBe('docker/offload-server.cuda.Dockerfile');
  });

  it('gives every service a healthcheck, CPU and memory limits, a read-only root and a restart policy', () => {
    expectEveryServiceHardened(config.services);
  });

  it('reserves one NVIDIA GPU for the GPU server only', () => {
    expect(gpu?.deploy?.resources?.reservations?.devices).toEqual([
      { driver: 'nvidia', count: 1, capabilities: ['gpu'] },
    ]);
    expect(offload?.deploy?.resources?.reservations).toBeUndefined();
    // Both can run at once (a profile adds services, it cannot remove one): two host ports.
    const published = (service: ComposeService | undefined) =>
      service?.ports?.map((port) => (typeof port === 'string' ? port : `${port.published}:${port.target}`));
    expect(published(offload)).toEqual(['8787:8787']);
    expect(published(gpu)).toEqual(['8788:8787']);
  });

  it('keeps jobs and models on named volumes, a volume of data per server', () => {
    const declared = Object.keys(config.volumes ?? {});
    for (const service of [offload!, gpu!]) {
      const mounts = volumeNames(service);
      expect(Object.keys(mounts).sort()).toEqual(['/data', '/models']);
      for (const name of Object.values(mounts)) expect(declared).toContain(name);
    }
    expect(volumeNames(offload!)['/data']).not.toBe(volumeNames(gpu!)['/data']);
    expect(volumeNames(offload!)['/models']).toBe(volumeNames(gpu!)['/models']);
    // A fixed name the README fills models into, shared with compose.lb.yml.
    expect(config.volumes?.[volumeNames(offload!)['/models']!]).toEqual({ name: 'sfa-models' });
  });

  it('hands the servers their tokens as a secret file, never in the environment', () => {
    for (const service of [offload!, gpu!]) {
      expect(service.secrets).toEqual([{ source: 'sfa_tokens' }]);
      expect(service.environment?.SFA_TOKENS_FILE).toBe('/run/secrets/sfa_tokens');
      expect(service.environment).not.toHaveProperty('SFA_TOKENS');
    }
    expect(config.secrets?.sfa_tokens?.file).toMatch(/\/docker\/secrets\/sfa_tokens$/);
    // The default token file must never be committed.
    const ignored = spawnSync('git', ['check-ignore', '-q', 'docker/secrets/sfa_tokens']);
    expect(ignored.status, 'git ignores docker/secrets/sfa_tokens').toBe(0);
    // The path can be moved, as the README says.
    const moved = composeConfig(COMPOSE, [], { SFA_TOKENS_SECRET: '/etc/sfa/tokens' });
    expect(moved.secrets?.sfa_tokens?.file).toBe('/etc/sfa/tokens');
  });

  it("probes each server as its image's HEALTHCHECK does, with the same settings for CPU and GPU", () => {
    for (const [service, dockerfile] of [
      [offload, OFFLOAD_IMAGES[0]!],
      [gpu, OFFLOAD_IMAGES[1]!],
    ] as const) {
      const stages = readDockerfile(dockerfile);
      expect(service?.healthcheck?.test).toEqual(['CMD', ...healthcheck(stages.at(-1)!)!.command]);
    }
    const { profiles: _p, build: _b, image: _i, ports: _o, volumes: _v, deploy: _d, ...gpuRest } = gpu!;
    const { profiles: _q, build: _c, image: _j, ports: _r, volumes: _w, deploy: _e, ...cpuRest } = offload!;
    expect(gpuRest).toEqual(cpuRest);
  });

  it('runs Prometheus, pinned, after the server is healthy, scraping every server it can start', () => {
    expect(prometheus?.image).toMatch(/^prom\/prometheus:v\d+\.\d+\.\d+$/);
    expect(prometheus?.depends_on).toEqual({ offload: { condition: 'service_healthy' } });
    expect(prometheus?.ports).toEqual(['127.0.0.1:9090:9090/tcp']);
    const mount = prometheus?.volumes?.find((volume) => volume.includes(':/etc/prometheus/prometheus.yml'));
    const hostPath = mount!.split(':')[0]!;
    expect(hostPath).toMatch(/\/docker\/prometheus\.yml$/);

    const scrape = yamlToObject(readFileSync(hostPath, 'utf8')) as {
      scrape_configs: { job_name: string; metrics_path: string; static_configs: { targets: string[] }[] }[];
    };
    const [job] = scrape.scrape_configs;
    expect(job?.metrics_path).toBe('/metrics');
    const targets = job!.static_configs.flatMap((group) => group.targets).sort();
    const servers = Object.entries(config.services)
      .filter(([, service]) => OFFLOAD_IMAGES.includes(service.build?.dockerfile ?? ''))
      .map(([name]) => `${name}:8787`)
      .sort();
    expect(targets).toEqual(servers);
  });

  it('takes limits from the environment', () => {
    const sized = composeConfig(COMPOSE, ['gpu'], { SFA_OFFLOAD_CPUS: '2', SFA_OFFLOAD_GPU_MEMORY: '24g' });
    expect(Number(sized.services.offload?.deploy?.resources?.limits?.cpus)).toBe(2);
    expect(sized.services['offload-gpu']?.deploy?.resources?.limits?.memory).toBe('24g');
  });
});

describe.skipIf(!DOCKER_COMPOSE)('docker/compose.lb.yml', () => {
  let config: ComposeConfig;
  let servers: string[];
  let lb: ComposeService | undefined;
  beforeAll(() => {
    config = composeConfig(COMPOSE_LB);
    servers = Object.keys(config.services).filter((name) => name.startsWith('gpu-'));
    lb = config.services.lb;
  });

  it('puts one GPU per server, each on its own device, behind nginx', () => {
    expect(servers.length).toBeGreaterThanOrEqual(2);
    const devices = servers.map((name) => config.services[name]!.deploy?.resources?.reservations?.devices);
    for (const device of devices) {
      expect(device).toHaveLength(1);
      expect(device?.[0]).toMatchObject({ driver: 'nvidia', capabilities: ['gpu'] });
      expect(device?.[0]?.device_ids).toHaveLength(1);
    }
    expect(new Set(devices.map((device) => device?.[0]?.device_ids?.[0])).size).toBe(servers.length);
    // Only the balancer is reachable from outside.
    for (const name of servers) expect(config.services[name]!.ports).toBeUndefined();
    expect(lb?.ports).toEqual([{ published: 8787, target: 8080 }]);
    expectEveryServiceHardened(config.services);
  });

  it('starts the balancer once every server is healthy, and balances exactly those servers', () => {
    expect(lb?.depends_on).toEqual(Object.fromEntries(servers.map((name) => [name, { condition: 'service_healthy' }])));
    const mount = lb?.volumes?.find((volume) => volume.includes(':/etc/nginx/conf.d/default.conf'));
    const conf = readFileSync(mount!.split(':')[0]!, 'utf8');
    const upstream = [...conf.matchAll(/^\s*server\s+([\w.-]+):8787\b/gm)].map((match) => match[1]);
    expect(upstream.sort()).toEqual([...servers].sort());
  });

  it("runs each server as compose.yml's GPU server does, with its own data volume", () => {
    const gpu = composeConfig(COMPOSE).services['offload-gpu']!;
    const data = new Set<string>();
    for (const name of servers) {
      const server = config.services[name]!;
      expect(server.build).toEqual(gpu.build);
      expect(server.environment).toEqual(gpu.environment);
      expect(server.healthcheck).toEqual(gpu.healthcheck);
      expect(server.secrets).toEqual(gpu.secrets);
      expect(server.deploy?.resources?.limits).toEqual(gpu.deploy?.resources?.limits);
      data.add(volumeNames(server)['/data']!);
      expect(config.volumes?.[volumeNames(server)['/models']!]).toEqual({ name: 'sfa-models' });
    }
    expect(data.size).toBe(servers.length);
  });
});

describe('docker/nginx.conf', () => {
  // Served for real by nginx in e2e/specs/nginx.spec.ts; these are the static checks.
  it('includes the shared headers in every location and keeps the MIME map', () => {
    const conf = readFileSync('docker/nginx.conf', 'utf8');
    const locations = conf.split(/\n\s*location /).slice(1);
    expect(locations.length).toBeGreaterThan(0);
    for (const location of locations) expect(location).toContain('include /etc/nginx/sfa-headers.conf;');
    expect(conf.indexOf('include /etc/nginx/mime.types;')).toBeLessThan(conf.indexOf('types {'));
    const headers = readFileSync('docker/sfa-headers.conf', 'utf8');
    expect(headers).toContain('Cross-Origin-Opener-Policy same-origin always');
    expect(headers).toContain('Cross-Origin-Embedder-Policy require-corp always');
    expect(headers).toMatch(/Content-Security-Policy ".*" always;/);
  });

  it('is copied into the image with its headers file', () => {
    const dockerfile = readFileSync('docker/web.Dockerfile', 'utf8');
    expect(dockerfile).toContain('COPY docker/nginx.conf /etc/nginx/conf.d/default.conf');
    expect(dockerfile).toContain('COPY docker/sfa-headers.conf /etc/nginx/sfa-headers.conf');
  });
});
