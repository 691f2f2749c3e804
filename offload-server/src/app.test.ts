// The server in-process through app.request(): health, auth, CORS, errors, config parsing.
import { describe, expect, it } from 'vitest';
import { createApp } from './app.ts';
import { ConfigError, loadConfig } from './config.ts';

describe('offload server app', () => {
  it('answers health and readiness', async () => {
    let ready = false;
    const app = createApp(loadConfig({}), () => ready);
    expect(await (await app.request('/healthz')).json()).toEqual({ status: 'ok' });
    expect((await app.request('/readyz')).status).toBe(503);
    ready = true;
    expect((await app.request('/readyz')).status).toBe(200);
  });

  it('requires a valid bearer token on /v1 when tokens are configured', async () => {
    const app = createApp(loadConfig({ SFA_TOKENS: 'secret-a, secret-b' }));
    const missing = await app.request('/v1/capabilities');
    expect(missing.status).toBe(401);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe('unauthorized');
    const wrong = await app.request('/v1/capabilities', { headers: { Authorization: 'Bearer nope' } });
    expect(wrong.status).toBe(401);
    const right = await app.request('/v1/capabilities', { headers: { Authorization: 'Bearer secret-b' } });
    expect(right.status).toBe(200);
    expect(((await right.json()) as { auth: string }).auth).toBe('bearer');
    expect((await app.request('/healthz')).status).toBe(200);
  });

  it('sends CORS headers only to allowed origins', async () => {
    const app = createApp(loadConfig({ SFA_ALLOWED_ORIGINS: 'https://app.example' }));
    const allowed = await app.request('/v1/capabilities', { headers: { Origin: 'https://app.example' } });
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://app.example');
    const other = await app.request('/v1/capabilities', { headers: { Origin: 'https://evil.example' } });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('answers unknown routes with a JSON error', async () => {
    const response = await createApp(loadConfig({})).request('/nope');
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: { code: 'not-found', message: 'No route for GET /nope' } });
  });
});

describe('loadConfig', () => {
  it('reads defaults and lists', () => {
    const config = loadConfig({ PORT: '9000', SFA_TOKENS: 'a,,b ' });
    expect(config).toMatchObject({ host: '127.0.0.1', port: 9000, tokens: ['a', 'b'], allowedOrigins: [] });
  });

  it.each([
    [{ PORT: 'eighty' }, /PORT must be a whole number/],
    [{ PORT: '70000' }, /PORT must be a whole number from 0 to 65535/],
    [{ SFA_ALLOWED_ORIGINS: 'app.example/path' }, /not an origin/],
  ])('refuses %o with a message naming the variable', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });
});
