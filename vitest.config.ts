// Unit tests sit next to the code. `*.test.ts` run in Node; `*.browser.test.ts` need a real
// browser API (IndexedDB, Web Audio) and run in headless Chromium.
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { playwright } from '@vitest/browser-playwright';
import { defineConfig } from 'vitest/config';
import { CHROMIUM_ARGS, findChromium } from './e2e/find-chromium.mjs';
import { signalsmithFactory } from './web/build/signalsmith.ts';

export default defineConfig({
  test: {
    testTimeout: 30_000,
    projects: [
      {
        test: {
          name: 'node',
          environment: 'node',
          include: [
            'shared/src/**/*.test.ts',
            'offload-server/src/**/*.test.ts',
            'web/src/**/*.test.ts',
            'docker/**/*.test.ts',
          ],
          exclude: ['**/*.browser.test.ts'],
        },
      },
      {
        plugins: [svelte({ configFile: 'web/svelte.config.js' }), signalsmithFactory()],
        optimizeDeps: { exclude: ['signalsmith-stretch'] },
        test: {
          name: 'browser',
          include: ['web/src/**/*.browser.test.ts', 'shared/src/**/*.browser.test.ts'],
          browser: {
            enabled: true,
            headless: true,
            provider: playwright({
              launchOptions: { executablePath: findChromium(), args: CHROMIUM_ARGS },
            }),
            instances: [{ browser: 'chromium' }],
          },
        },
      },
    ],
  },
});
