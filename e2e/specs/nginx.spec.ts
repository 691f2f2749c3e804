// The web image's nginx configuration, served for real by Debian's nginx over the production
// build: right content types, isolation headers everywhere, cache rules, and the app working.
import { expect, test } from '@playwright/test';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AppPage } from '../pages/app-page.ts';
import { DIST } from '../dist-dir.ts';

const NGINX = '/usr/sbin/nginx';
const PORT = 4182;
const BASE = `http://127.0.0.1:${PORT}`;
const DOCKER = fileURLToPath(new URL('../../docker/', import.meta.url));

test.skip(!existsSync(NGINX), 'nginx is not installed (apt-get install nginx-light)');

let nginx: ChildProcess | undefined;
let prefix = '';

test.beforeAll(async () => {
  prefix = await mkdtemp(join(tmpdir(), 'sfa-nginx-'));
  // The image's own nginx.conf wraps conf.d/*.conf like this; our server block goes in as is,
  // with only its port, root and include paths pointed at this machine.
  const server = (await readFile(`${DOCKER}nginx.conf`, 'utf8'))
    .replace('listen 8080;', `listen 127.0.0.1:${PORT};`)
    .replace('root /usr/share/nginx/html;', `root ${DIST};`)
    .replaceAll('/etc/nginx/sfa-headers.conf', `${DOCKER}sfa-headers.conf`);
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']
    .map((kind) => `${kind}_temp_path ${prefix}/${kind};`)
    .join('\n');
  await writeFile(
    join(prefix, 'nginx.conf'),
    // As root, nginx's workers would drop to `nobody`, who may not read a private temp checkout.
    `${process.getuid?.() === 0 ? 'user root;' : ''} daemon off; worker_processes 1; pid ${prefix}/nginx.pid; error_log ${prefix}/error.log;
events {}
http { include /etc/nginx/mime.types; default_type application/octet-stream; access_log off; ${temp}
${server}
}`,
  );
  nginx = spawn(NGINX, ['-p', prefix, '-c', join(prefix, 'nginx.conf')], { stdio: 'inherit' });
  await expect
    .poll(
      () =>
        fetch(`${BASE}/`).then(
          (r) => r.status,
          () => 0,
        ),
      { timeout: 10_000 },
    )
    .toBe(200);
});

test.afterAll(async () => {
  nginx?.kill('SIGTERM');
  await rm(prefix, { recursive: true, force: true });
});

test('serves every file with its type, the isolation headers and the right caching', async ({ request }) => {
  const script = (await readdir(`${DIST}assets`)).find((name) => name.endsWith('.js'))!;
  const cases: [path: string, type: RegExp, cache: RegExp][] = [
    ['/', /^text\/html/, /no-cache/],
    ['/library/deep/link', /^text\/html/, /no-cache/],
    [`/assets/${script}`, /javascript/, /immutable/],
    ['/sw.js', /javascript/, /no-cache/],
    ['/manifest.webmanifest', /^application\/manifest\+json/, /no-cache/],
    ['/icons/icon-192.png', /^image\/png/, /no-cache/],
  ];
  for (const [path, type, cache] of cases) {
    const response = await request.get(`${BASE}${path}`);
    expect(response.status(), path).toBe(200);
    const headers = response.headers();
    expect(headers['content-type'], path).toMatch(type);
    expect(headers['cache-control'], path).toMatch(cache);
    expect(headers['cross-origin-opener-policy'], path).toBe('same-origin');
    expect(headers['cross-origin-embedder-policy'], path).toBe('require-corp');
    expect(headers['x-content-type-options'], path).toBe('nosniff');
  }
});

test('the app runs from it, cross-origin isolated, with its service worker', async ({ page }) => {
  const app = new AppPage(page);
  await page.goto(`${BASE}/`);
  await expect(page.getByRole('heading', { name: 'Library' })).toBeVisible();
  await expect(page.getByTestId('isolation')).toHaveText(/Isolated/);
  await app.waitForServiceWorker();
});
