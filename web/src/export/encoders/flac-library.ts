// Loads libflac.js's WebAssembly build once, in a browser (or worker) bundle and in Node alike.
// Its Emscripten loader finds the .wasm by URL: in a bundle we hand it Vite's inlined data URL
// (a separate .wasm asset would be missing from the offline precache); in Node it reads the file
// beside its script, which works only while no global `fetch` exists, so `fetch` is hidden for
// the import (Node runs this only in tests).
import { SfaError } from '@sfa/shared/protocol/errors';
import type * as FlacModule from 'libflacjs/dist/libflac.wasm';
import wasmDataUrl from 'libflacjs/dist/libflac.wasm.wasm?url&inline';

export type Flac = typeof FlacModule;

let library: Promise<Flac> | undefined;

/** libFLAC compiles in well under a second; a loader that never says "ready" has failed. */
const READY_TIMEOUT_MS = 20_000;

export function loadFlac(): Promise<Flac> {
  library ??= importFlac().then(
    (flac) =>
      new Promise<Flac>((resolve, reject) => {
        if (flac.isReady()) return resolve(flac);
        // Its loader reports a failure (a policy refusing its WebAssembly, say) only on the
        // console and then never becomes ready: say so instead of waiting for ever.
        const timer = setTimeout(
          () =>
            reject(
              new SfaError(
                'internal',
                'the FLAC encoder (libFLAC, WebAssembly) did not load; a Content-Security-Policy without data: in connect-src stops it',
              ),
            ),
          READY_TIMEOUT_MS,
        );
        flac.on('ready', () => {
          clearTimeout(timer);
          resolve(flac);
        });
      }),
  );
  library.catch(() => (library = undefined));
  return library;
}

async function importFlac(): Promise<Flac> {
  const scope = globalThis as { FLAC_SCRIPT_LOCATION?: Record<string, string>; fetch?: typeof fetch };
  if (!isNode()) {
    scope.FLAC_SCRIPT_LOCATION = { 'libflac.wasm.wasm': wasmDataUrl };
    return unwrap(await import('libflacjs/dist/libflac.wasm.js'));
  }
  const fetchFunction = scope.fetch;
  try {
    delete scope.fetch;
    return unwrap(await import('libflacjs/dist/libflac.wasm.js'));
  } finally {
    scope.fetch = fetchFunction;
  }
}

function isNode(): boolean {
  const scope = globalThis as { process?: { versions?: { node?: string } } };
  return typeof scope.process?.versions?.node === 'string';
}

/** The module is CommonJS: bundlers and Node put its exports under `default`. */
function unwrap(module: Flac | { default: Flac }): Flac {
  return 'default' in module ? module.default : module;
}
