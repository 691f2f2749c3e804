// `npm start` after the build: serves the production PWA (with its service worker and the
// cross-origin isolation headers) and starts the offload server on CPU, then prints where.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const APP_PORT = process.env.APP_PORT ?? '4173';
// Node runs the tools' entry points directly (not through npx), so stopping this script stops them.
const bin = (path) => fileURLToPath(new URL(`../node_modules/${path}`, import.meta.url));
const app = spawn(process.execPath, [bin('vite/bin/vite.js'), 'preview', '--port', APP_PORT, '--strictPort'], {
  stdio: ['ignore', 'pipe', 'inherit'],
});
// The dev setup runs the offload server open (no token) on loopback, for the app served here;
// set SFA_TOKENS (or SFA_TOKENS_FILE) to run it with tokens instead.
const hasTokens = Boolean(process.env.SFA_TOKENS || process.env.SFA_TOKENS_FILE);
const server = spawn(process.execPath, [bin('tsx/dist/cli.mjs'), 'offload-server/src/main.ts'], {
  stdio: ['ignore', 'inherit', 'inherit'],
  env: {
    ...process.env,
    ...(hasTokens ? {} : { SFA_ALLOW_OPEN: '1' }),
    SFA_ALLOWED_ORIGINS: process.env.SFA_ALLOWED_ORIGINS ?? `http://localhost:${APP_PORT},http://127.0.0.1:${APP_PORT}`,
  },
});
const children = [app, server];

app.stdout.on('data', (chunk) => {
  process.stdout.write(chunk);
  if (String(chunk).includes('Local')) {
    console.log(`\n  Sound Forge Alchemy is running: open http://localhost:${APP_PORT}/\n`);
  }
});

let stopping = false;
function stop(code) {
  if (stopping) return;
  stopping = true;
  for (const child of children) child.kill('SIGTERM');
  process.exitCode = code;
}
// The app works without the offload server: if the server cannot start, say so and keep serving.
server.on('exit', (code) => {
  if (!stopping && code)
    console.error('\n  The offload server stopped (see above); the app keeps running without it.\n');
});
app.on('exit', (code) => stop(code ?? 0));
process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));
