// `npm start` after the build: serves the production PWA (with its service worker and the
// cross-origin isolation headers) and starts the offload server on CPU, then prints where.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const APP_PORT = process.env.APP_PORT ?? '4173';
// Node runs the tools' entry points directly (not through npx), so stopping this script stops them.
const bin = (path) => fileURLToPath(new URL(`../node_modules/${path}`, import.meta.url));
const children = [
  spawn(process.execPath, [bin('vite/bin/vite.js'), 'preview', '--port', APP_PORT, '--strictPort'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  }),
  spawn(process.execPath, [bin('tsx/dist/cli.mjs'), 'offload-server/src/main.ts'], {
    stdio: ['ignore', 'inherit', 'inherit'],
  }),
];

children[0].stdout.on('data', (chunk) => {
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
for (const child of children) child.on('exit', (code) => stop(code ?? 0));
process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));
