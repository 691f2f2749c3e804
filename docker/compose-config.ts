// Runs Debian's `docker-compose config` (it validates and resolves a compose file without a
// Docker engine) and returns the result as an object. docker-compose 1.x prints only YAML, so the
// YAML is read by the Python that runs docker-compose itself, which has PyYAML by necessity.
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

export interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile: string };
  profiles?: string[];
  environment?: Record<string, string>;
  secrets?: { source: string }[];
  volumes?: string[];
  ports?: ({ published: number | string; target: number } | string)[];
  healthcheck?: { test: string[]; interval?: string; timeout?: string; retries?: number; start_period?: string };
  depends_on?: Record<string, { condition: string }>;
  deploy?: {
    resources?: {
      limits?: { cpus?: number | string; memory?: string };
      reservations?: {
        devices?: { driver?: string; count?: number | string; device_ids?: string[]; capabilities?: string[] }[];
      };
    };
  };
  restart?: string;
  read_only?: boolean;
  tmpfs?: string[];
}

export interface ComposeConfig {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
  secrets?: Record<string, { file: string }>;
}

export function which(command: string): string | undefined {
  const found = spawnSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' });
  return found.status === 0 ? found.stdout.trim() : undefined;
}

export const DOCKER_COMPOSE = which('docker-compose');

function python(): string {
  const shebang = readFileSync(DOCKER_COMPOSE!, 'utf8').split('\n', 1)[0] ?? '';
  return /^#!\s*(\S*python\S*)/.exec(shebang)?.[1] ?? 'python3';
}

/** YAML text to a plain object, by PyYAML's safe loader. */
export function yamlToObject(yaml: string): unknown {
  const json = execFileSync(
    python(),
    ['-c', 'import sys, json, yaml; json.dump(yaml.safe_load(sys.stdin), sys.stdout)'],
    { input: yaml, encoding: 'utf8' },
  );
  return JSON.parse(json);
}

/**
 * `docker-compose [--profile p]... -f file config`, resolved and parsed. docker-compose 1.x
 * lists every service whatever the profiles (it only checks that the flags parse), so callers
 * work out which ones a profile starts with `activeServices`.
 */
export function composeConfig(file: string, profiles: string[] = [], env: NodeJS.ProcessEnv = {}): ComposeConfig {
  const args = [...profiles.flatMap((profile) => ['--profile', profile]), '-f', file, 'config'];
  const yaml = execFileSync(DOCKER_COMPOSE!, args, { env: { ...process.env, ...env }, encoding: 'utf8' });
  return yamlToObject(yaml) as ComposeConfig;
}

/** The services `docker compose --profile ... up` starts: those in no profile or an active one. */
export function activeServices(config: ComposeConfig, profiles: string[]): string[] {
  return Object.entries(config.services)
    .filter(([, service]) => !service.profiles?.length || service.profiles.some((p) => profiles.includes(p)))
    .map(([name]) => name)
    .sort();
}
