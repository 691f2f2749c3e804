// Builds and serves the PWA in web/. Every server (dev, preview) sends the cross-origin
// isolation headers, which threaded WASM (SharedArrayBuffer) needs.
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defaultClientConditions, defineConfig } from 'vite';
import { VitePWA } from 'vite-plugin-pwa';
import { ortAssets } from './web/build/ort-assets.ts';
import { signalsmithFactory } from './web/build/signalsmith.ts';
import { manifest } from './web/manifest.ts';

export const ISOLATION_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

export default defineConfig({
  root: 'web',
  publicDir: 'public',
  build: {
    outDir: '../dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
  },
  // onnxruntime-web's builds that load their glue and .wasm from `env.wasm.wasmPaths` (served by
  // ortAssets) rather than the bundled ones, whose thread workers would re-run our worker chunk.
  resolve: { conditions: ['onnxruntime-web-use-extern-wasm', ...defaultClientConditions] },
  // Pre-bundling would skip the transform that exposes its WASM factory.
  optimizeDeps: { exclude: ['signalsmith-stretch'] },
  worker: { format: 'es', plugins: () => [signalsmithFactory()] },
  server: { headers: ISOLATION_HEADERS },
  preview: { headers: ISOLATION_HEADERS, port: 4173, strictPort: true },
  plugins: [
    svelte(),
    signalsmithFactory(),
    ortAssets(),
    VitePWA({
      strategies: 'injectManifest',
      srcDir: 'src',
      filename: 'sw.ts',
      registerType: 'prompt',
      injectRegister: false,
      manifest,
      injectManifest: {
        // The app shell and the decoders' chunks: everything needed to import and play offline.
        // Source maps stay on the network.
        globPatterns: ['**/*.{js,css,html,svg,png,ico,webmanifest}'],
        // ogg-opus-decoder's neural "speech enhancement" build (4 MB) is never used: we do not opt in.
        globIgnores: ['**/opus-ml-*', 'ort/**'],
        maximumFileSizeToCacheInBytes: 3 * 1024 * 1024,
      },
      devOptions: { enabled: false },
    }),
  ],
});
