// End-to-end tests drive the production build (service worker included) in headless Chromium,
// served by `vite preview` with the app's real headers.
import { defineConfig } from '@playwright/test';
import { CHROMIUM_ARGS, findChromium } from './find-chromium.mjs';

const PORT = Number(process.env.E2E_PORT ?? 4180);
// Another build folder (relative to web/, as vite's outDir), so two test runs can share a checkout:
// `npx vite build --outDir ../dist-x && E2E_OUT_DIR=../dist-x E2E_PORT=4190 npx playwright test ...`.
const OUT_DIR = process.env.E2E_OUT_DIR;

export default defineConfig({
  testDir: './specs',
  outputDir: '../test-results',
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 15_000 },
  reporter: [['list']],
  use: {
    baseURL: `http://localhost:${PORT}`,
    browserName: 'chromium',
    launchOptions: { executablePath: findChromium(), args: CHROMIUM_ARGS },
    trace: 'retain-on-failure',
  },
  webServer: {
    command: `npx vite preview --port ${PORT} --strictPort${OUT_DIR ? ` --outDir ${OUT_DIR}` : ''}`,
    cwd: '..',
    url: `http://localhost:${PORT}/`,
    reuseExistingServer: false,
    timeout: 60_000,
  },
});
