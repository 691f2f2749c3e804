// First step of `npm test`: make sure a Chromium exists for the browser tests. Uses
// $SFA_CHROMIUM or the system's; else tries Playwright's own download (where the network
// allows); else says how to get one and fails.
import { spawnSync } from 'node:child_process';
import { findChromium } from '../e2e/find-chromium.mjs';

function found() {
  try {
    return findChromium();
  } catch {
    return undefined;
  }
}

let path = found();
if (!path) {
  console.log('No Chromium found; trying `npx playwright install chromium`…');
  spawnSync('npx', ['playwright', 'install', 'chromium'], { stdio: 'inherit' });
  path = found();
}
if (!path) {
  try {
    findChromium();
  } catch (error) {
    console.error(`\n${error.message}\n`);
  }
  process.exit(1);
}
console.log(`Browser tests use ${path}`);
