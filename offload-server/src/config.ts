// The server's configuration, read from the environment once at start and validated: a bad
// value stops the server with a message naming the variable, not a failure later.

import { readFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export type ExecutionProviderChoice = 'auto' | 'cuda' | 'cpu';
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface ServerConfig {
  host: string;
  port: number;
  /** Bearer tokens accepted for jobs and /v1 routes (SFA_TOKENS and SFA_TOKENS_FILE together). */
  tokens: string[];
  /** No tokens at all: only allowed when `host` is a loopback address (SFA_ALLOW_OPEN=1). */
  open: boolean;
  /** Origins whose pages may call the server (CORS, WebSocket Origin check); '*' allows any. */
  allowedOrigins: string[];
  /** Largest upload accepted, bytes. */
  maxUploadBytes: number;
  /** Longest audio accepted, seconds. */
  maxDurationSec: number;
  /** Job inputs and results live under `<dataDir>/jobs`. */
  dataDir: string;
  /** Models as `<id>.onnx` + `<id>.json`; undefined: only the built-in Quick. */
  modelsDir: string | undefined;
  /** Jobs run at once on the device (one CPU or one GPU). */
  concurrency: number;
  /** Jobs admitted beyond those running (uploading or queued) before clients are told "busy". */
  queueDepth: number;
  maxJobsPerToken: number;
  /** How long a finished job's results stay on disk for a client to resume, seconds. */
  resultTtlSec: number;
  executionProvider: ExecutionProviderChoice;
  /** ONNX Runtime intra-op threads per session. */
  threads: number;
  logLevel: LogLevel;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '::1', 'localhost', '[::1]']);

export function isLoopbackHost(host: string): boolean {
  return LOOPBACK_HOSTS.has(host) || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

function list(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be a whole number from ${min} to ${max}, got "${raw}"`);
  }
  return value;
}

function choice<T extends string>(env: NodeJS.ProcessEnv, name: string, options: readonly T[], fallback: T): T {
  const raw = env[name]?.trim().toLowerCase();
  if (!raw) return fallback;
  if (!(options as readonly string[]).includes(raw)) {
    throw new ConfigError(`${name} must be one of ${options.join(', ')}, got "${env[name]}"`);
  }
  return raw as T;
}

function flag(env: NodeJS.ProcessEnv, name: string): boolean {
  const raw = env[name]?.trim().toLowerCase();
  if (!raw || raw === '0' || raw === 'false') return false;
  if (raw === '1' || raw === 'true') return true;
  throw new ConfigError(`${name} must be 1 or 0, got "${env[name]}"`);
}

/** One token per line; blank lines and lines starting with # are skipped. */
function tokensFromFile(path: string): string[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`SFA_TOKENS_FILE: cannot read ${path}: ${(error as Error).message}`);
  }
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'));
}

function tokens(env: NodeJS.ProcessEnv): string[] {
  const all = [...list(env.SFA_TOKENS), ...(env.SFA_TOKENS_FILE ? tokensFromFile(env.SFA_TOKENS_FILE) : [])];
  for (const token of all) {
    // Tokens travel in a header and in a WebSocket subprotocol: printable ASCII only.
    if (!/^[\x21-\x7e]+$/.test(token)) throw new ConfigError('a token holds a space or a non-ASCII character');
  }
  return [...new Set(all)];
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): ServerConfig {
  const allowedOrigins = list(env.SFA_ALLOWED_ORIGINS);
  for (const origin of allowedOrigins) {
    if (origin !== '*' && !/^https?:\/\/[^/]+$/.test(origin)) {
      throw new ConfigError(`SFA_ALLOWED_ORIGINS: "${origin}" is not an origin like https://host:port`);
    }
  }
  const host = env.HOST?.trim() || '127.0.0.1';
  const accepted = tokens(env);
  const open = flag(env, 'SFA_ALLOW_OPEN');
  if (open && accepted.length > 0) {
    throw new ConfigError('SFA_ALLOW_OPEN=1 and tokens are both set: choose one');
  }
  if (open && !isLoopbackHost(host)) {
    throw new ConfigError(`SFA_ALLOW_OPEN=1 runs without tokens, which is only allowed on loopback, not HOST=${host}`);
  }
  if (!open && accepted.length === 0) {
    throw new ConfigError(
      'no tokens: set SFA_TOKENS (comma-separated) or SFA_TOKENS_FILE (one per line), ' +
        'or SFA_ALLOW_OPEN=1 to run without them on a loopback HOST',
    );
  }
  const concurrency = integer(env, 'SFA_CONCURRENCY', 1, 1, 64);
  return {
    host,
    port: integer(env, 'PORT', 8787, 0, 65535),
    tokens: accepted,
    open,
    allowedOrigins,
    maxUploadBytes: integer(env, 'SFA_MAX_UPLOAD_BYTES', 512 * 1024 ** 2, 1, 8 * 1024 ** 3),
    maxDurationSec: integer(env, 'SFA_MAX_DURATION_SEC', 30 * 60, 1, 24 * 3600),
    dataDir: resolve(env.SFA_DATA_DIR?.trim() || join(tmpdir(), 'sfa-offload')),
    modelsDir: env.SFA_MODELS_DIR?.trim() ? resolve(env.SFA_MODELS_DIR.trim()) : undefined,
    concurrency,
    queueDepth: integer(env, 'SFA_QUEUE_DEPTH', 16, 0, 10_000),
    maxJobsPerToken: integer(env, 'SFA_MAX_JOBS_PER_TOKEN', 4, 1, 10_000),
    resultTtlSec: integer(env, 'SFA_RESULT_TTL_SEC', 3600, 1, 30 * 24 * 3600),
    executionProvider: choice(env, 'SFA_EXECUTION_PROVIDER', ['auto', 'cuda', 'cpu'] as const, 'auto'),
    threads: integer(env, 'SFA_THREADS', Math.max(1, Math.floor(availableParallelism() / concurrency)), 1, 1024),
    logLevel: choice(env, 'SFA_LOG_LEVEL', ['debug', 'info', 'warn', 'error'] as const, 'info'),
  };
}
