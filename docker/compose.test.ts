// The compose file is valid (as Docker Compose itself reads it) and refuses to start the
// offload server without tokens. No Docker engine is needed: `docker-compose config` only parses.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const COMPOSE = 'docker/compose.yml';
const hasCompose = spawnSync('docker-compose', ['version'], { stdio: 'ignore' }).status === 0;

describe.skipIf(!hasCompose)('docker/compose.yml', () => {
  it('is valid and builds both images from files that exist', () => {
    const config = execFileSync('docker-compose', ['-f', COMPOSE, 'config'], {
      env: { ...process.env, SFA_TOKENS: 'a-secret' },
      encoding: 'utf8',
    });
    expect(config).toContain('dockerfile: docker/web.Dockerfile');
    expect(config).toContain('dockerfile: docker/offload-server.Dockerfile');
    expect(config).toContain('SFA_TOKENS: a-secret');
    for (const file of ['docker/web.Dockerfile', 'docker/offload-server.Dockerfile', 'docker/nginx.conf']) {
      expect(existsSync(file)).toBe(true);
    }
  });

  it('will not start the offload server without tokens', () => {
    const env = { ...process.env };
    delete env.SFA_TOKENS;
    const result = spawnSync('docker-compose', ['-f', COMPOSE, 'config'], { env, encoding: 'utf8' });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('set SFA_TOKENS');
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
  });

  it('is copied into the image with its headers file', () => {
    const dockerfile = readFileSync('docker/web.Dockerfile', 'utf8');
    expect(dockerfile).toContain('COPY docker/nginx.conf /etc/nginx/conf.d/default.conf');
    expect(dockerfile).toContain('COPY docker/sfa-headers.conf /etc/nginx/sfa-headers.conf');
  });
});
