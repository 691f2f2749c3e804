// The web image's nginx configuration, served for real by Debian's nginx over the production
// build, precompressed as the image does it: right content types, isolation headers and the
// Content-Security-Policy everywhere, cache rules, compression, and the app working under them.
import { expect, test } from '@playwright/test';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { slide } from '../pages/mixer.ts';
import { AppPage, fixture } from '../pages/app-page.ts';
import { FIXTURE_TRACKS } from '../fixtures/expected.ts';
import { DIST } from '../dist-dir.ts';

const NGINX = '/usr/sbin/nginx';
// Beside the port vite preview takes, so two runs with their own E2E_PORT do not collide.
const PORT = Number(process.env.E2E_PORT ?? 4180) + 2;
const BASE = `http://127.0.0.1:${PORT}`;
const DOCKER = fileURLToPath(new URL('../../docker/', import.meta.url));

test.skip(!existsSync(NGINX), 'nginx is not installed (apt-get install nginx-light)');

let nginx: ChildProcess | undefined;
let prefix = '';
let ortDir = '';

test.beforeAll(async () => {
  prefix = await mkdtemp(join(tmpdir(), 'sfa-nginx-'));
  // The image serves the build after its own compression step: run that RUN line of
  // web.Dockerfile on a copy (it works on `dist` in the build stage's working directory).
  await cp(DIST, join(prefix, 'dist'), { recursive: true });
  const dockerfile = await readFile(`${DOCKER}web.Dockerfile`, 'utf8');
  const compress = dockerfile.split('\n').find((line) => line.startsWith('RUN find dist') && line.includes('gzip'));
  expect(compress, 'web.Dockerfile compresses the build').toBeDefined();
  execFileSync('sh', ['-c', compress!.slice('RUN '.length)], { cwd: prefix });
  ortDir = `ort/${(await readdir(join(prefix, 'dist', 'ort')))[0]}`;

  // The image's own nginx.conf wraps conf.d/*.conf like this; our server block goes in as is,
  // with only its port, root and include paths pointed at this machine.
  const server = (await readFile(`${DOCKER}nginx.conf`, 'utf8'))
    .replace('listen 8080;', `listen 127.0.0.1:${PORT};`)
    .replace('root /usr/share/nginx/html;', `root ${prefix}/dist;`)
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

test('serves every file with its type, the isolation headers, the CSP and the right caching', async ({ request }) => {
  const script = (await readdir(`${prefix}/dist/assets`)).find((name) => name.endsWith('.js'))!;
  const cases: [path: string, type: RegExp, cache: RegExp][] = [
    ['/', /^text\/html/, /no-cache/],
    ['/library/deep/link', /^text\/html/, /no-cache/],
    [`/assets/${script}`, /^text\/javascript/, /immutable/],
    [`/${ortDir}/ort-wasm-simd-threaded.wasm`, /^application\/wasm/, /immutable/],
    [`/${ortDir}/ort-wasm-simd-threaded.mjs`, /^text\/javascript/, /immutable/],
    ['/sw.js', /^text\/javascript/, /no-cache/],
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
    expect(headers['content-security-policy'], path).toContain("script-src 'self' 'wasm-unsafe-eval'");
    expect(headers['content-security-policy'], path).toContain("frame-ancestors 'none'");
  }
  // A file missing under a hashed path (an old page during a deployment) must not be cached.
  const missing = await request.get(`${BASE}/assets/gone-0000aaaa.js`);
  expect(missing.status()).toBe(404);
  expect(missing.headers()['cache-control'] ?? '').not.toMatch(/immutable/);
  expect(missing.headers()['cross-origin-embedder-policy']).toBe('require-corp');
});

test("compresses: the image's .gz files as they are, the rest on the fly", async () => {
  // Node's fetch would decompress and drop the length, so ask with plain HTTP semantics.
  const get = (path: string) => fetch(`${BASE}${path}`, { headers: { 'Accept-Encoding': 'gzip' } });
  const wasmPath = `${ortDir}/ort-wasm-simd-threaded.wasm`;
  const wasm = await get(`/${wasmPath}`);
  expect(wasm.headers.get('content-encoding')).toBe('gzip');
  expect(wasm.headers.get('vary')).toMatch(/Accept-Encoding/i);
  // gzip_static sends the stored file with its length; on-the-fly gzip would be chunked.
  const gzSize = (await stat(join(prefix, 'dist', `${wasmPath}.gz`))).size;
  expect(Number(wasm.headers.get('content-length'))).toBe(gzSize);
  expect(gzSize).toBeLessThan((await stat(join(prefix, 'dist', wasmPath))).size / 2);

  // A file without a .gz (a build not made by the image) is compressed on the fly.
  const script = (await readdir(join(prefix, 'dist', 'assets'))).find((name) => name.endsWith('.js.gz'))!;
  await rm(join(prefix, 'dist', 'assets', script));
  const onTheFly = await get(`/assets/${script.slice(0, -'.gz'.length)}`);
  expect(onTheFly.headers.get('content-encoding')).toBe('gzip');
  expect(onTheFly.headers.get('content-length')).toBeNull();
  const plain = await fetch(`${BASE}/${wasmPath}`, { headers: { 'Accept-Encoding': 'identity' } });
  expect(plain.headers.get('content-encoding')).toBeNull();
  expect(Number(plain.headers.get('content-length'))).toBe((await stat(join(prefix, 'dist', wasmPath))).size);
});

const VIOLATION = 'sfa-csp-violation ';

interface Violation {
  directive: string;
  blocked: string;
  sourceFile?: string;
  line?: number;
  column?: number;
}

/**
 * zod 4 checks once whether `new Function` works, catches the refusal and validates without it;
 * the refused probe is still reported (zod's own source says so). `z.config({ jitless: true })`
 * in the app skips the probe; until the app sets it, that report, and only that one, is allowed.
 */
async function isZodEvalProbe({ directive, blocked, sourceFile, line, column }: Violation): Promise<boolean> {
  if (directive !== 'script-src' || blocked !== 'eval' || !sourceFile || !line || column === undefined) return false;
  const source = (await (await fetch(sourceFile)).text()).split('\n')[line - 1] ?? '';
  const around = source.slice(Math.max(0, column - 120), column + 120);
  return around.includes('jitless') && around.includes('Function(``)');
}

test('the app runs from it under its CSP: imports every format, analyses, loads ONNX Runtime, plays the mixer, exports', async ({
  page,
}) => {
  const violations: Violation[] = [];
  page.on('console', (message) => {
    const text = message.text();
    if (text.startsWith(VIOLATION)) violations.push(JSON.parse(text.slice(VIOLATION.length)) as Violation);
    else if (/Content.Security.Policy/i.test(text)) violations.push({ directive: text, blocked: '' });
  });
  await page.addInitScript((prefix) => {
    document.addEventListener('securitypolicyviolation', (event) => {
      const {
        effectiveDirective: directive,
        blockedURI: blocked,
        sourceFile,
        lineNumber: line,
        columnNumber: column,
      } = event;
      console.error(prefix + JSON.stringify({ directive, blocked, sourceFile, line, column }));
    });
  }, VIOLATION);
  const app = new AppPage(page);
  await page.goto(`${BASE}/`);
  await expect(page.getByRole('heading', { name: 'Library' })).toBeVisible();
  await expect(page.getByTestId('isolation')).toHaveText(/Isolated/);
  await app.waitForServiceWorker();

  // Every decoder: mpg123, FLAC, Vorbis and Opus are WebAssembly in a worker; AAC is WebCodecs.
  const formats = ['wav', 'mp3', 'flac', 'ogg', 'opus', 'm4a'] as const;
  await app.importFiles(formats.map((format) => fixture(FIXTURE_TRACKS[format].file)));
  await expect(app.importItems().and(page.locator('[data-status="imported"]'))).toHaveCount(formats.length);
  await app.waitForAnalysis(FIXTURE_TRACKS.mp3.title);
  await page.getByRole('button', { name: 'Dismiss' }).click();
  await app.openTrack(FIXTURE_TRACKS.mp3.title);

  // ONNX Runtime's glue imports as a module script and its .wasm compiles from the response
  // stream, which only an application/wasm response allowed by 'wasm-unsafe-eval' can.
  const ort = await page.evaluate(async (dir) => {
    const glue = await import(/* @vite-ignore */ `/${dir}/ort-wasm-simd-threaded.mjs`);
    const module = await WebAssembly.compileStreaming(fetch(`/${dir}/ort-wasm-simd-threaded.wasm`));
    return { glue: typeof glue.default, exports: WebAssembly.Module.exports(module).length };
  }, ortDir);
  expect(ort.glue).toBe('function');
  expect(ort.exports).toBeGreaterThan(10);

  // The mixer's AudioWorklet (the stretcher's WebAssembly inside it) and the export worker's
  // encoders (libFLAC's and LAME's WebAssembly) under the same policy.
  await page.getByTestId('separation-model').selectOption('quick');
  await page.getByRole('button', { name: `Separate ${FIXTURE_TRACKS.mp3.title}` }).click();
  await expect(page.getByTestId('stem-set')).toHaveCount(1, { timeout: 60_000 });
  await page.getByTestId('open-mixer').click();
  const mixer = page.getByTestId('mixer');
  await slide(mixer.getByTestId('mixer-speed'), 75);
  await mixer.getByTestId('mixer-play').click();
  await expect(mixer.getByTestId('mixer-play')).toHaveAttribute('aria-label', 'Pause mix');
  await expect
    .poll(async () => Number(await mixer.getByTestId('mixer-position').getAttribute('data-seconds')))
    .toBeGreaterThan(0.3);
  await expect(mixer.getByRole('alert')).toHaveCount(0);
  await mixer.getByTestId('mixer-play').click();
  await page.getByTestId('open-export').click();
  const panel = page.getByTestId('export-panel');
  await panel.getByRole('radio', { name: 'Each stem as a file' }).check();
  for (const stem of ['vocals', 'drums', 'bass', 'other']) {
    await panel.getByRole('checkbox', { name: stem, exact: true }).setChecked(stem === 'bass');
  }
  for (const [format, extension] of [
    ['flac24', 'flac'],
    ['mp3', 'mp3'],
  ] as const) {
    await panel.getByTestId('export-format').selectOption(format);
    await panel.getByTestId('export-start').click();
    await expect(panel.locator(`[data-testid="export-result"][data-name$="(bass).${extension}"]`)).toHaveCount(1, {
      timeout: 60_000,
    });
    await expect(panel.getByTestId('export-error')).toHaveCount(0);
  }
  const unexpected = [];
  for (const violation of violations) if (!(await isZodEvalProbe(violation))) unexpected.push(violation);
  expect(unexpected).toEqual([]);
});
