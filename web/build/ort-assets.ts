// Serves onnxruntime-web's WebAssembly runtimes from this app, from the installed package's own
// files, under /ort/<version>/: the WASM build (CPU) and the WebGPU build. The workers set
// `env.wasm.wasmPaths` to that folder (the version comes from `ort.env.versions.web`), so the
// glue and the .wasm always match the JavaScript API bundled with them. The service worker keeps
// them in a runtime cache once fetched; they are too big (14 and 27 MB) to precache.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Plugin } from 'vite';

/** The files a session needs: the CPU build and the WebGPU (asyncify) build, glue and binary. */
export const ORT_FILES = [
  'ort-wasm-simd-threaded.mjs',
  'ort-wasm-simd-threaded.wasm',
  'ort-wasm-simd-threaded.asyncify.mjs',
  'ort-wasm-simd-threaded.asyncify.wasm',
] as const;

function ortPackage(): { dist: string; version: string } {
  const require = createRequire(import.meta.url);
  // The package exports no package.json; its main entry sits in dist/, the manifest beside it.
  const dist = dirname(require.resolve('onnxruntime-web', { paths: [join(import.meta.dirname, '..')] }));
  const { version } = JSON.parse(readFileSync(join(dist, '..', 'package.json'), 'utf8')) as { version: string };
  return { dist, version };
}

export function ortAssets(): Plugin {
  const { dist, version } = ortPackage();
  const base = `ort/${version}/`;
  const type = (file: string) => (file.endsWith('.wasm') ? 'application/wasm' : 'text/javascript');
  return {
    name: 'sfa-ort-assets',
    configureServer(server) {
      server.middlewares.use((request, response, next) => {
        const path = new URL(request.url ?? '/', 'http://x').pathname;
        const file = ORT_FILES.find((name) => path === `/${base}${name}`);
        if (!file) return next();
        response.setHeader('Content-Type', type(file));
        response.end(readFileSync(join(dist, file)));
      });
    },
    generateBundle() {
      for (const file of ORT_FILES) {
        this.emitFile({ type: 'asset', fileName: `${base}${file}`, source: readFileSync(join(dist, file)) });
      }
    },
  };
}
