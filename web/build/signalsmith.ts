// signalsmith-stretch ships its WASM time-stretcher inside a Web Audio node of its own. The
// mixer needs the stretcher itself, inside its own AudioWorklet (after mixing the stems) and in
// the export worker, so this exposes the package's Emscripten factory as a named export. The
// package is pinned to an exact version in web/package.json; a release that moves the line this
// looks for fails the build here instead of shipping a mixer without speed and pitch.
import type { Plugin } from 'vite';

const MODULE = /signalsmith-stretch[\\/]SignalsmithStretch\.mjs$/;
/** The line after which the package's Emscripten factory is replaced by its node factory. */
const MARKER = 'SignalsmithStretch = ((Module, audioNodeKey) => {';

export function signalsmithFactory(): Plugin {
  return {
    name: 'sfa-signalsmith-factory',
    enforce: 'pre',
    transform(code, id) {
      if (!MODULE.test(id.split('?')[0]!)) return undefined;
      const at = code.indexOf(MARKER);
      if (at < 0) this.error(`signalsmith-stretch changed: "${MARKER}" not found; update web/build/signalsmith.ts`);
      return {
        code: `${code.slice(0, at)}export const createStretchModule = SignalsmithStretch;\n${code.slice(at)}`,
        map: null,
      };
    },
  };
}
