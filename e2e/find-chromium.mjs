// Finds the Chromium the tests and benchmarks drive: $SFA_CHROMIUM, then the system's
// (Debian's /usr/bin/chromium and friends), then Playwright's own download if one exists.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';

const SYSTEM_PATHS = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
  '/usr/bin/google-chrome-stable',
  '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
];

/** Flags every launch uses: root in a container needs --no-sandbox; the rest keep a closed network quiet. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--autoplay-policy=no-user-gesture-required',
];

function playwrightsOwn() {
  try {
    const { chromium } = createRequire(import.meta.url)('playwright-core');
    const path = chromium.executablePath();
    return path && existsSync(path) ? path : undefined;
  } catch {
    return undefined;
  }
}

/** Absolute path of a Chromium executable; throws with how to get one when there is none. */
export function findChromium() {
  const fromEnv = process.env.SFA_CHROMIUM;
  if (fromEnv) {
    if (!existsSync(fromEnv)) throw new Error(`SFA_CHROMIUM=${fromEnv} does not exist`);
    return fromEnv;
  }
  const found = SYSTEM_PATHS.find((path) => existsSync(path)) ?? playwrightsOwn();
  if (found) return found;
  throw new Error(
    'No Chromium found for the browser tests. Install one with `sudo apt-get install chromium` ' +
      '(Debian/Ubuntu), or `npx playwright install chromium` where the network allows, ' +
      'or point SFA_CHROMIUM at a Chrome/Chromium executable.',
  );
}
