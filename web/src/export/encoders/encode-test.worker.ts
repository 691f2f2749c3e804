// A module worker for encoders.browser.test.ts: encodes in a Web Worker, where the app runs its
// exports, so the test proves libFLAC's and LAME's WASM load there too (libflac.js's loader
// takes a module worker, which has no importScripts, for a "shell" environment).
import { expose, transfer } from 'comlink';
import type { EncodeSpec } from '../types.ts';
import { encodeInBlocks, sine } from './test-signals.ts';

const api = {
  async encodeSines(spec: EncodeSpec, sampleRate: number, frames: number): Promise<Uint8Array> {
    const channels = [sine(440, sampleRate, frames), sine(1000, sampleRate, frames, 0.25)];
    const bytes = await encodeInBlocks(spec, channels, sampleRate, [1000]);
    return transfer(bytes, [bytes.buffer]);
  },
};

expose(api);
export type EncodeTestWorker = typeof api;
