// The server's configuration, read from the environment once at start and validated: a bad
// value stops the server with a message naming the variable, not a failure later.

export interface ServerConfig {
  host: string;
  port: number;
  /** Bearer tokens accepted on /v1 routes; empty means no auth (only sensible on loopback). */
  tokens: string[];
  /** Origins whose pages may call the server (CORS); empty means same-origin only. */
  allowedOrigins: string[];
  /** Largest upload accepted, bytes. */
  maxUploadBytes: number;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
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

export function loadConfig(env: NodeJS.ProcessEnv = process.env): ServerConfig {
  const allowedOrigins = list(env.SFA_ALLOWED_ORIGINS);
  for (const origin of allowedOrigins) {
    if (origin !== '*' && !/^https?:\/\/[^/]+$/.test(origin)) {
      throw new ConfigError(`SFA_ALLOWED_ORIGINS: "${origin}" is not an origin like https://host:port`);
    }
  }
  return {
    host: env.HOST?.trim() || '127.0.0.1',
    port: integer(env, 'PORT', 8787, 0, 65535),
    tokens: list(env.SFA_TOKENS),
    allowedOrigins,
    maxUploadBytes: integer(env, 'SFA_MAX_UPLOAD_BYTES', 1024 ** 3, 1, 8 * 1024 ** 3),
  };
}
